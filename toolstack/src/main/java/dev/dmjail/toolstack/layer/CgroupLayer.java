package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.CgroupSection;
import dev.dmjail.toolstack.bpf.DeviceProgram;
import dev.dmjail.toolstack.host.CgroupLayout;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.plan.Effective;
import dev.dmjail.toolstack.proc.ProcessView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One cgroup per domain, named {@code dmjail/NAME} in every hierarchy it uses: memory, pids, cpu
 * and the device allow-list on v1 (devices.deny "a" then devices.allow), the same limits on v2,
 * plus the cgroup2 group on hybrid hosts (process tracking and cgroup.kill, Linux 5.14+). The
 * launcher joins every group before it does anything else, so all the device model's allocations
 * are charged to the domain. Destroy kills every task in the groups and removes them.
 *
 * <p>v2 has no devices interface file: the allow-list there is an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the group ({@link dev.dmjail.toolstack.bpf.DeviceProgram},
 * as libvirt's vircgroupv2devices.c does). On a hybrid host both apply (the kernel runs the v2
 * program and the v1 devices check on every device access), so the allow-list is enforced twice.
 */
public final class CgroupLayer implements ConfinementLayer {

    public static final String NAME = "cgroup";
    /** cgroup_pids_max also caps RLIMIT_NPROC ({@link RlimitLayer}), a second bound on the same thing. */
    /** The controllers dmjail sets (cgroup_controllers is a subset; all by default). */
    public static final List<String> CONTROLLERS = List.of("memory", "pids", "devices", "cpu");
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched()
            .host("cgroup_controllers", "cgroup_device_acl", "cgroup_memory_overhead_mib", "cgroup_pids_max")
            .hostAlias("memory_overhead_mib", "cgroup_memory_overhead_mib").hostAlias("pids_max", "cgroup_pids_max");
    static final String PARENT = "dmjail";

    /**
     * One group: hierarchy version ("v1"/"v2", dispatched by {@link CgroupHierarchy#of}), the
     * controllers dmjail sets there (comma-separated; v1: those at that mount), mount-relative path,
     * absolute directory.
     */
    public record Group(String version, String controllers, String relPath, String dir) {}

    /**
     * @param deviceAllow  the allow-list as v1's devices.allow lines ("c MAJ:MIN rwm")
     * @param devices      the same nodes for the v2 BPF program (no string round trip)
     * @param deviceAclVia which mechanisms enforce it: {@link #VIA_V1}, {@link #VIA_V2}
     */
    public record Settings(String mode, List<Group> groups, long memoryBytes, long pidsMax,
                           List<String> deviceAllow, List<DeviceProgram.CharDevice> devices, List<String> deviceAclVia) {}

    static final String VIA_V1 = "v1 devices.allow";
    static final String VIA_V2 = "v2 BPF device program";

    private final CgroupLayout layout;

