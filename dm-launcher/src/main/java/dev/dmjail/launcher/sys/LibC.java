package dev.dmjail.launcher.sys;

import jnr.ffi.Pointer;

/**
 * The glibc functions the launcher calls, bound with jnr-ffi. Every binding is generated when the
 * library is loaded ({@link Sys#init()}), i.e. before the pivot_root, so nothing has to be loaded
 * from the host file system afterwards. Variadic C functions (open, fcntl, prctl, syscall) are
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

    /** landlock_create_ruleset(attr, size, flags): syscall(444, …). */
    long syscall(long number, byte[] attr, long size, long flags);

    /** landlock_add_rule(ruleset_fd, rule_type, attr, flags): syscall(445, …). */
    long syscall(long number, long fd, long type, byte[] attr, long flags);

    /** landlock_restrict_self(ruleset_fd, flags): syscall(446, …). */
    long syscall(long number, long fd, long flags);
    int unlink(String path);
    int chmod(String path, int mode);
    int chown(String path, int uid, int gid);
    int umask(int mask);
    int mkdir(String path, int mode);
    int rmdir(String path);
    int symlink(String target, String linkpath);
    int mknod(String path, int mode, long dev);
    int chdir(String path);

    int unshare(int flags);
    int sethostname(String name, long len);
    int mount(String source, String target, String fstype, long flags, String data);
    int umount2(String target, int flags);
    long syscall(long number, String a1, String a2);

    int getrlimit(int resource, long[] rlim);
    int setrlimit(int resource, long[] rlim);

    int setgroups(long size, Pointer list);
    int setresgid(int rgid, int egid, int sgid);
    int setresuid(int ruid, int euid, int suid);
    int getresuid(int[] ruid, int[] euid, int[] suid);
    int getresgid(int[] rgid, int[] egid, int[] sgid);
    int prctl(int option, long a2, long a3, long a4, long a5);
    int capget(int[] header, int[] data);
    int capset(int[] header, int[] data);

    int sigemptyset(Pointer set);
    int sigfillset(Pointer set);
    int posix_spawn_file_actions_init(Pointer actions);
    int posix_spawn_file_actions_destroy(Pointer actions);
    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newfd);
    int posix_spawn_file_actions_addclose(Pointer actions, int fd);
    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);
    int posix_spawnattr_init(Pointer attr);
    int posix_spawnattr_destroy(Pointer attr);
    int posix_spawnattr_setflags(Pointer attr, short flags);
    int posix_spawnattr_setsigmask(Pointer attr, Pointer set);
    int posix_spawnattr_setsigdefault(Pointer attr, Pointer set);
    int posix_spawn(int[] pid, String path, Pointer actions, Pointer attr, Pointer argv, Pointer envp);

    /** openat2(2): syscall(SYS_openat2, dirfd, path, struct open_how *, sizeof). */
    long syscall(long number, int dirfd, String path, byte[] how, long size);
    /** fstat(2) into a struct stat buffer (x86_64 layout, see {@link SafeFile.Stat}). */
    int fstat(int fd, byte[] statbuf);
    long pread(int fd, byte[] buf, long count, long offset);
    /** ioctl with a 64-bit out value (BLKGETSIZE64). */
    int ioctl(int fd, long request, long[] arg);
    String strerror(int errnum);
}
