package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.Rlimit;
import dev.dmjail.launcher.spec.RlimitSpec;
import dev.dmjail.launcher.spec.RlimitsSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resource limits, libxl's set (libxl__local_dm_preexec_restrict): no core dumps, message queues,
 * file locks or locked memory, and a file-size cap of 256 KiB so a compromised QEMU cannot fill a
 * host filesystem. RLIMIT_FSIZE also caps writes to the guest's file-backed disks (the kernel
 * checks the write offset: generic_write_check_limits), so dmjail raises the cap to the size of the
 * largest writable file-backed disk of the domain, which can then not grow past its size.
 * Soft = hard: the device model cannot raise them back (no CAP_SYS_RESOURCE). With a per-domain
 * range uid, NPROC is capped at the host's pids_max too (a second layer next to the pids cgroup).
 */
public final class RlimitLayer implements ConfinementLayer {

    public static final String NAME = "rlimits";
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched().host("rlimits_fsize_kib", "rlimits_nofile")
            .hostAlias("rlimit_fsize_kib", "rlimits_fsize_kib").hostAlias("rlimit_nofile", "rlimits_nofile");


    public record Settings(Map<String, Long> limits, String fsizeReason) {}

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME), null);
        }
        long fsize = ctx.policy().rlimitsFsizeBytes();
        String why = "host config rlimits_fsize_kib";
        long disk = ctx.dm().largestWritableImageBytes();
        if (disk > fsize) {
            fsize = disk;
            why = "raised to what the largest writable file-backed disk may grow to (" + disk + " bytes)";
        }
        // The log and the console are bounded by their own tmpfs (FdEnvLayer), not by this limit; it
        // must not cut them shorter than the host config allows them to be, and must lie above them:
        // at a write past FSIZE the kernel sends SIGXFSZ (generic_write_check_limits), whose default
        // action kills a device model that is not pid 1 of its pid namespace, while a full tmpfs
        // only answers ENOSPC (QEMU's chardev logfile then drops the rest and the guest runs on). So
        // one page above the larger tmpfs (whose size= rounds up to whole pages).
        long outputs = FdEnvBoundedOutput.capacity(Math.max(ctx.policy().logMaxBytes(), ctx.policy().consoleMaxBytes()))
                + FdEnvBoundedOutput.PAGE;
        if (outputs > fsize) {
            fsize = outputs;
            why = "raised to one page above the largest of log_max_kib and console_max_kib (" + outputs + " bytes)";
        }
        Map<String, Long> l = new LinkedHashMap<>();
        l.put("FSIZE", fsize);
        l.put("CORE", 0L);
        l.put("MSGQUEUE", 0L);
        l.put("LOCKS", 0L);
        l.put("MEMLOCK", 0L);
        l.put("NOFILE", ctx.policy().rlimitsNofile());
        if (ctx.user() != null && ctx.user().source() == dev.dmjail.uidrange.ResolvedUser.Source.RANGE) {
            // A second bound on fork bombs next to the pids cgroup (found by the ablation proof,
            // docs/proof): RLIMIT_NPROC counts the tasks of the real uid, and a range uid belongs to
            // this domain alone. Not for shared or explicit users, whose uid other domains share.
            l.put("NPROC", ctx.policy().cgroupPidsMax());
        }
        return LayerPlan.enforced(NAME, new Settings(l, why));
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (!plan.active()) {
            return;
        }
        List<RlimitSpec> limits = new ArrayList<>();
        plan.settingsAs(Settings.class).limits().forEach((k, v) -> limits.add(new RlimitSpec(k, v, v)));
        spec.section(new RlimitsSection(limits));
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        if (!plan.active()) {
            checks.add(new Check(Rlimit.FSIZE.label(), "host default (weakened)",
                    view.limit(Rlimit.FSIZE.label()).map(a -> a[0] + "/" + a[1]).orElse("?"), true));
            return LayerVerdict.of(plan, checks);
        }
        plan.settingsAs(Settings.class).limits().forEach((k, v) -> {
            // the one table of rlimit names: the launcher sets by its number, the audit reads by its label
            String label = Rlimit.byName(k).label();
            String got = view.limit(label).map(a -> a[0] + "/" + a[1]).orElse("?");
            checks.add(new Check(label, v + "/" + v, got, got.equals(v + "/" + v)));
        });
        return LayerVerdict.of(plan, checks);
    }
}
