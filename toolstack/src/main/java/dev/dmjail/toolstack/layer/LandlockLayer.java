package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.LandlockSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.sys.Sys;
import java.util.ArrayList;
import java.util.List;

/**
 * Landlock (landlock(7)), a second layer behind the mount and network namespaces (docs/proof lists
 * them as single points of failure): even a device model that escaped its private root or its empty
 * network namespace could read only beneath its root's paths, write only its /tmp and /dev nodes, and
 * bind or connect no TCP socket (ABI 4+), nor reach an abstract unix socket or signal a process outside
 * its domain (ABI 6+). The launcher applies it after the uid switch and before seccomp.
 *
 * <p>The kernel shows no process's Landlock domain in /proc, so the audit cannot observe it afterwards:
 * the launcher proves it at spawn (its TCP probe is refused with EACCES by Landlock itself) and the
 * toolstack records that answer with the plan; verify checks it, and that the device model is the
 * process the launcher spawned then (its pid and start time, the DAC layer's checks).
 */
public final class LandlockLayer implements ConfinementLayer {

    public static final String NAME = "landlock";
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched();

    /**
     * @param abi   the kernel's Landlock ABI at plan time
     * @param probe what the launcher proved at spawn ("ABI N; probe connect(127.0.0.1:1) = EACCES"), null before
     */
    public record Settings(List<String> readOnly, List<String> readWrite, List<String> devices, boolean denyTcp,
                           boolean scoped, int abi, String probe) {}

    /** landlock_create_ruleset(2) is 444 on every architecture; with LANDLOCK_CREATE_RULESET_VERSION it returns the ABI. */
    static final long SYS_landlock_create_ruleset = 444, LANDLOCK_CREATE_RULESET_VERSION = 1;

    /** landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) through syscall(3), variadic in C. */
    public interface AbiCall {
        long syscall(long number, byte[] attr, long size, long flags);
    }

    private static final class Bound {
        static final AbiCall C = Sys.bind(AbiCall.class, "c");
    }

    /** The kernel's Landlock ABI version, 0 when it has none (or it is disabled); the launcher asks the same. */
    public static int abi() {
        long v = Bound.C.syscall(SYS_landlock_create_ruleset, (byte[]) null, 0L, LANDLOCK_CREATE_RULESET_VERSION);
        return v < 0 ? 0 : (int) v;
    }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME), null);
        }
        int abi = abi();
        if (abi < 1) {
            return LayerPlan.unavailable(NAME, "this kernel has no Landlock (or it is disabled: lsm= on its command line)");
        }
        // paths as the device model sees them: its private root (or the host's, when that layer is off)
        return LayerPlan.enforced(NAME, new Settings(List.of("/"), List.of("/tmp"), List.of("/dev"), true, true, abi, null));
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (plan.active()) {
            Settings s = plan.settingsAs(Settings.class);
            spec.section(new LandlockSection(s.readOnly(), s.readWrite(), s.devices(), s.denyTcp(), s.scoped()));
        }
    }

    /** The plan with what the launcher's probe answered at spawn. */
    @Override
    public LayerPlan withProof(LayerPlan plan, String probe) {
        if (!plan.active()) {
            return plan;
        }
        Settings s = plan.settingsAs(Settings.class);
        return LayerPlan.enforced(NAME, new Settings(s.readOnly(), s.readWrite(), s.devices(), s.denyTcp(), s.scoped(),
                s.abi(), probe));
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        if (!plan.active()) {
            return LayerVerdict.of(plan, checks);
        }
        Settings s = plan.settingsAs(Settings.class);
        String want = s.denyTcp() && s.abi() >= 4 ? "ABI " + s.abi() + "; probe connect(127.0.0.1:1) = EACCES"
                : "ABI " + s.abi() + "; no TCP rule on this ABI";
        checks.add(new Check("applied by the launcher at spawn (the kernel shows no Landlock state in /proc)", want,
                s.probe() == null ? "no report from the launcher" : s.probe(), want.equals(s.probe())));
        String nnp = view.status().map(m -> m.getOrDefault("NoNewPrivs", "?").trim()).orElse("gone");
        checks.add(new Check("no_new_privs (set with the ruleset: Landlock's precondition)", "1", nnp, nnp.equals("1")));
        return LayerVerdict.of(plan, checks);
    }
}
