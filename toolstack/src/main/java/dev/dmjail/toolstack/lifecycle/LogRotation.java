package dev.dmjail.toolstack.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Rotates a domain's log before a new device model writes to it, as libxl does for
 * qemu-dm-NAME.log (libxl__create_qemu_logfile → logrotate): NAME.log → NAME.log.1 → … → NAME.log.KEEP.
 */
final class LogRotation {
    private LogRotation() {}

    static void rotate(Path log, int keep) throws IOException {
        if (!Files.exists(log)) {
            return;
        }
        if (keep <= 0) {
            Files.delete(log);
            return;
        }
        Path oldest = sibling(log, keep);
        Files.deleteIfExists(oldest);
        for (int i = keep - 1; i >= 1; i--) {
            Path from = sibling(log, i);
            if (Files.exists(from)) {
                Files.move(from, sibling(log, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.move(log, sibling(log, 1), StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path sibling(Path log, int n) {
        return log.resolveSibling(log.getFileName() + "." + n);
    }
}
