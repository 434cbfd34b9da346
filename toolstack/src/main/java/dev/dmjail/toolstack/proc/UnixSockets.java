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
 * /proc/PID/fd/N names as {@code socket:[INODE]}.
 */
public final class UnixSockets {

    private static final long SO_ACCEPTCON = 0x10000;

    private UnixSockets() {}

    /** Inode → bound path of every listening UNIX socket with a path. */
    public static Map<Long, String> listening() {
        Map<Long, String> out = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/net/unix"));
        } catch (IOException e) {
            return out;
        }
        for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = l.trim().split("\\s+", 8);
            if (f.length < 8) {
                continue; // unbound or abstract-less lines have no path column
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

    /** The inode of an fd target {@code socket:[INODE]}, or -1. */
    public static long inode(String fdTarget) {
        if (fdTarget == null || !fdTarget.startsWith("socket:[") || !fdTarget.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(fdTarget.substring(8, fdTarget.length() - 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
