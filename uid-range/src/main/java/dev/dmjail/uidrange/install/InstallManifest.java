package dev.dmjail.uidrange.install;

import java.util.ArrayList;
import java.util.List;

/**
 * What dmjail created on this host (and nothing else), so uninstall never removes an account an
 * administrator made. Stored as JSON at {@link InstallOptions#manifestPath()}.
 */
public record InstallManifest(int version, long baseUid, String method, String installedAt,
                              List<Entry> created) {
    public static final int VERSION = 1;

    public InstallManifest {
        created = created == null ? List.of() : List.copyOf(created);
    }

    public enum Kind { USER, GROUP }

    /** One account dmjail created, with the id it had then (uninstall refuses if it changed). */
    public record Entry(Kind kind, String name, long id) {
    }

    public InstallManifest plus(List<Entry> more, String method, String when) {
        List<Entry> all = new ArrayList<>(created);
        // A re-created account replaces its stale record.
        all.removeIf(old -> more.stream().anyMatch(m -> m.kind() == old.kind() && m.name().equals(old.name())));
        all.addAll(more);
        return new InstallManifest(VERSION, baseUid, method, when, all);
    }

    public InstallManifest withCreated(List<Entry> remaining) {
        return new InstallManifest(version, baseUid, method, installedAt, remaining);
    }
}
