package dev.dmjail.toolstack.host;

import dev.dmjail.toolstack.state.StateStore;
import java.nio.file.Path;
import java.util.List;

/**
 * The directory rule for guest disks: an allow-list (host config {@code image_dirs}), and the host
 * directories that can never hold one whatever the admin lists — the system's own files, its
 * package database, dmjail's install. A deny-list alone misses (the proof found a domain's disk
 * planned on another domain's image, on dmjail's install manifest, on the package database), so the
 * allow-list decides and this list only keeps the admin from listing a system directory.
 */
public final class ImageDirs {
    private ImageDirs() {}

    public static final List<Path> SYSTEM_DIRS = List.of(Path.of("/etc"), Path.of("/proc"), Path.of("/sys"),
            Path.of("/boot"), Path.of("/root"), Path.of("/run"), Path.of("/var/log"), Path.of("/usr"), Path.of("/bin"),
            Path.of("/sbin"), Path.of("/lib"), Path.of("/lib32"), Path.of("/lib64"), Path.of("/libx32"),
            Path.of("/var/lib/dpkg"), Path.of("/var/lib/apt"), Path.of("/var/cache/apt"), Path.of("/var/lib/dmjail/state"),
            Path.of("/var/spool"), Path.of("/var/mail"));

    /** The system directory {@code real} lies in, or null. */
    public static Path systemDirOf(Path real) {
        for (Path sys : SYSTEM_DIRS) {
            if (real.startsWith(sys)) {
                return sys;
            }
        }
        return null;
    }

    /** Whether the policy lifts the directory rule ({@code image_dirs = any}). */
    public static boolean any(HostPolicy p) {
        return p.imageDirs().equals(List.of(HostPolicy.ANY_IMAGE_DIR));
    }

    /** The listed directory that holds {@code real}, compared component-wise, or null. */
    public static Path allowedDirOf(HostPolicy p, Path real) {
        for (String d : p.imageDirs()) {
            if (d.equals(HostPolicy.ANY_IMAGE_DIR)) {
                continue;
            }
            Path dir = StateStore.canonical(Path.of(d));
            if (real.startsWith(dir) && !real.equals(dir)) {
                return dir;
            }
        }
        return null;
    }
}