    public CgroupLayer(CgroupLayout layout) { this.layout = layout; }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) throws PlanException {
        if (!ctx.switches().on(NAME)) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME), null);
        }
        if (layout.mode() == CgroupLayout.Mode.NONE) {
            return LayerPlan.unavailable(NAME, "no cgroup hierarchy is mounted on this host");
        }
        List<String> ctrls = ctx.policy().cgroupControllers();
        String rel = PARENT + "/" + ctx.paths().key();
        List<Group> groups = new ArrayList<>();
        Set<Path> seen = new LinkedHashSet<>();
        List<String> missing = new ArrayList<>();
        for (String c : ctrls) {
            Path mount = layout.v1().get(c);
            if (mount != null) {
                if (seen.add(mount)) {
                    // every managed controller co-mounted there (e.g. cpu with cpuacct): one group
                    String here = String.join(",", ctrls.stream().filter(x -> mount.equals(layout.v1().get(x))).toList());
                    groups.add(new Group("v1", here, rel, mount.resolve(rel).toString()));
                }
            } else if (layout.v2Mount() == null || !(layout.v2Controllers().contains(c) || c.equals("devices"))) {
                missing.add(c);
            }
        }
        if (layout.v2Mount() != null) {
            List<String> v2c = ctrls.stream().filter(c -> !layout.v1().containsKey(c) && layout.v2Controllers().contains(c)).toList();
            groups.add(new Group("v2", String.join(",", v2c), rel, layout.v2Mount().resolve(rel).toString()));
        }
        // both bounded (Planner.checkSizes, HostConfigLoader), and the arithmetic checked anyway
        long mem = Math.multiplyExact(Math.addExact(Effective.memoryMiB(ctx.domain()), ctx.policy().cgroupMemoryOverheadMiB()), 1024L * 1024);
        List<String> allow = new ArrayList<>();
        List<DeviceProgram.CharDevice> devices = new ArrayList<>();
        for (FilesystemDeviceNodes.Node n : FilesystemDeviceNodes.forDomain(ctx)) {
            allow.add("c " + n.major() + ":" + n.minor() + " rwm");
            devices.add(new DeviceProgram.CharDevice(n.major(), n.minor()));
        }
        boolean devicesV1 = layout.v1().containsKey("devices") && ctrls.contains("devices");
        boolean devicesV2 = layout.v2Mount() != null && ctrls.contains("devices");
        List<String> via = new ArrayList<>();
        if (devicesV1) {
            via.add(VIA_V1);
        }
        if (devicesV2) {
            via.add(VIA_V2);
        }
        Settings s = new Settings(layout.mode().name(), groups, mem, ctx.policy().cgroupPidsMax(), allow, devices, via);
        List<String> weak = new ArrayList<>();
        if (!missing.isEmpty()) {
            weak.add("controllers not available on this host: " + String.join(", ", missing));
        }
        if (via.isEmpty()) {
            weak.add("device allow-list off (host config cgroup_controllers)");
        }
        return weak.isEmpty() ? LayerPlan.enforced(NAME, s) : LayerPlan.weakened(NAME, String.join("; ", weak), s);
    }

    @Override
    public void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        for (Group g : s.groups()) {
            Path dir = Path.of(g.dir());
            try {
                Path parent = dir.getParent();
                if (!Files.isDirectory(parent)) {
                    try {
                        Files.createDirectory(parent);
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        // another create made it
                    }
                }
                CgroupHierarchy.of(g).prepareParent(parent);
                removeIfStale(dir);
                Files.createDirectory(dir);
                rt.prepared().done(NAME, "dir " + dir);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new LayerException(NAME, "mkdir", dir + " already exists and holds processes that dmjail "
                        + "has no state for (" + tasks(dir) + "); kill them, then remove the directory");
            } catch (IOException e) {
                throw new LayerException(NAME, "mkdir", dir + ": " + e.getMessage(), e);
            }
            CgroupHierarchy.of(g).apply(dir, s);
        }
    }

    /**
     * create holds the host lock and this domain has no state, so a group of its name with no task
     * in it is a leftover of an interrupted run: remove it. One with tasks is refused (below).
     */
    private static void removeIfStale(Path dir) {
        try {
            if (Files.isDirectory(dir) && Files.readString(dir.resolve("cgroup.procs")).isBlank()) {
                Files.delete(dir);
            }
        } catch (IOException e) {
            // leave it: createDirectory reports it
        }
    }

    private static String tasks(Path dir) {
        try {
            return "pids " + String.join(" ", Files.readAllLines(dir.resolve("cgroup.procs")));
        } catch (IOException e) {
            return "unreadable";
        }
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (!plan.active()) {
            return;
        }
        List<String> procs = new ArrayList<>();
        for (Group g : plan.settingsAs(Settings.class).groups()) {
            procs.add(Path.of(g.dir(), "cgroup.procs").toString());
        }
        spec.section(new CgroupSection(procs));
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        if (!plan.active()) {
            checks.add(new Check("cgroup", "none (weakened)", String.join(" | ", view.cgroups()), true));
            return LayerVerdict.of(plan, checks);
        }
        Settings s = plan.settingsAs(Settings.class);
        List<String> lines = view.cgroups();
        for (Group g : s.groups()) {
            CgroupHierarchy h = CgroupHierarchy.of(g);
            boolean in = lines.stream().anyMatch(h::member);
            checks.add(new Check("member of " + h.label() + " cgroup", "/" + g.relPath(), String.join(" | ", lines), in));
            checks.addAll(h.checks(Path.of(g.dir()), s));
        }
        return LayerVerdict.of(plan, checks);
    }

    @Override
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        if (!plan.active()) {
            return;
        }
        // Only the groups this domain's prepare made: one refused as "already exists and holds
        // processes" is somebody else's, and killing its tasks was the bug (issue 10).
        List<Group> mine = plan.settingsAs(Settings.class).groups().stream()
                .filter(g -> rt.prepared().has(NAME, "dir " + g.dir())).toList();
        CgroupKiller.killAll(mine);
        List<String> failures = new ArrayList<>();
        for (Group g : mine) {
            Path dir = Path.of(g.dir());
            try {
                rmdirWithRetry(dir);
                try {
                    Files.delete(dir.getParent()); // dmjail/: only when no other domain's group is in it
                } catch (java.nio.file.DirectoryNotEmptyException | NoSuchFileException busy) {
                    // other domains still use the parent, or it is gone already
                } catch (IOException busy) {
                    // EBUSY for a parent with live children is reported as a generic FileSystemException
                }
            } catch (IOException e) {
                failures.add(dir + ": " + e.getMessage());
            }
        }
        if (!failures.isEmpty()) {
            throw new LayerException(NAME, "rmdir", String.join("; ", failures));
        }
    }

    /**
     * rmdir fails with EBUSY until the last task's exit is accounted. A killed QEMU takes a moment; a
     * device model that holds thousands of KVM VMs tears them down one by one on exit, for seconds
     * (docs/proof/kvm.md). So: keep killing and retrying up to {@link #RMDIR_BUDGET_MS}.
     */
    static final long RMDIR_BUDGET_MS = 60_000;

    private static void rmdirWithRetry(Path dir) throws IOException {
        long deadline = System.nanoTime() + RMDIR_BUDGET_MS * 1_000_000L;
        for (int i = 0; ; i++) {
            try {
                Files.deleteIfExists(dir);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                CgroupKiller.killAll(List.of(new Group("", "", "", dir.toString())));
                try {
                    Thread.sleep(i < 100 ? 10 : 100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
