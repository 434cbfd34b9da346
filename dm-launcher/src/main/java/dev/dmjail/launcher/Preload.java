package dev.dmjail.launcher;

import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import jnr.ffi.Pointer;

/**
 * Makes sure everything the launcher runs after pivot_root is already loaded: after the pivot the
 * host file system (the classpath jars not yet opened, jffi's native stub in /tmp) is gone. Loads
 * the native bindings (jffi extracts its stub to java.io.tmpdir and deletes it right after loading)
 * and calls every binding that is used after the pivot once, harmlessly, so jnr-ffi's
 * marshalling classes are loaded and linked, and loads the launcher's own classes.
 */
final class Preload {
    private Preload() {}

    private static final String[] CLASSES = {
        "dev.dmjail.launcher.LaunchException",
        "dev.dmjail.launcher.Json",
        "dev.dmjail.launcher.step.LaunchContext",
        "dev.dmjail.launcher.step.LaunchContext$OpenFd",
        "dev.dmjail.launcher.step.Step",
        "dev.dmjail.launcher.step.RlimitStep",
        "dev.dmjail.launcher.step.IdentityStep",
        "dev.dmjail.launcher.step.SelinuxStep",
        "dev.dmjail.launcher.step.SeccompStep",
        "dev.dmjail.launcher.step.SpawnStep",
    };

    static void run() {
        Sys.init();
        for (String c : CLASSES) {
            try {
                Class.forName(c, true, Preload.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("preload " + c, e);
            }
        }
        LibC c = Sys.libc();
        long[] rl = new long[2];
        c.getrlimit(7, rl);
        c.setrlimit(-1, rl);                  // EINVAL
        Sys.errno();
        Sys.strerror(Sys.EPERM);
        c.prctl(Sys.PR_CAPBSET_READ, 0, 0, 0, 0);
        c.prctl(Sys.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        c.capget(new int[] {Sys.LINUX_CAPABILITY_VERSION_3, 0}, new int[6]);
        int[] a = new int[1], b = new int[1], d = new int[1];
        c.getresuid(a, b, d);
        c.getresgid(a, b, d);
        c.write(-1, new byte[1], 0);          // EBADF
        c.close(-1);                          // EBADF
        c.chdir("");                          // ENOENT
        c.umount2("", 0);                     // ENOENT
        c.rmdir("");                          // ENOENT
        c.mount(null, "", null, 0, null);     // ENOENT
        c.setresgid(-1, -1, -1);              // no change (glibc broadcasts to all threads)
        c.setresuid(-1, -1, -1);
        Pointer fa = Sys.alloc(256), attr = Sys.alloc(512), set = Sys.alloc(128);
        c.posix_spawn_file_actions_init(fa);
        c.posix_spawn_file_actions_adddup2(fa, -1, -1);    // EBADF
        c.posix_spawn_file_actions_addclose(fa, -1);       // EBADF
        c.posix_spawn_file_actions_addclosefrom_np(fa, -1); // EBADF
        c.posix_spawn_file_actions_destroy(fa);
        c.posix_spawnattr_init(attr);
        c.sigemptyset(set);
        c.sigfillset(set);
        c.posix_spawnattr_setflags(attr, (short) 0);
        c.posix_spawnattr_setsigmask(attr, set);
        c.posix_spawnattr_setsigdefault(attr, set);
        c.posix_spawnattr_destroy(attr);
        Sys.seccomp().seccomp_syscall_resolve_name("read");
        Json.error(new LaunchException("preload", Sys.EPERM, "x \"y\"\n"));
        Json.stderrLine(new LaunchException("preload", Sys.EPERM, "x"));
        Json.ok(1);
    }
}
