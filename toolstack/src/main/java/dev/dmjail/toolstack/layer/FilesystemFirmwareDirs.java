package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Directories a QEMU binary reads at start-up before any guest code runs: its data dir
 * (BINDIR/../share/qemu: option ROMs, kvmvapic, keymaps), the directories symlinks there point to,
 * Debian's extra firmware dirs (SeaBIOS, iPXE ROMs; QEMU looks them up as BINDIR/../share/seabios
 * and /usr/lib/ipxe/qemu), and its accelerator modules (BINDIR/../lib/x86_64-linux-gnu/qemu,
 * accel-tcg-*.so is loaded on demand in Debian's build). Only directories that exist are listed.
 * A device_model_override outside /usr/bin gets none of these: it gets only itself and its libraries.
 */
public final class FilesystemFirmwareDirs {
    private FilesystemFirmwareDirs() {}

    public static List<String> forBinary(String binary) {
        Path bin = Path.of(binary).toAbsolutePath().normalize();
        if (!bin.getFileName().toString().startsWith("qemu-system-")) {
            return List.of();
        }
        Path prefix = bin.getParent().getParent();
        Set<Path> dirs = new LinkedHashSet<>();
        Path data = prefix.resolve("share/qemu");
        dirs.add(data);
        // Follow the data dir's symlinks (Debian: bios.bin -> ../seabios/bios.bin) only where root made them in a
        // directory only root can write: a device_model_override in a tenant's prefix would otherwise name any host
        // directory through a symlink of its own, and get it bound into the device model's root.
        try (DirectoryStream<Path> ds = rootsOnly(data) ? Files.newDirectoryStream(data) : null) {
            for (Path p : ds == null ? List.<Path>of() : ds) {
                if (Files.isSymbolicLink(p) && rootsOnly(p)) {
                    Path t = p.toRealPath().getParent();
                    if (!t.startsWith(data)) {
                        dirs.add(t);
                    }
                }
            }
        } catch (IOException e) {
            // no data dir: nothing to add
        }
        dirs.add(prefix.resolve("share/seabios"));
        dirs.add(prefix.resolve("lib/ipxe/qemu"));
        dirs.add(Path.of("/usr/lib/ipxe/qemu"));
        List<String> out = new ArrayList<>();
        for (Path d : dirs) {
            if (Files.isDirectory(d)) {
                out.add(d.toString());
            }
        }
        return out;
    }

    /** Owned by root and writable by no one else (lstat: a symlink is judged itself, not its target). */
    static boolean rootsOnly(Path p) {
        try {
            Object uid = Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return Integer.valueOf(0).equals(uid) && (Files.isSymbolicLink(p) || (mode & 022) == 0);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Where QEMU looks for its modules: BINDIR/../lib/x86_64-linux-gnu/qemu. */
    public static Path moduleDir(String binary) {
        return Path.of(binary).toAbsolutePath().normalize().getParent().getParent().resolve("lib/x86_64-linux-gnu/qemu");
    }

    /** Accelerator modules (accel-*.so) QEMU may dlopen; each needs its libraries in the root too. */
    public static List<Path> modules(String binary) {
        Path dir = moduleDir(binary);
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "accel-*.so")) {
            ds.forEach(out::add);
        } catch (IOException e) {
            // none
        }
        out.sort(null);
        return out;
    }
}
