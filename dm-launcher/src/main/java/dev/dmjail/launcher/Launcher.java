package dev.dmjail.launcher;

import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.step.CgroupStep;
import dev.dmjail.launcher.step.FdStep;
import dev.dmjail.launcher.step.IdentityStep;
import dev.dmjail.launcher.step.LandlockStep;
import dev.dmjail.launcher.step.LaunchContext;
import dev.dmjail.launcher.step.NamespaceStep;
import dev.dmjail.launcher.step.PropagationStep;
import dev.dmjail.launcher.step.RlimitStep;
import dev.dmjail.launcher.step.RootStep;
import dev.dmjail.launcher.step.SeccompStep;
import dev.dmjail.launcher.step.SelinuxStep;
import dev.dmjail.launcher.step.SpawnStep;
import dev.dmjail.launcher.step.Step;
import dev.dmjail.launcher.sys.Sys;
import java.util.List;

/**
 * The launcher's one sequence, read top to bottom (after Firecracker's jailer {@code env.rs run()}).
 * Every step is prepared first (validation, host reads, seccomp filter built: no side effects),
 * then applied in this order on the calling thread. Must be called on one thread, once per process.
 */
public final class Launcher {
    private Launcher() {}

    /** The steps in the order they are applied. */
    public static List<Step> steps() {
        return List.of(
                new FdStep(),          // 1  open fds as root in the host mount namespace
                new CgroupStep(),      // 2  join the domain's cgroups
                new NamespaceStep(),   // 3  unshare mount/ipc/uts/net/pid, sethostname
                new PropagationStep(), // 4  / rslave
                new RootStep(),        // 5  tmpfs root, read-only binds, /dev, pivot_root
                new RlimitStep(),      // 6  setrlimit
                new IdentityStep(),    // 7  groups, gid, caps, uid, no_new_privs (verified)
                new SelinuxStep(),     // 8  exec label
                new LandlockStep(),    // 9  Landlock ruleset (needs no_new_privs), proven by a probe
                new SeccompStep(),     // 10 load the filter built at prepare
                new SpawnStep());      // 11 posix_spawn the device model
    }

    /**
     * Crash point for the fault tests: DMJAIL_LAUNCHER_FAULT=STEP makes the launcher die just before
     * applying STEP; "reply" makes it die after the spawn, before it answers the toolstack.
     */
    static final String FAULT = System.getenv("DMJAIL_LAUNCHER_FAULT");

    /** Applies every layer to this thread and spawns the device model; returns its host pid. */
    public static int run(LaunchSpec spec) throws LaunchException {
        return run(spec, false);
    }

    /**
     * @param dryRun only prepare (validate the spec, build the filter) and return 0: nothing is
     *               changed on the host or in this process
     */
    public static int run(LaunchSpec spec, boolean dryRun) throws LaunchException {
        return launch(spec, dryRun).pid;
    }

    /** As {@link #run(LaunchSpec, boolean)}, with what the steps report back (the landlock probe). */
    public static LaunchContext launch(LaunchSpec spec, boolean dryRun) throws LaunchException {
        LaunchContext ctx = new LaunchContext(spec);
        List<Step> steps = steps();
        Step current = null;
        try {
            for (Step s : steps) {
                current = s;
                s.prepare(ctx);
            }
            if (dryRun) {
                abort(steps, ctx);
                ctx.pid = 0;
                return ctx;
            }
            for (Step s : steps) {
                current = s;
                if (s.name().equals(FAULT)) {
                    // fault tests: die here, every earlier step applied, as abruptly as kill -9
                    Runtime.getRuntime().halt(137);
                }
                s.apply(ctx);
            }
            return ctx;
        } catch (LaunchException e) {
            abort(steps, ctx);
            throw e;
        } catch (RuntimeException | LinkageError e) {
            abort(steps, ctx);
            throw new LaunchException(current == null ? "init" : current.name(), Sys.EIO, "internal error: " + e);
        }
    }

    private static void abort(List<Step> steps, LaunchContext ctx) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            try {
                steps.get(i).abort(ctx);
            } catch (RuntimeException | LinkageError ignored) {
                // best effort
            }
        }
    }
}
