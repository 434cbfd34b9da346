package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file atomically: write a temp file in the same directory, give it the original's
 * mode/owner/group (e.g. /etc/shadow 0640 root:shadow), fsync, rename over the original, fsync the
 * directory. Readers see either the old or the new file, never a torn one.
 */
public final class AtomicFileWriter {
    private AtomicFileWriter() {
    }

    /**
     * @param defaultMode mode used when the target does not exist yet (octal, e.g. 0644)
     */
    public static void replace(Path target, byte[] content, int defaultMode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".dmjail-" + ProcessHandle.current().pid());
        boolean exists = Files.exists(target);
        int mode = exists ? (Integer) Files.getAttribute(target, "unix:mode") & 07777 : defaultMode;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (exists) {
                    Files.setAttribute(tmp, "unix:uid", Files.getAttribute(target, "unix:uid"));
                    Files.setAttribute(tmp, "unix:gid", Files.getAttribute(target, "unix:gid"));
                }
                Files.setAttribute(tmp, "unix:mode", mode);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        fsyncDirectory(dir);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some filesystems refuse fsync on directories; the rename itself is still atomic.
        }
    }
}
