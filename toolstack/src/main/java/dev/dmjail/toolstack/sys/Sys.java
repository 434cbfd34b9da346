package dev.dmjail.toolstack.sys;

import java.nio.charset.StandardCharsets;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

/**
 * Binds the native calls each use needs ({@link #bind}), and offers errno/strerror and /proc and dev_t helpers.
 * Linux x86_64 constants from the kernel and glibc headers (x86_64 only: {@link Arch}).
 */
public final class Sys {
    private Sys() {}

    // open(2)
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200,
            O_NOCTTY = 0400, O_APPEND = 02000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000,
            O_CLOEXEC = 02000000, O_NONBLOCK = 04000, O_PATH = 010000000;
    public static final int F_DUPFD_CLOEXEC = 1030, F_GETFL = 3, F_SETFL = 4;
    // sockets
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = O_CLOEXEC;
    // clone / unshare
    public static final int CLONE_NEWTIME = 0x80, CLONE_NEWNS = 0x20000, CLONE_NEWCGROUP = 0x02000000,
            CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000,
            CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;
    // mount(2)
    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32,
            MS_BIND = 4096, MS_REC = 16384, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19;
    public static final int MNT_DETACH = 2;
    // stat modes
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFCHR = 0020000, S_IFDIR = 0040000,
            S_IFREG = 0100000, S_IFBLK = 0060000, S_IFIFO = 0010000, S_IFLNK = 0120000;
    // errno
    public static final int EPERM = 1, ENOENT = 2, EIO = 5, EBADF = 9, EACCES = 13, EEXIST = 17,
            ENOTDIR = 20, EINVAL = 22, EFBIG = 27, ENAMETOOLONG = 36, ENOSYS = 38, ELOOP = 40, ENOTSOCK = 88,
            EOPNOTSUPP = 95, ESTALE = 116, EXDEV = 18, EMLINK = 31;

    /**
     * Binds {@code calls}, an interface of a few C functions, to {@code library} ("c", "seccomp") with
     * errno saved after each call. Each caller binds its own small interface on its first call (a
     * holder class): jnr-ffi generates a stub per function at run time, ~1 ms each in a cold JVM plus
     * ~2.5 ms per interface, so a command pays only for the functions it calls (issue 14,
     * docs/benchmark.md "Third round").
     */
    public static <T> T bind(Class<T> calls, String library) {
        String arch = Arch.unsupported();
        if (arch != null) {
            throw new UnsupportedOperationException(arch);
        }
        return LibraryLoader.create(calls).option(LibraryOption.SaveError, true).failImmediately().load(library);
    }

    /** errno of the last bound call made on this thread (jffi keeps one per thread, for every library). */
    public static int errno() {
        return Runtime.getSystemRuntime().getLastError();
    }

    /** strerror(3), bound only when an error is worded. */
    public interface Strerror {
        String strerror(int errnum);
    }

    private static final class StrerrorCall {
        static final Strerror C = bind(Strerror.class, "c");
    }

    public static String strerror(int errno) {
        if (errno <= 0) {
            return "Success";
        }
        try {
            String s = StrerrorCall.C.strerror(errno);
            return s == null ? "errno " + errno : s;
        } catch (RuntimeException | LinkageError e) {
            return "errno " + errno;
        }
    }

    /**
     * Reads a small /proc or /sys file with ONE read(2) into a large buffer. Do not use
     * Files.readString for these: it starts with a tiny buffer when the file reports size 0, and
     * sysctl files (proc_dointvec) answer EOF to any read at a non-zero offset, so
     * /proc/sys/kernel/cap_last_cap reads as "4" instead of "40".
     */
    public static String readProcFile(String path) throws java.io.IOException {
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            byte[] buf = new byte[65536];
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) { // seq_file files may need more than one read
                all.write(buf, 0, n);
            }
            return all.toString(StandardCharsets.UTF_8);
        }
    }

    /** glibc's gnu_dev_major() of a dev_t (st_rdev, st_dev). */
    public static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
    }

    /** glibc's gnu_dev_minor(). */
    public static int minor(long dev) {
        return (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
    }
}
