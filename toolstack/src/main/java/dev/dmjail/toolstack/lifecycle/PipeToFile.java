package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
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
    private final QmpFdSession.LibC c = QmpFdSession.libc();
    private final Path file;
    private final int out;
    private DeviceModelPipe pipe;
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
        try {
            if (!SafeFile.clearNonBlock(o.fd())) {
                throw new IOException("cannot set up the pipe to " + file);
            }
            p.pipe = DeviceModelPipe.fromDeviceModel();
        } catch (IOException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The file's fd (for what the toolstack itself appends). */
    int fd() {
        return out;
    }

    /** The pipe the device model writes into. */
    DeviceModelPipe pipe() {
        return pipe;
    }

    /** Hands QEMU the pipe's write end under {@code fdName} (QMP getfd) and closes the toolstack's copy. */
    void handTo(QmpFdSession q, String fdName) throws IOException {
        pipe.handTo(q, fdName);
    }

    /** Copies what QEMU writes into the file until it closes its end: at most {@code bound} bytes, by the deadline. */
    long drain(long bound, long deadlineNanos) throws IOException {
        try {
            return pipe.drain(bound, deadlineNanos, this::append);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (" + file + ")", e);
        }
    }

    /** Writes what the pipe gave to the file. */
    void append(byte[] buf, int n) throws IOException {
        SaveImage.writeAll(out, n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
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
        if (pipe != null) pipe.close();
        SafeFile.close(out);
        if (!kept) {
            Files.deleteIfExists(file);
        }
    }
}
