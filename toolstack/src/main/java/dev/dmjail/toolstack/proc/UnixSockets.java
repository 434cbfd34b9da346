package dev.dmjail.toolstack.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The listening UNIX sockets of the toolstack's network namespace, from /proc/net/unix
 * (net/unix/af_unix.c unix_seq_show: "Num RefCount Protocol Flags Type St Inode Path", Flags
 * __SO_ACCEPTCON = 0x10000 once listen() was called). The launcher binds the device model's
 * sockets before it unshares the network namespace, so they are listed here, by the inode that
 * /proc/PID/fd/N names as {@code socket:[INODE]} ({@link HostTcpSockets#inode}).
 */
public final class UnixSockets {

    private static final long SO_ACCEPTCON = 0x10000;
    /** Bounded like {@link HostTcpSockets}: more lines than this are not read. */
    private static final int MAX_LINES = 1 << 18;

    private UnixSockets() {}

    /** Inode → bound path of every listening UNIX socket with a path, from {@code netUnix} (/proc/net/unix). */
    static Map<Long, String> listening(Path netUnix) {
        Map<Long, String> out = new HashMap<>();
        List<String> lines;
        try (var s = Files.lines(netUnix)) {
            lines = s.limit(MAX_LINES).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return out;
        }
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = l.trim().split("\\s+", 8);
            if (f.length < 8) {
                continue; // an unbound socket has no path column
            }
            try {
                if ((Long.parseLong(f[3], 16) & SO_ACCEPTCON) != 0) {
                    out.put(Long.parseLong(f[6]), f[7]);
                }
            } catch (NumberFormatException e) {
                // not a socket line
            }
        }
        return out;
    }
}
