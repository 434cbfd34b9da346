package dev.dmjail.toolstack.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A QMP connection that can hand the device model a file descriptor: the command is sent with the
 * fd as SCM_RIGHTS ancillary data, as QMP {@code getfd} and {@code add-fd} expect (QEMU takes the fd
 * from the message that carries the command, qapi/misc.json). Java's channels cannot send
 * SCM_RIGHTS, so this goes through libc (jnr-ffi), and is only loaded by the commands that pass fds
 * (create with VNC, cd-insert). Everything the device model answers is bounded and deadline-bound.
 */
public final class QmpFdSession implements AutoCloseable {

    /** libc entry points. */
    public interface LibC {
        int socket(int domain, int type, int protocol);

        int setsockopt(int fd, int level, int name, int[] value, int len);

        int bind(int fd, byte[] addr, int len);

        int listen(int fd, int backlog);

        int connect(int fd, byte[] addr, int len);

        long sendmsg(int fd, Pointer msg, int flags);

        long write(int fd, byte[] buf, long count);

        long read(int fd, byte[] buf, long count);

        long pread(int fd, byte[] buf, long count, long offset);

        int pipe2(int[] fds, int flags);

        int open(String path, int flags, int mode);

        int ioctl(int fd, long request, byte[] arg);

        int fsync(int fd);

        int poll(byte[] fds, long nfds, int timeout);

        int close(int fd);

        String strerror(int errnum);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int AF_UNIX = 1, SOCK_STREAM_CLOEXEC = 1 | 02000000;
    private static final int SOCK_NONBLOCK = 04000, EAGAIN = 11;
    private static final int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    /** QMP answers here are a few hundred bytes; a device model sending more is not read further. */
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;
    private static LibC libc;

    private final LibC c;
    private final Runtime runtime;
    private final long deadlineNanos;
    private final QmpLines pending = new QmpLines(MAX_MESSAGE_BYTES);
    private int q;

