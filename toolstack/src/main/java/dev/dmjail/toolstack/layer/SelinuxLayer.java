package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import java.util.ArrayList;
import java.util.List;

/**
 * sVirt-style MCS confinement, as libvirt's security_selinux.c: a unique category pair per running
 * domain (c1 < c2, never reused while in use: {@link McsAllocator}), QEMU executed as
 * {@code system_u:system_r:svirt_t:s0:cA,cB}, its images labelled {@code svirt_image_t:s0:cA,cB}.
 * dmjail passes every image as an fd opened by the privileged side, so SELinux still checks
 * read/write on the image's label at each access (and fd:use on the launcher's fds).
 *
 * <p>This layer is only ever planned ENFORCED on a host where SELinux is enabled. Elsewhere it is
 * UNAVAILABLE and the audit says so; it never claims a label it did not observe.
 */
public final class SelinuxLayer implements ConfinementLayer {

    public static final String NAME = "selinux";
    static final String PROCESS_TYPE = "system_u:system_r:svirt_t:s0";
    static final String IMAGE_TYPE = "system_u:object_r:svirt_image_t:s0";

    public record Settings(String processLabel, String imageLabel, int c1, int c2) {}

    private final McsAllocator mcs;

    public SelinuxLayer(McsAllocator mcs) { this.mcs = mcs; }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        if (!ctx.switches().on("selinux")) {
            return LayerPlan.weakened(NAME, "dmjail_selinux=0 in the domain config", null);
        }
        if (ctx.policy().securityDriver().equals("none")) {
            return LayerPlan.weakened(NAME, "host config security_driver=none", null);
        }
        if (!ctx.facts().selinuxEnabled()) {
            return LayerPlan.unavailable(NAME, "SELinux is not enabled on this host (no selinuxfs at "
                    + "/sys/fs/selinux): no MCS label can be applied");
        }
        int[] pair = mcs.reserve(ctx.domain().name());
        return LayerPlan.enforced(NAME, labels(pair[0], pair[1]));
    }

    static Settings labels(int c1, int c2) {
        String cats = ":c" + c1 + ",c" + c2;
        return new Settings(PROCESS_TYPE + cats, IMAGE_TYPE + cats, c1, c2);
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (plan.active()) {
            spec.selinuxExecLabel(plan.settingsAs(Settings.class).processLabel());
        }
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        String observed = view.lsmLabel().orElse("(no LSM label)");
        if (plan.status() == LayerStatus.UNAVAILABLE) {
            checks.add(new Check("attr/current", "n/a: " + plan.reason(), observed, true));
        } else if (!plan.active()) {
            checks.add(new Check("attr/current", "unconfined (weakened)", observed, true));
        } else {
            String want = plan.settingsAs(Settings.class).processLabel();
            checks.add(new Check("attr/current", want, observed, want.equals(observed)));
        }
        return LayerVerdict.of(plan, checks);
    }

    @Override
    public void release(LayerPlan plan, DomainRuntime rt) {
        if (plan.active()) {
            Settings s = plan.settingsAs(Settings.class);
            mcs.release(rt.name(), s.c1(), s.c2());
        }
    }
}
