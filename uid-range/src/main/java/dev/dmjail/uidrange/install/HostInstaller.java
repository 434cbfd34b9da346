package dev.dmjail.uidrange.install;

import static dev.dmjail.uidrange.DeviceModelUsers.RANGE_BASE_USER;
import static dev.dmjail.uidrange.DeviceModelUsers.SHARED_USER;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;
import dev.dmjail.uidrange.PosixUserDatabase;
import dev.dmjail.uidrange.UserDatabaseException;
import dev.dmjail.uidrange.UserEnumeration;
import dev.dmjail.uidrange.install.InstallManifest.Entry;
import dev.dmjail.uidrange.install.InstallManifest.Kind;

/**
 * {@code dmjail host install|check|uninstall}: provisions the device-model uid range the way Xen's
 * docs/features/qemu-deprivilege suggests ({@code adduser --no-create-home --uid 65536 --system
 * xen-qemuuser-range-base}), plus a same-numbered group so gid = base gid + domid is free too.
 * Install refuses before changing anything if any user, group, subuid/subgid range or login.defs
 * allocation range overlaps [base, base+32752); it is idempotent; uninstall removes only what the
 * manifest says install created.
 */
public final class HostInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(HostInstaller.class);
    private static final String COMMENT_BASE = "dmjail device-model uid range base";
    private static final String COMMENT_SHARED = "dmjail shared device-model user";
    private static final String COMMENT_REAPER = "dmjail device-model reaper";

    private final Function<EtcPaths, UserEnumeration> userSource;
    private final CommandRunner runner;
    private final RangeConflictChecker checker = new RangeConflictChecker();

    /** Live system: users and groups through NSS (getpwent/getgrent); other roots: their files. */
    public HostInstaller() {
        this(p -> p.isLiveSystem() ? new PosixUserDatabase() : new EtcFilesUserDatabase(p), new CommandRunner());
    }

    public HostInstaller(Function<EtcPaths, UserEnumeration> userSource, CommandRunner runner) {
        this.userSource = userSource;
        this.runner = runner;
    }

    public InstallReport install(InstallOptions o) {
        String range = RangeConflictChecker.rangeFor(o.baseUid()).toString();
        List<String> actions = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        ManifestStore store = new ManifestStore(o.manifestPath());
        String method = null;
        try {
            HostState state = HostStateReader.read(o.paths(), userSource.apply(o.paths()));
            List<Conflict> conflicts = new ArrayList<>(checker.check(state, o.baseUid()));
            conflicts.addAll(extraUserConflicts(state, o));
            if (!conflicts.isEmpty()) {
                return new InstallReport(InstallReport.Outcome.REFUSED, o.baseUid(), range, null, actions, conflicts,
                        warnings, store.path().toString());
            }
            Optional<InstallManifest> manifest = store.read();
            AccountWriter writer = AccountWriters.choose(o, state.loginDefs(), runner, warnings);
            method = writer.method();
            Creator creator = new Creator(o.paths(), writer, store, manifest.orElse(
                    new InstallManifest(InstallManifest.VERSION, o.baseUid(), method, null, List.of())), actions,
                    warnings);
            provisionBase(state, o, creator, warnings);
            if (o.createShared()) {
                provisionSystemUser(state, SHARED_USER, COMMENT_SHARED, creator);
            }
            if (o.createReaper()) {
                provisionSystemUser(state, o.reaperName(), COMMENT_REAPER, creator);
            }
            if (actions.isEmpty()) {
                actions.add("nothing to do: " + RANGE_BASE_USER + " is at uid " + o.baseUid()
                        + " and the requested accounts exist");
                return new InstallReport(InstallReport.Outcome.ALREADY_INSTALLED, o.baseUid(), range, method,
                        actions, List.of(), warnings, store.path().toString());
            }
            verify(o, warnings);
            return new InstallReport(InstallReport.Outcome.INSTALLED, o.baseUid(), range, method, actions,
                    List.of(), warnings, store.path().toString());
        } catch (IOException | UserDatabaseException e) {
            LOG.error("host install failed", e);
            warnings.add("error: " + e.getMessage());
            return new InstallReport(InstallReport.Outcome.FAILED, o.baseUid(), range, method, actions, List.of(),
                    warnings, store.path().toString());
        }
    }

    public CheckReport check(InstallOptions o) {
        return new InstallationInspector(checker).inspect(o, userSource.apply(o.paths()));
    }

    public UninstallReport uninstall(InstallOptions o) {
        return new Uninstaller(userSource, runner).uninstall(o);
    }

    /** The optional users must not be root; an existing shared/reaper user is reused as it is. */
    private static List<Conflict> extraUserConflicts(HostState state, InstallOptions o) {
        List<Conflict> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (o.createShared()) {
            names.add(SHARED_USER);
        }
        if (o.createReaper()) {
            names.add(o.reaperName());
        }
        for (String n : names) {
            state.user(n).filter(u -> u.uid() == 0).ifPresent(u -> out.add(new Conflict(Conflict.Kind.NAME_TAKEN,
                    "user " + n + " exists with uid 0 (root); it must be an unprivileged system user")));
        }
        return out;
    }

    private void provisionBase(HostState state, InstallOptions o, Creator creator, List<String> warnings)
            throws IOException {
        Optional<PasswdEntry> base = state.user(RANGE_BASE_USER);
        if (base.isPresent()) {
            // Made by hand (or an earlier install): keep it. The checker already verified its uid.
            if (Integer.toUnsignedLong(base.get().gid()) != o.baseUid()) {
                warnings.add(RANGE_BASE_USER + " exists with gid " + Integer.toUnsignedLong(base.get().gid())
                        + " != " + o.baseUid() + "; device models will share that gid (libxl behaviour)"
                        + " instead of getting base gid + domid");
            }
            return;
        }
        if (state.group(RANGE_BASE_USER).isEmpty()) {
            creator.group(RANGE_BASE_USER, o.baseUid());
        }
        creator.user(RANGE_BASE_USER, o.baseUid(), RANGE_BASE_USER, COMMENT_BASE);
    }

    private void provisionSystemUser(HostState state, String name, String comment, Creator creator)
            throws IOException {
        if (state.user(name).isPresent()) {
            return;
        }
        if (state.group(name).isEmpty()) {
            creator.group(name, null);
        }
        creator.user(name, null, name, comment);
    }

    /** Re-reads the database: the base must be where asked, and allocated ids must be outside the range. */
    private void verify(InstallOptions o, List<String> warnings) throws IOException {
        HostState after = HostStateReader.read(o.paths(), userSource.apply(o.paths()));
        List<Conflict> left = checker.check(after, o.baseUid());
        if (!left.isEmpty()) {
            throw new IOException("after install the range is still not clean: " + left);
        }
        after.user(RANGE_BASE_USER).filter(u -> Integer.toUnsignedLong(u.uid()) == o.baseUid())
                .orElseThrow(() -> new IOException(RANGE_BASE_USER + " is not at uid " + o.baseUid()
                        + " after install (is the user database served by NSS from elsewhere?)"));
    }

    /** Creates accounts and records each one in the manifest as soon as it exists. */
    private final class Creator {
        private final EtcPaths paths;
        private final AccountWriter writer;
        private final ManifestStore store;
        private InstallManifest manifest;
        private final List<String> actions;
        private final List<String> warnings;

        Creator(EtcPaths paths, AccountWriter writer, ManifestStore store, InstallManifest manifest,
                List<String> actions, List<String> warnings) {
            this.paths = paths;
            this.writer = writer;
            this.store = store;
            this.manifest = manifest;
            this.actions = actions;
            this.warnings = warnings;
        }

        void group(String name, Long gid) throws IOException {
            warnings.addAll(writer.createGroup(name, gid));
            long actual = lookupGroup(name).map(g -> Integer.toUnsignedLong(g.gid()))
                    .orElseThrow(() -> new IOException("group " + name + " missing right after creating it"));
            record(new Entry(Kind.GROUP, name, actual), "created group " + name + " (gid " + actual + ")");
        }

        void user(String name, Long uid, String group, String comment) throws IOException {
            warnings.addAll(writer.createUser(name, uid, group, comment));
            PasswdEntry u = lookupUser(name)
                    .orElseThrow(() -> new IOException("user " + name + " missing right after creating it"));
            long actual = Integer.toUnsignedLong(u.uid());
            record(new Entry(Kind.USER, name, actual), "created system user " + name + " (uid " + actual + ", gid "
                    + Integer.toUnsignedLong(u.gid()) + ", home " + AccountWriter.NO_HOME + ", shell "
                    + AccountWriter.NO_LOGIN_SHELL + ")");
        }

        private void record(Entry e, String action) throws IOException {
            manifest = manifest.plus(List.of(e), writer.method(), Instant.now().toString());
            store.write(manifest);
            actions.add(action);
            LOG.info("{}", action);
        }

        private Optional<PasswdEntry> lookupUser(String name) {
            return userSource.apply(paths).allUsers().stream().filter(u -> u.name().equals(name))
                    .findFirst();
        }

        private Optional<GroupEntry> lookupGroup(String name) {
            return userSource.apply(paths).allGroups().stream().filter(g -> g.name().equals(name))
                    .findFirst();
        }
    }
}
