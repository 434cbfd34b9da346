package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.DacSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessScan;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.uidrange.ResolvedUser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DAC: the device model's own uid and gid, no supplementary groups, empty capability sets
 * (bounding and ambient cleared by the launcher, effective/permitted by the kernel on the
 * setresuid away from 0), and no_new_privs. libxl gets the uid from -runas; Firecracker's jailer
 * from --uid/--gid; we switch before exec so QEMU can keep its full -sandbox deny set.
 */
public final class DacLayer implements ConfinementLayer {

    public static final String NAME = "dac";
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched();
    private static final Logger LOG = LoggerFactory.getLogger(DacLayer.class);

    /** Who kills a domain's uid at release: the host's reaper user, else the range base (libxl's rule). */
    private final java.util.function.Function<Settings, Integer> reaper;

    /** @param reaper the reaper uid for a domain's settings, or null when there is none */
    public DacLayer(java.util.function.Function<Settings, Integer> reaper) {
        this.reaper = reaper;
    }

    /** Settings as planned; uid/gid null in a dry run of a range user (base + domid). */
    public record Settings(Integer uid, Integer gid, String user, String source, boolean killByUid,
                           List<Integer> supplementaryGroups, boolean clearCapabilities, boolean noNewPrivs,
                           Integer rangeBaseUid, Integer rangeBaseGid, boolean byQemuRunas) {}

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        ResolvedUser u = ctx.user();
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME) + ": the device model runs as root", null);
        }
        if (u.source() == ResolvedUser.Source.ROOT) {
            return LayerPlan.weakened(NAME, u.dacInForce() ? "root" : "the device model runs as root ("
                    + (ctx.domain().dmRestrict() == Boolean.TRUE ? "host policy allow_root_fallback" : "dm_restrict=0, legacy")
                    + ")", null);
        }
        return LayerPlan.enforced(NAME, new Settings(u.uid(), u.gid(), u.userName(), u.source().name(), u.killByUid(),
                List.of(), true, true, u.rangeBaseUid(), u.rangeBaseGid(), ctx.dm().backend().equals("xen")));
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        if (s.byQemuRunas()) {
            return;  // xen backend: QEMU must open /dev/xen/* as root first and drops with -runas
        }
        spec.section(new DacSection(s.uid(), s.gid(), s.clearCapabilities(), s.noNewPrivs()));
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        Map<Integer, Map<String, String>> threads = view.threadStatuses();
        if (threads.isEmpty()) {
            return LayerVerdict.of(plan, List.of(new Check("process", "running", "gone", false)));
        }
        if (!plan.active()) {
            String uid = threads.values().iterator().next().get("Uid");
            checks.add(new Check("uid", "root (weakened)", uid, true));
            return LayerVerdict.of(plan, checks);
        }
        Settings s = plan.settingsAs(Settings.class);
        String wantUid = s.uid() + "\t" + s.uid() + "\t" + s.uid() + "\t" + s.uid();
        String wantGid = s.gid() + "\t" + s.gid() + "\t" + s.gid() + "\t" + s.gid();
        for (var e : threads.entrySet()) {
            Map<String, String> st = e.getValue();
            String t = "thread " + e.getKey() + ": ";
            checks.add(new Check(t + "Uid (real, effective, saved, fs)", wantUid, st.get("Uid"), wantUid.equals(st.get("Uid"))));
            checks.add(new Check(t + "Gid", wantGid, st.get("Gid"), wantGid.equals(st.get("Gid"))));
            checks.add(new Check(t + "Groups", "", st.getOrDefault("Groups", ""), st.getOrDefault("Groups", "").isEmpty()));
            for (String cap : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
                String v = st.get(cap);
                checks.add(new Check(t + cap, "0000000000000000", v, v != null && v.matches("0+")));
            }
            checks.add(new Check(t + "NoNewPrivs", "1", st.get("NoNewPrivs"), "1".equals(st.get("NoNewPrivs"))));
        }
        return LayerVerdict.of(plan, checks);
    }

    /**
     * Kills every process of the domain's uid the libxl way ({@link DacUidReaper}): what the device model
     * forked or left behind, wherever it runs. Only for a uid exclusively this domain's (killByUid:
     * a range uid, or an explicit user inside the range), never the reaper's own, and not while
     * another domain's cgroup holds a process of that uid (two state dirs on one host share uids).
     */
    @Override
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        if (!s.killByUid() || s.uid() == null || s.uid() == 0) {
            return;
        }
        Integer r = reaper.apply(s);
        List<Long> foreign = ProcessScan.inOtherDomains(s.uid(), rt.paths().key());
        if (!foreign.isEmpty()) {
            LOG.warn("destroy {}: uid {} also runs {} in another domain's cgroup; not killing by uid", rt.name(), s.uid(), foreign);
        } else if (r == null) {
            LOG.warn("destroy {}: no reaper user (reaper_user or the range base) to kill uid {} with; relying on the cgroup",
                    rt.name(), s.uid());
        } else if (!s.uid().equals(r)) {
            try {
                DacUidReaper.killAll(s.uid(), r);
            } catch (java.io.IOException e) {
                throw new LayerException(NAME, "kill by uid", "uid " + s.uid() + ": " + e.getMessage(), e);
            }
        }
    }
}
