package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A new file the device model fills through a pipe the toolstack drains (save's migration stream, a
 * guest-memory core). Not the file itself to QEMU: its RLIMIT_FSIZE and empty root stay as they are,
 * and what it sends is bounded, so a compromised device model cannot fill the host's disk. The file is
 * created 0600 with no symlink on the way and never overwrites one; unless {@link #keep} is called, closing
 * removes it.
 */
final class PipeToFile implements AutoCloseable {
    private static final int O_CLOEXEC = 02000000;

    private final QmpFdSession.LibC c = QmpFdSession.libc();
    private final Path file;
    private final int out;
    private final int[] pipe = {-1, -1};
    private boolean kept;

    private PipeToFile(Path file, int out) {
        this.file = file;
        this.out = out;
    }

    static PipeToFile create(Path file) throws IOException {
        SafeFile.Opened o = SafeFile.open(file.toString(), Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL, 0600);
        if (!o.ok()) {
            throw new IOException("cannot create " + file + ": " + Sys.strerror(o.errno())
                    + (o.errno() == Sys.EEXIST ? " (dmjail never overwrites a file)" : ""));
        }
        PipeToFile p = new PipeToFile(file, o.fd());
        if (!SafeFile.clearNonBlock(o.fd()) || p.c.pipe2(p.pipe, O_CLOEXEC) != 0) {
            p.close();
            throw new IOException("cannot set up the pipe to " + file);
        }
        return p;
    }

    /** The file's fd (for what the toolstack itself appends). */
    int fd() {
        return out;
    }

    /** Hands QEMU the pipe's write end under {@code fdName} (QMP getfd) and closes the toolstack's copy. */
    void handTo(QmpFdSession q, String fdName) throws IOException {
        ObjectNode getfd = QmpFdSession.command("getfd");
        getfd.putObject("arguments").put("fdname", fdName);
        q.execute(getfd, pipe[1]);
        c.close(pipe[1]);
        pipe[1] = -1;
    }

    /** Copies what QEMU writes into the file until it closes its end: at most {@code bound} bytes, by the deadline. */
    long drain(long bound, long deadlineNanos) throws IOException {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        while (true) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("the device model did not finish writing " + file + " in time");
            }
            byte[] pfd = new byte[8]; // struct pollfd
            pfd[0] = (byte) pipe[0];
            pfd[1] = (byte) (pipe[0] >> 8);
            pfd[2] = (byte) (pipe[0] >> 16);
            pfd[3] = (byte) (pipe[0] >> 24);
            pfd[4] = 1; // POLLIN (POLLHUP comes with it at the end)
            if (c.poll(pfd, 1, (int) Math.min(left, 1000)) <= 0) {
                continue;
            }
            long n = c.read(pipe[0], buf, buf.length);
            if (n == 0) {
                return total;
            }
            if (n < 0) {
                throw new IOException("reading from the device model: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            total += n;
            if (total > bound) {
                throw new IOException("the device model sent more than " + bound + " bytes (guest memory plus "
                        + (DomainSaver.SLACK_BYTES >> 20) + " MiB); refused");
            }
            SaveImage.writeAll(out, n == buf.length ? buf : java.util.Arrays.copyOf(buf, (int) n));
        }
    }

    /** Flushes the file to disk and keeps it. */
    void keep() throws IOException {
        if (c.fsync(out) != 0) {
            throw new IOException("fsync " + file);
        }
        kept = true;
    }

    @Override
    public void close() throws IOException {
        if (pipe[0] >= 0) c.close(pipe[0]);
        if (pipe[1] >= 0) c.close(pipe[1]);
        SafeFile.close(out);
        if (!kept) {
            Files.deleteIfExists(file);
        }
    }
}
