package dev.dmjail.launcher;

import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.Section;
import dev.dmjail.launcher.spec.SpecException;
import dev.dmjail.launcher.step.CgroupStep;
import dev.dmjail.launcher.step.DacStep;
import dev.dmjail.launcher.step.FdsEnvStep;
import dev.dmjail.launcher.step.FilesystemStep;
import dev.dmjail.launcher.step.LandlockStep;
import dev.dmjail.launcher.step.LaunchContext;
import dev.dmjail.launcher.step.NamespacesStep;
import dev.dmjail.launcher.step.RlimitsStep;
import dev.dmjail.launcher.step.SeccompStep;
import dev.dmjail.launcher.step.SelinuxStep;
import dev.dmjail.launcher.step.SpawnStep;
import dev.dmjail.launcher.step.Step;
import dev.dmjail.launcher.sys.Sys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The launcher's one sequence, read top to bottom (after Firecracker's jailer {@code env.rs run()}).
 * The spec is validated first (every section's own rules), then every step whose section is in the
 * spec is prepared (host reads, seccomp filter built: no side effects), then applied in this order
 * on the calling thread. Must be called on one thread, once per process.
 */
public final class Launcher {
    private Launcher() {}

    /**
     * The steps in the order they are applied, one per layer (named like it) and the spawn: the one
     * list of the launcher's layers. The sections the spec may hold, the preload before the pivot
     * and the class-data-sharing training all follow it.
     */
    public static List<Step<?>> steps() {
        return List.of(
                new FdsEnvStep(),      // 1  open fds (disks, logs, sockets, taps) as root in the host mount namespace
                new CgroupStep(),      // 2  join the domain's cgroups
                new NamespacesStep(),  // 3  unshare mount/ipc/uts/net/pid, sethostname, / rslave
                new FilesystemStep(),  // 4  tmpfs root, read-only binds, /dev, pivot_root
                new RlimitsStep(),     // 5  setrlimit
                new DacStep(),         // 6  groups, gid, caps, uid, no_new_privs (verified)
                new SelinuxStep(),     // 7  exec label
                new LandlockStep(),    // 8  Landlock ruleset (needs no_new_privs), proven by a probe
                new SeccompStep(),     // 9  load the filter built at prepare
                new SpawnStep());      // 10 posix_spawn the device model (the exec section)
    }

    /** Section name → its record, for {@link dev.dmjail.launcher.spec.SpecReader}: what a spec may hold. */
    public static Map<String, Class<? extends Section>> sectionTypes() {
        Map<String, Class<? extends Section>> m = new LinkedHashMap<>();
        for (Step<?> s : steps()) {
            m.put(s.section(), s.sectionType());
        }
        return m;
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

    /** As {@link #run(LaunchSpec, boolean)}, with what the steps proved ({@link LaunchContext#proofs}). */
    public static LaunchContext launch(LaunchSpec spec, boolean dryRun) throws LaunchException {
        LaunchContext ctx = new LaunchContext(spec);
        List<Step<?>> steps = steps();
        try {
            spec.validate();
        } catch (SpecException e) {
            throw new LaunchException(e.section(), e.errno(), e.getMessage());
        }
        Step<?> current = null;
        try {
            for (Step<?> s : steps) {
                current = s;
                s.prepareIn(ctx);
            }
            if (dryRun) {
                abort(steps, ctx);
                ctx.pid = 0;
                return ctx;
            }
            for (Step<?> s : steps) {
                current = s;
                if (s.name().equals(FAULT)) {
                    // fault tests: die here, every earlier step applied, as abruptly as kill -9
                    Runtime.getRuntime().halt(137);
                }
                s.applyIn(ctx);
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

    private static void abort(List<Step<?>> steps, LaunchContext ctx) {
        for (int i = steps.size() - 1; i >= 0; i--) {
            try {
                steps.get(i).abort(ctx);
            } catch (RuntimeException | LinkageError ignored) {
                // best effort
            }
        }
    }
}
