package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files next to the serial socket in the domain's state dir: the lock that admits one
 * {@code dmjail console} session at a time (QEMU's socket chardev serves one client and leaves
 * a second one waiting in the listen backlog, silently), made at prepare; at release the lock and
 * the socket (which the launcher bound and QEMU cannot unlink: it is outside its root) are removed.
 */
final class FdEnvConsoleLock {

    private FdEnvConsoleLock() {}

    static void make(DomainRuntime rt) throws LayerException {
        Path lock = rt.paths().consoleLock();
        try {
            Files.createFile(lock, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new LayerException(FdEnvLayer.NAME, "console lock", lock + " already exists (not made by this domain)");
        } catch (IOException e) {
            throw new LayerException(FdEnvLayer.NAME, "console lock", lock + ": " + e.getMessage(), e);
        }
        rt.prepared().done(FdEnvLayer.NAME, "file " + lock);
    }

    static void release(DomainRuntime rt) throws LayerException {
        Path lock = rt.paths().consoleLock();
        Path socket = rt.paths().serialSocket();
        try {
            if (rt.prepared().has(FdEnvLayer.NAME, "file " + lock)) {
                Files.deleteIfExists(lock);
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)
                    && Files.readAttributes(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS).get("mode") instanceof Integer m
                    && (m & 0170000) == 0140000) { // S_IFSOCK: only ever the launcher's socket
                Files.delete(socket);
            }
        } catch (IOException e) {
            throw new LayerException(FdEnvLayer.NAME, "console cleanup", lock + ": " + e.getMessage(), e);
        }
    }
}
