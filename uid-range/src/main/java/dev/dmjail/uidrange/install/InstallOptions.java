package dev.dmjail.uidrange.install;

import java.nio.file.Path;

import dev.dmjail.uidrange.DeviceModelUsers;

/**
 * What {@link HostInstaller} provisions and where.
 *
 * @param baseUid      uid (and gid) of xen-qemuuser-range-base; the range is [base, base+32752)
 * @param createShared also create xen-qemuuser-shared (libxl's weaker fallback user)
 * @param createReaper also create the reaper user (a system uid outside the range, for kill-by-uid)
 * @param reaperName   the reaper user's name
 * @param manifestPath where install records what it created, so uninstall removes only that
 * @param root         filesystem root whose /etc is edited ("/" = live system; else shadow's --prefix)
 * @param toolDir      where useradd/groupadd/userdel/groupdel live
 * @param backend      AUTO: shadow tools when present, else direct file edits
 */
public record InstallOptions(long baseUid, boolean createShared, boolean createReaper, String reaperName,
                             Path manifestPath, Path root, Path toolDir, Backend backend) {
    public static final Path DEFAULT_MANIFEST = Path.of("/var/lib/dmjail/host-install.json");

    public enum Backend { AUTO, SHADOW_TOOLS, FILES }

    public static InstallOptions defaults() {
        return new InstallOptions(DeviceModelUsers.DEFAULT_RANGE_BASE_UID, false, false,
                DeviceModelUsers.REAPER_USER, DEFAULT_MANIFEST, Path.of("/"), Path.of("/usr/sbin"), Backend.AUTO);
    }

    public InstallOptions withBaseUid(long v) {
        return new InstallOptions(v, createShared, createReaper, reaperName, manifestPath, root, toolDir, backend);
    }

    public InstallOptions withShared(boolean v) {
        return new InstallOptions(baseUid, v, createReaper, reaperName, manifestPath, root, toolDir, backend);
    }

    public InstallOptions withReaper(boolean v) {
        return new InstallOptions(baseUid, createShared, v, reaperName, manifestPath, root, toolDir, backend);
    }

    public InstallOptions withReaperName(String v) {
        return new InstallOptions(baseUid, createShared, createReaper, v, manifestPath, root, toolDir, backend);
    }

    public InstallOptions withManifestPath(Path v) {
        return new InstallOptions(baseUid, createShared, createReaper, reaperName, v, root, toolDir, backend);
    }

    public InstallOptions withRoot(Path v) {
        return new InstallOptions(baseUid, createShared, createReaper, reaperName, manifestPath, v, toolDir, backend);
    }

    public InstallOptions withToolDir(Path v) {
        return new InstallOptions(baseUid, createShared, createReaper, reaperName, manifestPath, root, v, backend);
    }

    public InstallOptions withBackend(Backend v) {
        return new InstallOptions(baseUid, createShared, createReaper, reaperName, manifestPath, root, toolDir, v);
    }

    public EtcPaths paths() {
        return new EtcPaths(root);
    }
}
