package dev.dmjail.uidrange.install;

import static dev.dmjail.uidrange.DeviceModelUsers.RANGE_BASE_USER;
import static dev.dmjail.uidrange.DeviceModelUsers.SHARED_USER;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.dmjail.uidrange.PasswdEntry;
import dev.dmjail.uidrange.UserDatabaseException;
import dev.dmjail.uidrange.UserEnumeration;
import dev.dmjail.uidrange.install.InstallManifest.Entry;
import dev.dmjail.uidrange.install.InstallManifest.Kind;

/** {@code dmjail host check}: inspects, never changes. The range is checked at the base user's actual uid. */
final class InstallationInspector {
    private final RangeConflictChecker checker;

    InstallationInspector(RangeConflictChecker checker) {
        this.checker = checker;
    }

    CheckReport inspect(InstallOptions o, UserEnumeration users) {
        List<String> provisioned = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<Conflict> conflicts = new ArrayList<>();
        ManifestStore store = new ManifestStore(o.manifestPath());
        HostState state;
        Optional<InstallManifest> manifest = Optional.empty();
        try {
            state = HostStateReader.read(o.paths(), users);
        } catch (IOException | UserDatabaseException e) {
            problems.add("cannot read the user database: " + e.getMessage());
            return new CheckReport(CheckReport.Verdict.BROKEN, null, null, provisioned, problems, conflicts,
                    warnings, store.path().toString());
        }
        try {
            manifest = store.read();
        } catch (IOException e) {
            problems.add(e.getMessage());
        }
        Optional<PasswdEntry> base = state.user(RANGE_BASE_USER);
        Long baseUid = base.map(u -> Integer.toUnsignedLong(u.uid())).orElse(null);
        String range = null;
        if (base.isPresent()) {
            range = RangeConflictChecker.rangeFor(baseUid).toString();
            inspectBase(o, state, base.get(), manifest, provisioned, problems, warnings, conflicts);
        }
        inspectOptional(state, SHARED_USER, provisioned, problems);
        inspectOptional(state, o.reaperName(), provisioned, problems);
        manifest.ifPresent(m -> inspectManifest(m, state, problems));
        CheckReport.Verdict verdict;
        if (!problems.isEmpty() || !conflicts.isEmpty()) {
            verdict = CheckReport.Verdict.BROKEN;
        } else if (base.isEmpty()) {
            verdict = CheckReport.Verdict.NOT_INSTALLED;
            warnings.add("no " + RANGE_BASE_USER + " user: dm_restrict domains "
                    + (state.user(SHARED_USER).isPresent() ? "share " + SHARED_USER + " (no per-domain uid)"
                    : "will be refused") + "; run `dmjail host install`");
        } else {
            verdict = CheckReport.Verdict.OK;
        }
        return new CheckReport(verdict, baseUid, range, provisioned, problems, conflicts, warnings,
                store.path().toString());
    }

    private void inspectBase(InstallOptions o, HostState state, PasswdEntry base, Optional<InstallManifest> manifest,
                             List<String> provisioned, List<String> problems, List<String> warnings,
                             List<Conflict> conflicts) {
        long uid = Integer.toUnsignedLong(base.uid());
        long gid = Integer.toUnsignedLong(base.gid());
        boolean ours = manifest.map(m -> m.created().stream()
                .anyMatch(e -> e.kind() == Kind.USER && e.name().equals(RANGE_BASE_USER))).orElse(false);
        provisioned.add("user " + RANGE_BASE_USER + " uid " + uid + " gid " + gid
                + (ours ? " (created by dmjail)" : " (not created by dmjail)"));
        if (uid == 0) {
            problems.add(RANGE_BASE_USER + " has uid 0 (root)");
            return;
        }
        if (uid != o.baseUid()) {
            warnings.add(RANGE_BASE_USER + " is at uid " + uid + ", not the configured base " + o.baseUid()
                    + "; checking the range at " + uid);
        }
        if (gid != uid) {
            warnings.add(RANGE_BASE_USER + " has gid " + gid + " != uid " + uid
                    + ": device models share gid " + gid + " (libxl behaviour), no per-domain gid");
        }
        conflicts.addAll(checker.check(state, uid));
    }

    private static void inspectOptional(HostState state, String name, List<String> provisioned,
                                        List<String> problems) {
        state.user(name).ifPresent(u -> {
            provisioned.add("user " + name + " uid " + Integer.toUnsignedLong(u.uid()) + " gid "
                    + Integer.toUnsignedLong(u.gid()));
            if (u.uid() == 0) {
                problems.add("user " + name + " has uid 0 (root)");
            }
        });
    }

    private static void inspectManifest(InstallManifest m, HostState state, List<String> problems) {
        for (Entry e : m.created()) {
            Optional<Long> id = e.kind() == Kind.USER
                    ? state.user(e.name()).map(u -> Integer.toUnsignedLong(u.uid()))
                    : state.group(e.name()).map(g -> Integer.toUnsignedLong(g.gid()));
            String what = e.kind().name().toLowerCase() + " " + e.name();
            if (id.isEmpty()) {
                problems.add(what + " was created by dmjail (manifest) but is missing; re-run `dmjail host install`");
            } else if (id.get() != e.id()) {
                problems.add(what + " now has id " + id.get() + " but dmjail created it with id " + e.id());
            }
        }
    }
}
