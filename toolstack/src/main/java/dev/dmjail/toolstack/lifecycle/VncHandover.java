package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.plan.Display;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The VNC listener of a confined device model. QEMU lives in an empty network namespace, so the
 * privileged side binds the TCP socket in the host's ({@link #bind}: 5900 + display, then on up to
 * the last port when vncunused, as QEMU's {@code to=} does for libxl) and, once QMP answers, hands
 * it over ({@link #handOver}): QMP {@code getfd} with the socket as SCM_RIGHTS ancillary data
 * (QEMU 7.2's {@code display-update} resolves an fd address only by such a name, monitor_get_fd),
 * the password by {@code change-vnc-password} (as libxl does; never on the argv), then
 * {@code display-update} to the fd. The toolstack's copy is closed after: nothing stays resident.
 * jnr-ffi (libc) because Java's channels cannot send SCM_RIGHTS; loaded only by create.
 */
public final class VncHandover implements AutoCloseable {

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

        int poll(byte[] fds, long nfds, int timeout);

        int close(int fd);

        String strerror(int errnum);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    private static final int SOCK_STREAM_CLOEXEC = 1 | 02000000;
    private static final int SOL_SOCKET = 1, SO_REUSEADDR = 2, SCM_RIGHTS = 1, EADDRINUSE = 98;
    private static final String FD_NAME = "dmjail-vnc";
    /** QMP answers here are a few hundred bytes; a device model sending more is not read further. */
    private static final int MAX_MESSAGE_BYTES = 64 * 1024;

    private final LibC c;
    private final Runtime runtime;
    private int fd;
    private final int port;

    private VncHandover(LibC c, int fd, int port) {
        this.c = c;
        this.runtime = Runtime.getRuntime(c);
        this.fd = fd;
        this.port = port;
    }

    /** The port bound. */
    public int port() {
        return port;
    }

    /**
     * Binds and listens on the first free port from {@code vnc.port()} to {@code vnc.lastPort()}.
     * SO_REUSEADDR as QEMU's own listeners (socket_set_fast_reuse): a port whose last connection is
     * in TIME_WAIT is free again, but one with a listener is not.
     */
    public static VncHandover bind(Display.Vnc vnc) throws CreateFailure {
        LibC c = LibraryLoader.create(LibC.class).load("c");
        Runtime rt = Runtime.getRuntime(c);
        InetAddress host;
        try {
            host = InetAddress.getByName(vnc.host()); // an IP literal (Display checked it): no lookup
        } catch (UnknownHostException e) {
            throw new CreateFailure("vnclisten: " + vnc.host() + " is not an address");
        }
        boolean v6 = host.getAddress().length == 16;
        String lastError = null;
        for (int p = vnc.port(); p <= vnc.lastPort(); p++) {
            int s = c.socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM_CLOEXEC, 0);
            if (s < 0) {
                throw new CreateFailure("vnc: socket(): " + c.strerror(rt.getLastError()));
            }
            c.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, new int[] {1}, 4);
            byte[] sa = sockaddr(host, p);
            if (c.bind(s, sa, sa.length) == 0 && c.listen(s, 1) == 0) {
                return new VncHandover(c, s, p);
            }
            int errno = rt.getLastError();
            c.close(s);
            if (errno != EADDRINUSE) {
                throw new CreateFailure("vnc: cannot listen on " + vnc.withPort(p).address() + ": " + c.strerror(errno));
            }
            lastError = c.strerror(errno);
        }
        throw new CreateFailure("vnc: " + (vnc.port() == vnc.lastPort()
                ? "port " + vnc.address() + " is in use (" + lastError + "); choose another vncdisplay, or set vncunused = 1"
                : "no free port from " + vnc.address() + " to " + vnc.lastPort() + " (" + lastError + ")"));
    }

    /**
     * Over a fresh QMP connection: the password (when {@code password} is non-empty), getfd with
     * the listener, display-update to it. Bounded by {@code deadlineNanos}.
     */
    public void handOver(Path qmpSocket, String password, long deadlineNanos) throws IOException {
        int q = c.socket(AF_UNIX, SOCK_STREAM_CLOEXEC, 0);
        if (q < 0) {
            throw new IOException("QMP socket(): " + c.strerror(runtime.getLastError()));
        }
        try {
            byte[] path = qmpSocket.toString().getBytes(StandardCharsets.UTF_8);
            byte[] sa = new byte[110];
            sa[0] = AF_UNIX;
            if (path.length >= 108) {
                throw new IOException("QMP socket path too long: " + qmpSocket);
            }
            System.arraycopy(path, 0, sa, 2, path.length);
            if (c.connect(q, sa, sa.length) != 0) {
                throw new IOException("QMP connect " + qmpSocket + ": " + c.strerror(runtime.getLastError()));
            }
            ByteArrayOutputStream pending = new ByteArrayOutputStream();
            JsonNode greeting = readMessage(q, pending, deadlineNanos);
            if (!greeting.has("QMP")) {
                throw new IOException("not a QMP greeting");
            }
            execute(q, pending, command("qmp_capabilities"), -1, deadlineNanos);
            if (password != null && !password.isEmpty()) {
                ObjectNode m = command("change-vnc-password");
                m.putObject("arguments").put("password", password);
                execute(q, pending, m, -1, deadlineNanos);
            }
            ObjectNode getfd = command("getfd");
            getfd.putObject("arguments").put("fdname", FD_NAME);
            execute(q, pending, getfd, fd, deadlineNanos);
            ObjectNode update = command("display-update");
            ObjectNode args = update.putObject("arguments").put("type", "vnc");
            args.putArray("addresses").addObject().put("type", "fd").put("str", FD_NAME);
            execute(q, pending, update, -1, deadlineNanos);
        } finally {
            c.close(q);
        }
    }

    /** Closes the toolstack's copy of the listener (QEMU keeps its own after getfd). */
    @Override
    public void close() {
        if (fd >= 0) {
            c.close(fd);
            fd = -1;
        }
    }

    private static ObjectNode command(String name) {
        return JSON.createObjectNode().put("execute", name);
    }

    /** Sends one command (with {@code passFd} as SCM_RIGHTS when >= 0) and waits for its answer. */
    private void execute(int q, ByteArrayOutputStream pending, ObjectNode msg, int passFd, long deadlineNanos)
            throws IOException {
        String name = msg.get("execute").asText();
        byte[] req = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
        if (passFd >= 0) {
            sendWithFd(q, req, passFd);
        } else {
            int off = 0;
            while (off < req.length) {
                byte[] rest = java.util.Arrays.copyOfRange(req, off, req.length);
                long n = c.write(q, rest, rest.length);
                if (n <= 0) {
                    throw new IOException("QMP write: " + c.strerror(runtime.getLastError()));
                }
                off += (int) n;
            }
        }
        while (true) {
            JsonNode m = readMessage(q, pending, deadlineNanos);
            if (m.has("return")) {
                return;
            }
            if (m.has("error")) {
                // QEMU's text, printed by the caller through Printable
                throw new IOException("QMP " + name + ": " + m.get("error").path("desc").asText());
            }
        }
    }

    /** sendmsg(2) with one SCM_RIGHTS control message (cmsg(3): CMSG_SPACE(sizeof(int)) = 24 on x86_64). */
    private void sendWithFd(int q, byte[] data, int passFd) throws IOException {
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
        if (n != data.length) {
            throw new IOException("QMP sendmsg: " + (n < 0 ? c.strerror(runtime.getLastError()) : "short write"));
        }
    }

    private JsonNode readMessage(int q, ByteArrayOutputStream pending, long deadlineNanos) throws IOException {
        byte[] buf = new byte[4096];
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i < have.length; i++) {
                if (have[i] == '\n') {
                    pending.reset();
                    pending.write(have, i + 1, have.length - i - 1);
                    return JSON.readTree(new String(have, 0, i, StandardCharsets.UTF_8));
                }
            }
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
            if (n <= 0) {
                throw new IOException("QMP: connection closed by the device model");
            }
            pending.write(buf, 0, (int) n);
            if (pending.size() > MAX_MESSAGE_BYTES) {
                throw new IOException("QMP: the device model sent a message longer than " + MAX_MESSAGE_BYTES + " bytes");
            }
        }
    }

    /** struct sockaddr_in / sockaddr_in6 with the port in network byte order. */
    private static byte[] sockaddr(InetAddress host, int port) {
        byte[] a = host.getAddress();
        byte[] sa = new byte[a.length == 4 ? 16 : 28];
        int family = a.length == 4 ? AF_INET : AF_INET6;
        sa[0] = (byte) family;
        sa[1] = (byte) (family >> 8);
        sa[2] = (byte) (port >> 8);
        sa[3] = (byte) port;
        System.arraycopy(a, 0, sa, a.length == 4 ? 4 : 8, a.length);
        return sa;
    }
}
