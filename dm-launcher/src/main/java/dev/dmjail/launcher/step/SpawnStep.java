package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.ExecSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jnr.ffi.Pointer;

/**
 * The last step, "spawn", of the exec section (what is spawned; no layer): chdir(cwd), then posix_spawn(3) of the device model from this thread. libc
 * does the fork+exec (clone(CLONE_VM|CLONE_VFORK)): no Java code runs in the child. File actions:
 * dup2 of every opened fd (all numbered above the targets) onto its target, close of every other
 * number below, closefrom_np above; attributes: SETSID, an empty signal mask, every signal back to
 * SIG_DFL. argv and envp are exactly the planned ones. If the exec fails, glibc reports the error
 * and has already reaped the child.
 */
public final class SpawnStep extends Step<ExecSection> {
    private static final int FILE_ACTIONS_SIZE = 256; // sizeof(posix_spawn_file_actions_t) = 80
    private static final int SPAWNATTR_SIZE = 512;    // sizeof(posix_spawnattr_t) = 336
    private static final int SIGSET_SIZE = 128;

    private Pointer argv, envp;

    public SpawnStep() {
        super("spawn", ExecSection.NAME, ExecSection.class);
    }

    @Override
    public void preload() {
        LibC c = Sys.libc();
        c.write(-1, new byte[1], 0); // EBADF
        c.close(-1);                 // EBADF
        Pointer fa = Sys.alloc(256), attr = Sys.alloc(512), set = Sys.alloc(128);
        c.posix_spawn_file_actions_init(fa);
        c.posix_spawn_file_actions_adddup2(fa, -1, -1);     // EBADF
        c.posix_spawn_file_actions_addclose(fa, -1);        // EBADF
        c.posix_spawn_file_actions_addclosefrom_np(fa, -1); // EBADF
        c.posix_spawn_file_actions_destroy(fa);
        c.posix_spawnattr_init(attr);
        c.sigemptyset(set);
        c.sigfillset(set);
        c.posix_spawnattr_setflags(attr, (short) 0);
        c.posix_spawnattr_setsigmask(attr, set);
        c.posix_spawnattr_setsigdefault(attr, set);
        c.posix_spawnattr_destroy(attr);
    }

    @Override
    public ExecSection trainingSection(String tmp) {
        return new ExecSection("/bin/true", List.of("true"), Map.of("PATH", "/"), "/");
    }

    @Override
    public void prepare(LaunchContext ctx, ExecSection e) throws LaunchException {
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> kv : new TreeMap<>(e.env()).entrySet()) {
            env.add(kv.getKey() + "=" + kv.getValue());
        }
        argv = Sys.cStringArray(e.argv(), ctx.keepAlive);
        envp = Sys.cStringArray(env, ctx.keepAlive);
    }

    @Override
    public void apply(LaunchContext ctx, ExecSection e) throws LaunchException {
        LibC c = Sys.libc();
        if (e.cwd() != null) {
            check(c.chdir(e.cwd()), "chdir " + e.cwd());
        }
        Pointer fa = Sys.alloc(FILE_ACTIONS_SIZE);
        Pointer attr = Sys.alloc(SPAWNATTR_SIZE);
        Pointer empty = Sys.alloc(SIGSET_SIZE);
        Pointer all = Sys.alloc(SIGSET_SIZE);
        spawnCheck(c.posix_spawn_file_actions_init(fa), "posix_spawn_file_actions_init");
        try {
            spawnCheck(c.posix_spawnattr_init(attr), "posix_spawnattr_init");
            try {
                int closeFrom = 3;
                Set<Integer> targets = new HashSet<>();
                for (LaunchContext.OpenFd o : ctx.openFds) {
                    spawnCheck(c.posix_spawn_file_actions_adddup2(fa, o.fd(), o.target()),
                            "adddup2 " + o.fd() + " -> " + o.target());
                    targets.add(o.target());
                    closeFrom = Math.max(closeFrom, o.target() + 1);
                }
                for (int fd = 0; fd < closeFrom; fd++) {
                    if (!targets.contains(fd)) {
                        spawnCheck(c.posix_spawn_file_actions_addclose(fa, fd), "addclose " + fd);
                    }
                }
                spawnCheck(c.posix_spawn_file_actions_addclosefrom_np(fa, closeFrom), "addclosefrom_np " + closeFrom);
                c.sigemptyset(empty);
                c.sigfillset(all);
                spawnCheck(c.posix_spawnattr_setflags(attr, (short) (Sys.POSIX_SPAWN_SETSID
                        | Sys.POSIX_SPAWN_SETSIGMASK | Sys.POSIX_SPAWN_SETSIGDEF)), "posix_spawnattr_setflags");
                spawnCheck(c.posix_spawnattr_setsigmask(attr, empty), "posix_spawnattr_setsigmask");
                spawnCheck(c.posix_spawnattr_setsigdefault(attr, all), "posix_spawnattr_setsigdefault");
                int[] pid = new int[1];
                int rc = c.posix_spawn(pid, e.path(), fa, attr, argv, envp);
                if (rc != 0) {
                    throw fail(rc, "posix_spawn " + e.path());
                }
                ctx.pid = pid[0];
            } finally {
                c.posix_spawnattr_destroy(attr);
            }
        } finally {
            c.posix_spawn_file_actions_destroy(fa);
        }
        for (LaunchContext.OpenFd o : ctx.openFds) {
            c.close(o.fd());
        }
    }

    /** posix_spawn* return the error number instead of setting errno. */
    private void spawnCheck(int rc, String what) throws LaunchException {
        if (rc != 0) {
            throw fail(rc, what);
        }
    }
}
