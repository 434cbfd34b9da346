package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The real labeler: the security.selinux extended attribute (what libselinux's getfilecon /
 * setfilecon do underneath). Only used on hosts with SELinux. The image path may lie in a tenant's
 * directory, so it is never used by name for the change: it is opened O_PATH with no symlink on the
 * way ({@link SafeFile}), and the attribute is read and set through /proc/self/fd/N, which reaches
 * exactly the opened file (a directory swapped for a symlink to /etc in between cannot redirect it).
 */
public final class SelinuxXattrLabeler implements SelinuxFileLabeler {

    /** libc's xattr calls. */
    public interface LibC {
        long getxattr(String path, String name, Pointer value, long size);

        int setxattr(String path, String name, byte[] value, long size, int flags);
    }

    private static final String XATTR = "security.selinux";
    private final LibC libc = LibraryLoader.create(LibC.class).load("c");
    private final Runtime rt = Runtime.getRuntime(libc);

    @Override
    public Optional<String> get(Path file) throws IOException {
        Pointer buf = rt.getMemoryManager().allocateDirect(4096);
        int fd = openNoFollow(file);
        long n;
        try {
            n = libc.getxattr("/proc/self/fd/" + fd, XATTR, buf, 4096);
        } finally {
            SafeFile.close(fd);
        }
        if (n < 0) {
            return Optional.empty();
        }
        byte[] b = new byte[(int) n];
        buf.get(0, b, 0, b.length);
        String s = new String(b, StandardCharsets.UTF_8);
        return Optional.of(s.endsWith("\0") ? s.substring(0, s.length() - 1) : s);
    }

    @Override
    public void set(Path file, String label) throws IOException {
        byte[] v = (label + "\0").getBytes(StandardCharsets.UTF_8);
        int fd = openNoFollow(file);
        try {
            if (libc.setxattr("/proc/self/fd/" + fd, XATTR, v, v.length, 0) != 0) {
                throw new IOException("setxattr " + XATTR + " on " + file + " failed (errno " + rt.getLastError() + ")");
            }
        } finally {
            SafeFile.close(fd);
        }
    }

    private static int openNoFollow(Path file) throws IOException {
        SafeFile.Opened o = SafeFile.open(file.toString(), Sys.O_PATH, 0);
        if (!o.ok()) {
            throw new IOException("open " + file + ": " + Sys.strerror(o.errno())
                    + (o.errno() == Sys.ELOOP ? " (a symlink on the path: refused)" : ""));
        }
        return o.fd();
    }
}