    /** libc, loaded once per process. */
    public static synchronized LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).load("c");
        }
        return libc;
    }

    private QmpFdSession(LibC c, int q, long deadlineNanos) {
        this.c = c;
        this.runtime = Runtime.getRuntime(c);
        this.q = q;
        this.deadlineNanos = deadlineNanos;
    }

    /** Connects, reads the greeting and negotiates capabilities, all before {@code deadlineNanos}. */
    public static QmpFdSession connect(Path qmpSocket, long deadlineNanos) throws IOException {
        LibC c = libc();
        Runtime rt = Runtime.getRuntime(c);
        // non-blocking: a connect(2) to a UNIX socket whose backlog is full (a device model that stopped
        // accepting) would otherwise block with no timeout; reads and writes below poll with the deadline
        int q = c.socket(AF_UNIX, SOCK_STREAM_CLOEXEC | SOCK_NONBLOCK, 0);
        if (q < 0) {
            throw new IOException("QMP socket(): " + c.strerror(rt.getLastError()));
        }
        QmpFdSession s = new QmpFdSession(c, q, deadlineNanos);
        try {
            byte[] path = qmpSocket.toString().getBytes(StandardCharsets.UTF_8);
            if (path.length >= 108) {
                throw new IOException("QMP socket path too long: " + qmpSocket);
            }
            byte[] sa = new byte[110];
            sa[0] = AF_UNIX;
            System.arraycopy(path, 0, sa, 2, path.length);
            while (c.connect(q, sa, sa.length) != 0) {
                int err = rt.getLastError();
                if (err != EAGAIN) {
                    throw new IOException("QMP connect " + qmpSocket + ": " + c.strerror(err));
                }
                if (System.nanoTime() >= deadlineNanos) {
                    throw new IOException("QMP: the device model accepts no connection (its backlog is full)");
                }
                s.pause(20);
            }
            if (!s.readMessage().has("QMP")) {
                throw new IOException("not a QMP greeting");
            }
            s.execute(command("qmp_capabilities"), -1);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** {"execute": name}. */
    public static ObjectNode command(String name) {
        return JSON.createObjectNode().put("execute", name);
    }

    /**
     * Sends one command (with {@code passFd} as SCM_RIGHTS when >= 0) and returns its "return"
     * value; an "error" answer is an IOException with QEMU's text (callers print it through Printable).
     */
    public JsonNode execute(ObjectNode msg, int passFd) throws IOException {
        String name = msg.get("execute").asText();
        byte[] req = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        if (passFd >= 0) {
            sendWithFd(req, passFd);
        } else {
            int off = 0;
            while (off < req.length) {
                byte[] rest = java.util.Arrays.copyOfRange(req, off, req.length);
                long n = c.write(q, rest, rest.length);
                if (n <= 0) {
                    int err = runtime.getLastError();
                    if (n < 0 && err == EAGAIN && System.nanoTime() < deadlineNanos) {
                        pause(5); // the device model has not read yet
                        continue;
                    }
                    throw new IOException("QMP write: " + (n < 0 ? c.strerror(err) : "nothing written"));
                }
                off += (int) n;
            }
        }
        while (true) {
            JsonNode m = readMessage();
            if (m.has("return")) {
                return m.get("return");
            }
            if (m.has("error")) {
                throw new IOException("QMP " + name + ": " + m.get("error").path("desc").asText());
            }
            // an event: skip it
        }
    }

    private void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public void close() {
        if (q >= 0) {
            c.close(q);
            q = -1;
        }
    }

    /** sendmsg(2) with one SCM_RIGHTS control message (cmsg(3): CMSG_SPACE(sizeof(int)) = 24 on x86_64). */
    private void sendWithFd(byte[] data, int passFd) throws IOException {
        Pointer buf = Memory.allocateDirect(runtime, data.length);
        buf.put(0, data, 0, data.length);
        Pointer iov = Memory.allocateDirect(runtime, 16);
        iov.putAddress(0, buf.address());
        iov.putLong(8, data.length);
        Pointer control = Memory.allocateDirect(runtime, 24);
        control.putLong(0, 20);           // cmsg_len = CMSG_LEN(sizeof(int))
        control.putInt(8, SOL_SOCKET);    // cmsg_level
        control.putInt(12, SCM_RIGHTS);   // cmsg_type
        control.putInt(16, passFd);
        Pointer msg = Memory.allocateDirect(runtime, 56);
        msg.putAddress(0, 0);             // msg_name
        msg.putInt(8, 0);                 // msg_namelen
        msg.putAddress(16, iov.address()); // msg_iov
        msg.putLong(24, 1);               // msg_iovlen
        msg.putAddress(32, control.address()); // msg_control
        msg.putLong(40, 24);              // msg_controllen
        msg.putInt(48, 0);                // msg_flags
        long n = c.sendmsg(q, msg, 0);
        while (n < 0 && runtime.getLastError() == EAGAIN && System.nanoTime() < deadlineNanos) {
            pause(5);
            n = c.sendmsg(q, msg, 0);
        }
        if (n != data.length) {
            throw new IOException("QMP sendmsg: " + (n < 0 ? c.strerror(runtime.getLastError()) : "short write"));
        }
    }

    private JsonNode readMessage() throws IOException {
        byte[] buf = new byte[4096];
        JsonNode m;
        while ((m = pending.take()) == null) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("QMP: no answer in time");
            }
            byte[] pfd = new byte[8]; // struct pollfd { int fd; short events; short revents; }
            pfd[0] = (byte) q;
            pfd[1] = (byte) (q >> 8);
            pfd[2] = (byte) (q >> 16);
            pfd[3] = (byte) (q >> 24);
            pfd[4] = 1; // POLLIN
            if (c.poll(pfd, 1, (int) Math.min(left, Integer.MAX_VALUE)) <= 0) {
                continue;
            }
            long n = c.read(q, buf, buf.length);
            if (n < 0 && runtime.getLastError() == EAGAIN) {
                continue; // woken without data: poll again, by the deadline
            }
            if (n <= 0) {
                throw new IOException("QMP: connection closed by the device model");
            }
            pending.add(buf, 0, (int) n);
        }
        return m;
    }
}
