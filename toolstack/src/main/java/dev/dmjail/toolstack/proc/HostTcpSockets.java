package dev.dmjail.toolstack.proc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP sockets of the toolstack's network namespace (the host's), by inode, from
 * {@code /proc/net/tcp} and {@code /proc/net/tcp6} (proc_net_tcp.rst: local_address is the address
 * as the kernel stores it, each 32-bit word in host byte order, then ':' and the port in hex;
 * st 0A is LISTEN). A socket fd of the device model ({@code socket:[INODE]}) that shows up here is a
 * host socket, since QEMU's own network namespace is empty.
 */
public final class HostTcpSockets {

    /** One socket: its local address and port, and whether it is listening. */
    public record Tcp(InetAddress local, int port, boolean listening) {
        public String describe() {
            String h = local.getHostAddress();
            return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port + (listening ? " LISTEN" : " connected");
        }
    }

    /** Bounded: a host has at most a few thousand sockets; more lines than this are not read. */
    private static final int MAX_LINES = 1 << 18;

    private HostTcpSockets() {}

    /** @param procNet /proc/net (tcp and tcp6 under it) */
    static Map<Long, Tcp> byInode(Path procNet) {
        Map<Long, Tcp> out = new HashMap<>();
        for (String f : List.of("tcp", "tcp6")) {
            List<String> lines;
            try (var s = Files.lines(procNet.resolve(f))) {
                lines = s.limit(MAX_LINES).toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                continue; // tcp6 is absent without IPv6
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] c = line.trim().split("\\s+");
                if (c.length < 10) {
                    continue;
                }
                try {
                    String[] local = c[1].split(":");
                    out.put(Long.parseLong(c[9]), new Tcp(address(local[0]), Integer.parseInt(local[1], 16),
                            c[3].equals("0A")));
                } catch (RuntimeException | UnknownHostException e) {
                    // a line this parser does not understand is not a socket it can name
                }
            }
        }
        return out;
    }

    /** The socket inode behind an fd link such as {@code socket:[12345]}, or -1. */
    public static long inode(String fdLink) {
        if (fdLink == null || !fdLink.startsWith("socket:[") || !fdLink.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(fdLink.substring(8, fdLink.length() - 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static InetAddress address(String hex) throws UnknownHostException {
        byte[] b = new byte[hex.length() / 2];
        for (int word = 0; word < b.length / 4; word++) {
            for (int i = 0; i < 4; i++) { // little-endian words (x86)
                int at = (word * 4 + 3 - i) * 2;
                b[word * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(b);
    }
}
