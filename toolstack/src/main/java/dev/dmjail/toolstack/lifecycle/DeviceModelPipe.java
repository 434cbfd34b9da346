package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import java.io.IOException;

/**
 * A pipe between the toolstack and a device model, one end handed to QEMU over QMP ({@code getfd},
 * SCM_RIGHTS) and the other kept: QEMU writes its migration stream or a guest core into it
 * ({@link #drain}), or reads an incoming stream from it ({@link #write}). Every read and write of the
 * toolstack's end is bounded by a deadline (poll), and what it reads by a byte count, so a device model
 * that stops reading or writes without end cannot hang the toolstack or fill anything.
 */
final class DeviceModelPipe implements AutoCloseable {
    private static final int O_CLOEXEC = 02000000;
    private static final short POLLIN = 1, POLLOUT = 4;

    /** Where drained bytes go. */
    interface Sink {
        void write(byte[] buf, int n) throws IOException;
    }

    private final QmpFdSession.LibC c = QmpFdSession.libc();
    private final int[] pipe = {-1, -1};
    private final boolean qemuWrites;

    private DeviceModelPipe(boolean qemuWrites) {
        this.qemuWrites = qemuWrites;
    }

    /** A pipe QEMU writes into (its write end is handed over). */
    static DeviceModelPipe fromDeviceModel() throws IOException {
        return create(true);
    }

    /** A pipe QEMU reads from (its read end is handed over). */
    static DeviceModelPipe toDeviceModel() throws IOException {
        return create(false);
    }

    private static DeviceModelPipe create(boolean qemuWrites) throws IOException {
        DeviceModelPipe p = new DeviceModelPipe(qemuWrites);
        if (p.c.pipe2(p.pipe, O_CLOEXEC) != 0) {
            throw new IOException("cannot make a pipe: " + p.c.strerror(jnr.ffi.Runtime.getRuntime(p.c).getLastError()));
        }
        return p;
    }

    private int ours() {
        return qemuWrites ? pipe[0] : pipe[1];
    }

    /** Hands QEMU its end under {@code fdName} (QMP getfd) and closes the toolstack's copy of it. */
    void handTo(QmpFdSession q, String fdName) throws IOException {
        int theirs = qemuWrites ? 1 : 0;
        ObjectNode getfd = QmpFdSession.command("getfd");
        getfd.putObject("arguments").put("fdname", fdName);
        q.execute(getfd, pipe[theirs]);
        c.close(pipe[theirs]);
        pipe[theirs] = -1;
    }

    /** Copies what QEMU writes into {@code sink} until it closes its end: at most {@code bound} bytes, by the deadline. */
    long drain(long bound, long deadlineNanos, Sink sink) throws IOException {
        byte[] buf = new byte[1 << 20];
        long total = 0;
        while (true) {
            awaitReady(POLLIN, deadlineNanos, "the device model did not finish writing in time");
            long n = c.read(ours(), buf, buf.length);
            if (n == 0) {
                return total;
            }
            if (n < 0) {
                throw new IOException("reading from the device model: " + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            total += n;
            if (total > bound) {
                throw new IOException("the device model sent more than " + bound + " bytes (" + (bound >> 20) + " MiB); refused");
            }
            sink.write(buf, (int) n);
        }
    }

    /** Writes {@code n} bytes of {@code buf} for QEMU to read, by the deadline. */
    void write(byte[] buf, int n, long deadlineNanos) throws IOException {
        int off = 0;
        while (off < n) {
            awaitReady(POLLOUT, deadlineNanos, "the device model did not read its incoming state in time");
            byte[] rest = off == 0 ? buf : java.util.Arrays.copyOfRange(buf, off, n);
            long w = c.write(ours(), rest, n - off);
            if (w <= 0) {
                throw new IOException("the device model closed its incoming stream: "
                        + c.strerror(jnr.ffi.Runtime.getRuntime(c).getLastError()));
            }
            off += (int) w;
        }
    }

    /** Closes the toolstack's end: QEMU reads end-of-file (or, writing, EPIPE). */
    void closeOurs() {
        int i = qemuWrites ? 0 : 1;
        if (pipe[i] >= 0) {
            c.close(pipe[i]);
            pipe[i] = -1;
        }
    }

    private void awaitReady(short events, long deadlineNanos, String late) throws IOException {
        while (true) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException(late);
            }
            int fd = ours();
            byte[] pfd = {(byte) fd, (byte) (fd >> 8), (byte) (fd >> 16), (byte) (fd >> 24), (byte) events, 0, 0, 0};
            if (c.poll(pfd, 1, (int) Math.min(left, 1000)) > 0) {
                return; // readable, writable, or hung up / in error: the read or write says which
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            if (pipe[i] >= 0) {
                c.close(pipe[i]);
                pipe[i] = -1;
            }
        }
    }
}
