package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.SelinuxSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import java.util.ArrayList;
import java.util.List;

/**
 * sVirt-style MCS confinement, as libvirt's security_selinux.c: a unique category pair per running
 * domain (c1 < c2, never reused while in use: {@link SelinuxMcsAllocator}), QEMU executed as
 * {@code system_u:system_r:svirt_t:s0:cA,cB}, its images labelled {@code svirt_image_t:s0:cA,cB}.
 * dmjail passes every image as an fd opened by the privileged side, so SELinux still checks
 * read/write on the image's label at each access (and fd:use on the launcher's fds).
 *
 * <p>This layer is only ever planned ENFORCED on a host where SELinux is enabled. Elsewhere it is
 * UNAVAILABLE and the audit says so; it never claims a label it did not observe.
 */
public final class SelinuxLayer implements ConfinementLayer {

    public static final String NAME = "selinux";
    /** security_driver is libvirt's qemu.conf name for it. */
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched().host("selinux")
            .hostAlias("security_driver", "selinux", java.util.Map.of("selinux", "1", "none", "0"));
    static final String PROCESS_TYPE = "system_u:system_r:svirt_t:s0";
    static final String IMAGE_TYPE = "system_u:object_r:svirt_image_t:s0";

    public record Settings(String processLabel, String imageLabel, int c1, int c2, List<String> images) {}

    private final SelinuxMcsAllocator mcs;
    private final java.util.function.Supplier<SelinuxFileLabeler> labeler;

    /** @param labeler created only when a label is really applied (the real one needs libc's xattr calls) */
    public SelinuxLayer(SelinuxMcsAllocator mcs, java.util.function.Supplier<SelinuxFileLabeler> labeler) {
        this.mcs = mcs;
        this.labeler = labeler;
    }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME), null);
        }
        if (!ctx.policy().selinux()) {
            return LayerPlan.weakened(NAME, "host config selinux=0", null);
        }
        if (!ctx.facts().selinuxEnabled()) {
            return LayerPlan.unavailable(NAME, "SELinux is not enabled on this host (no selinuxfs at "
                    + "/sys/fs/selinux): no MCS label can be applied");
        }
        int[] pair = mcs.reserve(ctx.paths().key());
        return LayerPlan.enforced(NAME, labels(pair[0], pair[1], ctx.dm().images()));
    }

    static Settings labels(int c1, int c2, List<String> images) {
        String cats = ":c" + c1 + ",c" + c2;
        return new Settings(PROCESS_TYPE + cats, IMAGE_TYPE + cats, c1, c2, List.copyOf(images));
    }

    /**
     * Labels each image svirt_image_t with the domain's categories, remembering the original label in
     * the domain's state dir first (libvirt's remember_owner keeps it in an xattr, which fails on NFS;
     * a file next to our state works wherever the state does), so release restores it after a crash.
     */
    @Override
    public void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        SelinuxFileLabeler fl = labeler.get();
        java.util.Map<String, String> originals = new java.util.LinkedHashMap<>();
        try {
            for (String img : s.images()) {
                originals.put(img, fl.get(java.nio.file.Path.of(img)).orElse(""));
            }
            writeOriginals(rt, originals);
            for (String img : s.images()) {
                fl.set(java.nio.file.Path.of(img), s.imageLabel());
                rt.prepared().done(NAME, "label " + img);
            }
        } catch (java.io.IOException e) {
            throw new LayerException(NAME, "label images", e.getMessage(), e);
        }
    }

    private static java.nio.file.Path originalsFile(DomainRuntime rt) {
        return rt.paths().dir().resolve("selinux-labels.json");
    }

    private static void writeOriginals(DomainRuntime rt, java.util.Map<String, String> originals) throws java.io.IOException {
        java.nio.file.Files.createDirectories(rt.paths().dir());
        java.nio.file.Path tmp = originalsFile(rt).resolveSibling("selinux-labels.json.tmp");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(tmp.toFile(), originals);
        java.nio.file.Files.move(tmp, originalsFile(rt), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (plan.active()) {
            spec.section(new SelinuxSection(plan.settingsAs(Settings.class).processLabel()));
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
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        java.nio.file.Path f = originalsFile(rt);
        if (java.nio.file.Files.exists(f)) {
            try {
                java.util.Map<String, String> originals = new com.fasterxml.jackson.databind.ObjectMapper().readValue(f.toFile(),
                        new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, String>>() {});
                SelinuxFileLabeler fl = labeler.get();
                for (var e : originals.entrySet()) {
                    // only images this domain relabelled: a prepare refused half-way leaves the rest alone
                    if (rt.prepared().has(NAME, "label " + e.getKey()) && !e.getValue().isEmpty()
                            && java.nio.file.Files.exists(java.nio.file.Path.of(e.getKey()))) {
                        fl.set(java.nio.file.Path.of(e.getKey()), e.getValue());
                    }
                }
                java.nio.file.Files.delete(f);
            } catch (java.io.IOException e) {
                throw new LayerException(NAME, "restore labels", e.getMessage(), e);
            }
        }
        mcs.release(rt.paths().key());
    }
}
