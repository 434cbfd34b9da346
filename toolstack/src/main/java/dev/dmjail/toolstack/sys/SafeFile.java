package dev.dmjail.toolstack.sys;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Opening a path that someone else may be changing, as root, without being redirected or hung.
 *
 * <p>{@code openat2(2)} with {@code RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS}: no component of
 * the path may be a symlink (O_NOFOLLOW alone covers only the last one, so a tenant who swaps a
 * directory for a symlink to /etc would otherwise win), and /proc magic links are refused.
 * {@code O_NONBLOCK} so that a FIFO swapped in for an image cannot block the opener (fifo(7): open
 * for reading blocks until a writer appears); the caller then decides on the {@link #fstat} of the
 * opened fd — its type and its identity — never on a stat of the name. Linux 5.6+ (openat2);
 * x86_64 only ({@link Arch}: syscall 437 is the same on every architecture, struct stat is x86_64's).
 */
public final class SafeFile {
    private SafeFile() {}

    /**
     * The libc calls of opening, inspecting and reading one file, bound on first use ({@link Sys#bind}).
     * open and syscall are variadic in C, declared here with fixed integer/pointer arguments:
     * ABI-compatible on x86_64 ({@link Arch}).
     */
    public interface Calls {
        int open(String path, int flags, int mode);
        /** openat2(2): syscall(SYS_openat2, dirfd, path, struct open_how *, sizeof). */
        long syscall(long number, int dirfd, String path, byte[] how, long size);
        /** fstat(2) into a struct stat buffer (x86_64 layout, see {@link Stat}). */
        int fstat(int fd, byte[] statbuf);
        long pread(int fd, byte[] buf, long count, long offset);
        int close(int fd);
        int fcntl(int fd, int cmd, int arg);
        /** ioctl with a 64-bit out value (BLKGETSIZE64). */
        int ioctl(int fd, long request, long[] arg);
    }

    private static final class Bound {
        static final Calls C = Sys.bind(Calls.class, "c");
    }

    public static final long SYS_openat2 = 437;
    static final int AT_FDCWD = -100;
    public static final long RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04,
            RESOLVE_BENEATH = 0x08;
    /** BLKGETSIZE64 = _IOR(0x12, 114, size_t) (include/uapi/linux/fs.h). */
    static final long BLKGETSIZE64 = 0x80081272L;

    /**
     * The identity the plan records, the launcher checks again and the audit compares: "dev:ino" of
     * a file, or "blk:MAJ:MIN" of a block device (two nodes of one device are the same disk).
     */
    public static String identity(int mode, long dev, long ino, long rdev) {
        return (mode & Sys.S_IFMT) == Sys.S_IFBLK ? "blk:" + Sys.major(rdev) + ":" + Sys.minor(rdev)
                : Long.toUnsignedString(dev) + ":" + Long.toUnsignedString(ino);
    }

    /** An opened fd, or the errno that stopped it. */
    public record Opened(int fd, int errno) {
        public boolean ok() { return fd >= 0; }
    }

    /**
     * The fields of struct stat dmjail decides on (x86_64 layout: st_dev 0, st_ino 8, st_nlink 16,
     * st_mode 24, st_uid 28, st_gid 32, st_rdev 40, st_size 48).
     */
    public record Stat(long dev, long ino, long nlink, int mode, int uid, int gid, long rdev, long size) {
        public int type() { return mode & Sys.S_IFMT; }
        public boolean regular() { return type() == Sys.S_IFREG; }
        public boolean block() { return type() == Sys.S_IFBLK; }
        /** See {@link SafeFile#identity}. */
        public String identity() {
            return SafeFile.identity(mode, dev, ino, rdev);
        }
        public int rdevMajor() { return Sys.major(rdev); }
        public int rdevMinor() { return Sys.minor(rdev); }
        public String typeName() {
            return switch (type()) {
                case Sys.S_IFREG -> "a regular file";
                case Sys.S_IFBLK -> "a block device";
                case Sys.S_IFCHR -> "a character device";
                case Sys.S_IFIFO -> "a FIFO";
                case Sys.S_IFSOCK -> "a socket";
                case Sys.S_IFDIR -> "a directory";
                default -> "a file of type " + Integer.toOctalString(type());
            };
        }
    }

    /**
     * Opens {@code path} (absolute) with {@code flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC} (with
     * O_PATH: {@code flags | O_CLOEXEC}, which opens neither device nor FIFO) and no symlink on the
     * way. O_NONBLOCK stays set: call {@link #clearNonBlock} once the type is checked.
     */
    public static Opened open(String path, int flags, int mode) {
        Calls c = Bound.C;
        // openat2 refuses O_PATH with any flag but O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (fs/open.c build_open_flags)
        int all = (flags & Sys.O_PATH) != 0 ? flags | Sys.O_CLOEXEC : flags | Sys.O_NONBLOCK | Sys.O_NOCTTY | Sys.O_CLOEXEC;
        ByteBuffer how = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        how.putLong(0, (long) all & 0xffffffffL);
        how.putLong(8, (flags & Sys.O_CREAT) != 0 ? mode : 0);
        how.putLong(16, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
        long fd = c.syscall(SYS_openat2, AT_FDCWD, path, how.array(), 24);
        return fd < 0 ? new Opened(-1, Sys.errno()) : new Opened((int) fd, 0);
    }

    public static Stat fstat(int fd) {
        byte[] b = new byte[144];
        if (Bound.C.fstat(fd, b) != 0) {
            return null;
        }
        ByteBuffer s = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        return new Stat(s.getLong(0), s.getLong(8), s.getLong(16), s.getInt(24), s.getInt(28), s.getInt(32),
                s.getLong(40), s.getLong(48));
    }

    /** Clears O_NONBLOCK (QEMU expects ordinary blocking fds). Returns false with errno set. */
    public static boolean clearNonBlock(int fd) {
        Calls c = Bound.C;
        int fl = c.fcntl(fd, Sys.F_GETFL, 0);
        return fl >= 0 && c.fcntl(fd, Sys.F_SETFL, fl & ~Sys.O_NONBLOCK) == 0;
    }

    /** The size in bytes of a block device, or -1. */
    public static long blockDeviceSize(int fd) {
        long[] v = new long[1];
        return Bound.C.ioctl(fd, BLKGETSIZE64, v) == 0 ? v[0] : -1;
    }

    /** Up to {@code n} bytes at {@code offset}; fewer at end of file; null on error. */
    public static byte[] pread(int fd, int n, long offset) {
        byte[] b = new byte[n];
        long r = Bound.C.pread(fd, b, n, offset);
        if (r < 0) {
            return null;
        }
        byte[] out = new byte[(int) r];
        System.arraycopy(b, 0, out, 0, (int) r);
        return out;
    }

    public static void close(int fd) {
        if (fd >= 0) {
            Bound.C.close(fd);
        }
    }

    /**
     * open(2) with {@code O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC}, following symlinks (a path an
     * admin named, a library search's candidate): the fd, or -1 with errno set. Never blocks on a FIFO.
     */
    public static int openReadFollowing(String path) {
        return Bound.C.open(path, Sys.O_RDONLY | Sys.O_NONBLOCK | Sys.O_NOCTTY | Sys.O_CLOEXEC, 0);
    }

    /** Thrown by {@link #readRegularFile} with the reason in words. */
    public static final class Refused extends Exception {
        public Refused(String message) { super(message); }
    }

    /**
     * Reads a whole regular file of at most {@code maxBytes}, following symlinks (an admin's path) but
     * never blocking on a FIFO and never reading without bound (a config pointed at /dev/zero).
     */
    public static byte[] readRegularFile(String path, long maxBytes) throws Refused {
        int fd = openReadFollowing(path);
        if (fd < 0) {
            throw new Refused(Sys.strerror(Sys.errno()));
        }
        try {
            Stat st = fstat(fd);
            if (st == null) {
                throw new Refused("fstat: " + Sys.strerror(Sys.errno()));
            }
            if (!st.regular()) {
                throw new Refused("is " + st.typeName() + ", not a regular file");
            }
            if (st.size() > maxBytes) {
                throw new Refused("is " + st.size() + " bytes, more than the " + maxBytes + " a config may have");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, st.size()));
            long off = 0;
            while (off <= maxBytes) {
                byte[] chunk = pread(fd, 65536, off);
                if (chunk == null) {
                    throw new Refused("read: " + Sys.strerror(Sys.errno()));
                }
                if (chunk.length == 0) {
                    return out.toByteArray();
                }
                out.write(chunk, 0, chunk.length);
                off += chunk.length;
            }
            throw new Refused("grew past the " + maxBytes + " bytes a config may have while being read");
        } finally {
            close(fd);
        }
    }
}
