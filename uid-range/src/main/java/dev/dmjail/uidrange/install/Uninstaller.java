package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.dmjail.uidrange.UserDatabaseException;
import dev.dmjail.uidrange.UserEnumeration;
import dev.dmjail.uidrange.install.InstallManifest.Entry;
import dev.dmjail.uidrange.install.InstallManifest.Kind;

/**
 * {@code dmjail host uninstall}: removes exactly the accounts the manifest lists, users before groups
 * (groupdel refuses a group that is still some user's primary group), and only while each still has
 * the id dmjail gave it.
 */
final class Uninstaller {
    private final Function<EtcPaths, UserEnumeration> userSource;
    private final CommandRunner runner;

    Uninstaller(Function<EtcPaths, UserEnumeration> userSource, CommandRunner runner) {
        this.userSource = userSource;
        this.runner = runner;
    }

    UninstallReport uninstall(InstallOptions o) {
        ManifestStore store = new ManifestStore(o.manifestPath());
        List<String> removed = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try {
            Optional<InstallManifest> manifest = store.read();
            if (manifest.isEmpty() || manifest.get().created().isEmpty()) {
                warnings.add("no accounts recorded in " + store.path()
                        + ": dmjail created nothing here; accounts made by hand are left alone");
                return new UninstallReport(UninstallReport.Outcome.NOTHING_TO_REMOVE, removed, kept, warnings,
                        store.path().toString());
            }
            AccountWriter writer = AccountWriters.choose(o, LoginDefs.read(o.paths().loginDefs()), runner, warnings);
            List<Entry> remaining = new ArrayList<>();
            List<Entry> ordered = new ArrayList<>(manifest.get().created());
            ordered.sort(Comparator.comparing((Entry e) -> e.kind() == Kind.USER ? 0 : 1));
            for (Entry e : ordered) {
                if (!remove(e, o.paths(), writer, removed, kept, warnings)) {
                    remaining.add(e);
                }
            }
            if (remaining.isEmpty()) {
                store.delete();
                return new UninstallReport(UninstallReport.Outcome.REMOVED, removed, kept, warnings,
                        store.path().toString());
            }
            store.write(manifest.get().withCreated(remaining));
            return new UninstallReport(UninstallReport.Outcome.PARTIAL, removed, kept, warnings,
                    store.path().toString());
        } catch (IOException | UserDatabaseException e) {
            warnings.add("error: " + e.getMessage());
            return new UninstallReport(UninstallReport.Outcome.PARTIAL, removed, kept, warnings,
                    store.path().toString());
        }
    }

    /** @return true when the entry is gone (removed now or already), false when it is kept */
    private boolean remove(Entry e, EtcPaths paths, AccountWriter writer, List<String> removed, List<String> kept,
                           List<String> warnings) {
        String what = e.kind().name().toLowerCase() + " " + e.name();
        Optional<Long> id = currentId(e, paths);
        if (id.isEmpty()) {
            // e.g. the group userdel already removed (USERGROUPS_ENAB), or removed by hand.
            removed.add(what + " (already gone: userdel removes a same-named primary group, or it was removed by hand)");
            return true;
        }
        if (id.get() != e.id()) {
            kept.add(what + ": now id " + id.get() + ", dmjail created it with id " + e.id()
                    + "; not removing an account that was changed");
            return false;
        }
        try {
            warnings.addAll(e.kind() == Kind.USER ? writer.deleteUser(e.name()) : writer.deleteGroup(e.name()));
            removed.add(what + " (id " + e.id() + ")");
            return true;
        } catch (IOException ex) {
            kept.add(what + ": " + ex.getMessage());
            return false;
        }
    }

    private Optional<Long> currentId(Entry e, EtcPaths paths) {
        UserEnumeration users = userSource.apply(paths);
        return e.kind() == Kind.USER
                ? users.allUsers().stream().filter(u -> u.name().equals(e.name()))
                        .map(u -> Integer.toUnsignedLong(u.uid())).findFirst()
                : users.allGroups().stream().filter(g -> g.name().equals(e.name()))
                        .map(g -> Integer.toUnsignedLong(g.gid())).findFirst();
    }
}
