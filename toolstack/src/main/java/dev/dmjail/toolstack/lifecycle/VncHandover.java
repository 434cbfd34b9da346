package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.plan.Display;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import jnr.ffi.Runtime;

/**
 * The VNC listener of a confined device model. QEMU lives in an empty network namespace, so the
 * privileged side binds the TCP socket in the host's ({@link #bind}: 5900 + display, then on up to
 * the last port when vncunused, as QEMU's {@code to=} does for libxl) and, once QMP answers, hands
 * it over ({@link #handOver}): QMP {@code getfd} with the socket as SCM_RIGHTS ancillary data
 * (QEMU 7.2's {@code display-update} resolves an fd address only by such a name, monitor_get_fd),
 * the password by {@code change-vnc-password} (as libxl does; never on the argv), then
 * {@code display-update} to the fd. The toolstack's copy is closed after: nothing stays resident.
 * The fd goes over qmp/QmpFdSession (libc through jnr-ffi; loaded only by create).
 */
public final class VncHandover implements AutoCloseable {

    private static final int AF_INET = 2, AF_INET6 = 10;
    private static final int SOCK_STREAM_CLOEXEC = 1 | 02000000;
    private static final int SOL_SOCKET = 1, SO_REUSEADDR = 2, EADDRINUSE = 98;
    private static final String FD_NAME = "dmjail-vnc";

    private final QmpFdSession.LibC c;
    private int fd;
    private final int port;

    private VncHandover(QmpFdSession.LibC c, int fd, int port) {
        this.c = c;
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
        QmpFdSession.LibC c = QmpFdSession.libc();
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
        try (QmpFdSession q = QmpFdSession.connect(qmpSocket, deadlineNanos)) {
            if (password != null && !password.isEmpty()) {
                ObjectNode m = QmpFdSession.command("change-vnc-password");
                m.putObject("arguments").put("password", password);
                q.execute(m, -1);
            }
            ObjectNode getfd = QmpFdSession.command("getfd");
            getfd.putObject("arguments").put("fdname", FD_NAME);
            q.execute(getfd, fd);
            ObjectNode update = QmpFdSession.command("display-update");
            ObjectNode args = update.putObject("arguments").put("type", "vnc");
            args.putArray("addresses").addObject().put("type", "fd").put("str", FD_NAME);
            q.execute(update, -1);
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
