package dev.dmjail.toolstack.sys;

/**
 * The glibc functions the toolstack calls, bound with jnr-ffi. Variadic C functions (open, fcntl, syscall) are
 * declared with fixed integer arguments, which is ABI-compatible on x86_64 (the one architecture
 * dmjail runs on: {@link Arch}) for integer/pointer-only calls.
 */
public interface LibC {
    int open(String path, int flags, int mode);

    /** ioctl with an in/out buffer (struct ifreq for TUNSETIFF). */
    int ioctl(int fd, long request, byte[] arg);
    int close(int fd);
    int fcntl(int fd, int cmd, int arg);
    long write(int fd, byte[] buf, long count);
    int socket(int domain, int type, int protocol);
    int bind(int fd, byte[] addr, int addrlen);
    int listen(int fd, int backlog);

    int connect(int fd, byte[] addr, int addrlen);

    /** landlock_create_ruleset(attr, size, flags): syscall(444, …); bpf(cmd, attr, size): syscall(321, …). */
    long syscall(long number, byte[] attr, long size, long flags);

    int mount(String source, String target, String fstype, long flags, String data);
    int umount2(String target, int flags);

    /** openat2(2): syscall(SYS_openat2, dirfd, path, struct open_how *, sizeof). */
    long syscall(long number, int dirfd, String path, byte[] how, long size);
    /** fstat(2) into a struct stat buffer (x86_64 layout, see {@link SafeFile.Stat}). */
    int fstat(int fd, byte[] statbuf);
    long pread(int fd, byte[] buf, long count, long offset);
    /** ioctl with a 64-bit out value (BLKGETSIZE64). */
    int ioctl(int fd, long request, long[] arg);
    String strerror(int errnum);
}
