package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which host directories a QEMU binary's firmware lookup binds into the device model's root. */
class FilesystemFirmwareDirsTest {
    @TempDir Path tmp;

    /** Debian's data dir links its ROMs to other root-owned dirs (bios.bin -> ../seabios/bios.bin): those are bound. */
    @Test
    void theSystemQemusLinkedFirmwareDirsAreBound() {
        List<String> dirs = FilesystemFirmwareDirs.forBinary("/usr/bin/qemu-system-x86_64");
        assertTrue(dirs.contains("/usr/share/qemu"), dirs.toString());
        assertTrue(dirs.contains("/usr/share/seabios"), "the target of /usr/share/qemu/bios.bin: " + dirs);
    }

    /**
     * A device_model_override in a tenant's own prefix: its share/qemu holds a symlink to a host directory of the
     * tenant's choosing. The tenant's own dir may be bound (it is theirs), the symlink's target never.
     */
    @Test
    void aTenantsDataDirSymlinkNamesNoHostDirectory() throws Exception {
        Path prefix = tmp.resolve("t");
        Path bin = Files.createDirectories(prefix.resolve("bin")).resolve("qemu-system-x86_64");
        Files.copy(Path.of("/bin/true"), bin);
        Path data = Files.createDirectories(prefix.resolve("share/qemu"));
        Path secret = Files.createDirectories(tmp.resolve("host-secret/dir"));
        Files.createSymbolicLink(data.resolve("bios.bin"), secret.resolve("file"));
        Files.writeString(secret.resolve("file"), "x");
        for (Path p : List.of(prefix, prefix.resolve("bin"), bin, prefix.resolve("share"), data)) {
            Files.setAttribute(p, "unix:uid", 1000, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        Files.setAttribute(data.resolve("bios.bin"), "unix:uid", 1000, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        List<String> dirs = FilesystemFirmwareDirs.forBinary(bin.toString());
        assertFalse(dirs.stream().anyMatch(d -> d.startsWith(tmp.resolve("host-secret").toString())), dirs.toString());

        // root's own symlink in a dir the tenant can write is not followed either: the tenant could replace it
        Files.setAttribute(data.resolve("bios.bin"), "unix:uid", 0, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        dirs = FilesystemFirmwareDirs.forBinary(bin.toString());
        assertFalse(dirs.stream().anyMatch(d -> d.startsWith(tmp.resolve("host-secret").toString())), dirs.toString());

        // the same tree made root's alone (an admin's own QEMU build under /opt): its links are followed
        for (Path p : List.of(prefix, prefix.resolve("bin"), bin, prefix.resolve("share"), data, data.resolve("bios.bin"))) {
            Files.setAttribute(p, "unix:uid", 0, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        }
        dirs = FilesystemFirmwareDirs.forBinary(bin.toString());
        assertTrue(dirs.contains(secret.toString()), dirs.toString());
    }
}
