package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The real labeler: the security.selinux extended attribute through libc's lgetxattr/lsetxattr
 * (what libselinux's lgetfilecon/lsetfilecon do underneath). Only used on hosts with SELinux.
 */
public final class XattrFileLabeler implements FileLabeler {

    /** libc's xattr calls. */
    public interface LibC {
        long lgetxattr(String path, String name, Pointer value, long size);

        int lsetxattr(String path, String name, byte[] value, long size, int flags);
    }

    private static final String XATTR = "security.selinux";
    private final LibC libc = LibraryLoader.create(LibC.class).load("c");
    private final Runtime rt = Runtime.getRuntime(libc);

    @Override
    public Optional<String> get(Path file) throws IOException {
        Pointer buf = rt.getMemoryManager().allocateDirect(4096);
        long n = libc.lgetxattr(file.toString(), XATTR, buf, 4096);
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
        if (libc.lsetxattr(file.toString(), XATTR, v, v.length, 0) != 0) {
            throw new IOException("lsetxattr " + XATTR + " on " + file + " failed (errno " + rt.getLastError() + ")");
        }
    }
}
