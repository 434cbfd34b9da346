package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;

/**
 * glibc lckpwdf(3)'s lock: a write fcntl lock on /etc/.pwd.lock (created 0600), waited for up to 15
 * seconds. shadow's commonio_lock and systemd-sysusers take the same lock, so holding it keeps them
 * out while we rewrite the account files. Java's FileChannel locks are fcntl(F_SETLK) record locks.
 */
public final class PasswdLock implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private final FileChannel channel;
    private final FileLock lock;

    private PasswdLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static PasswdLock acquire(Path lockFile) throws IOException {
        FileChannel ch = FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return new PasswdLock(ch, l);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out after " + TIMEOUT.toSeconds() + "s waiting for " + lockFile
                            + " (another tool is editing the account files)");
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + lockFile, e);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
