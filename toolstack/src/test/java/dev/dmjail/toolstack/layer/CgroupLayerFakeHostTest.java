package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.host.CgroupLayout;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This host is hybrid (v1 controllers + a controller-less cgroup2 mount), which the end-to-end tests
 * use for real. v2-only and v1-only hosts exist elsewhere: their plan and host preparation are
 * tested here against a fake cgroup tree (plain directories standing in for the mounts).
 */
class CgroupLayerFakeHostTest {

    @TempDir
    Path tmp;

    private ConfinementPlan plan(CgroupLayout layout, String hostConfigLines) throws Exception {
        Path conf = tmp.resolve("dmjail.conf");
        Files.writeString(conf, "state_dir = " + tmp.resolve("run") + "\nlog_dir = " + tmp.resolve("log") + "\n" + hostConfigLines);
        HostPolicy policy = HostConfigLoader.load(conf, true);
        Path cfg = tmp.resolve("fake.cfg");
        Files.write(cfg, List.of("name = \"fake\"", "type = \"hvm\"", "memory = 100", "dm_restrict = 1"));
        List<ConfinementLayer> layers = List.of(new FdEnvLayer(), new CgroupLayer(layout));
        return new Planner(policy, new HostFacts(false, false, layout), SelinuxLayerTest.USERS, layers,
                new StateStore(policy.stateDir(), policy.logDir())).plan(XlConfigLoader.load(cfg, List.of()), 3, false);
    }

    private DomainRuntime rt() {
        return new DomainRuntime("fake", 3, new StateStore(tmp.resolve("run"), tmp.resolve("log")).pathsOfKey("fake"));
    }

    @Test
    void v2OnlyHostGetsMemoryAndPidsOnTheUnifiedGroup() throws Exception {
        Path v2 = Files.createDirectory(tmp.resolve("cgroup2"));
        Files.writeString(v2.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        CgroupLayout layout = CgroupLayout.parse(List.of(
                "35 25 0:30 / " + v2 + " rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate"));
        assertEquals(CgroupLayout.Mode.V2, layout.mode());
        // devices would be a BPF program, which needs a real cgroup: left out of this fake host
        ConfinementPlan p = plan(layout, "cgroup_controllers = memory,pids\n");
        LayerPlan lp = p.layer(CgroupLayer.NAME);
        CgroupLayer.Settings s = lp.settingsAs(CgroupLayer.Settings.class);
        assertEquals("V2", s.mode());
        assertEquals(1, s.groups().size());
        assertEquals("v2", s.groups().get(0).version());
        assertEquals("memory,pids", s.groups().get(0).controllers());
        assertEquals(List.of(), s.deviceAclVia(), "no device controller asked for");

        new CgroupLayer(layout).prepareHost(lp, rt());
        Path dir = v2.resolve("dmjail/fake");
        assertEquals(Long.toString((100 + 384) * 1024L * 1024), Files.readString(dir.resolve("memory.max")));
        assertEquals("0", Files.readString(dir.resolve("memory.swap.max")));
        assertEquals("128", Files.readString(dir.resolve("pids.max")));
        // top-down: enabled in the root and in dmjail/ so the domain's group may use them
        assertEquals("+memory +pids", Files.readString(v2.resolve("cgroup.subtree_control")));
        assertEquals("+memory +pids", Files.readString(v2.resolve("dmjail/cgroup.subtree_control")));
        LaunchSpecBuilder spec = new LaunchSpecBuilder("fake");
        new CgroupLayer(layout).contribute(lp, rt(), spec);
        new FdEnvLayer().contribute(p.layer(FdEnvLayer.NAME), rt(), spec);
        assertEquals(List.of(dir.resolve("cgroup.procs").toString()), spec.build().section(dev.dmjail.launcher.spec.CgroupSection.class).procs());
    }

    @Test
    void v1OnlyHostGetsOneGroupPerHierarchyAndTheDeviceList() throws Exception {
        List<String> mountinfo = new java.util.ArrayList<>();
        int id = 30;
        for (String c : List.of("memory", "pids", "devices", "cpu,cpuacct")) {
            Path m = Files.createDirectories(tmp.resolve("v1").resolve(c));
            mountinfo.add(id++ + " 25 0:" + id + " / " + m + " rw,nosuid,nodev,noexec,relatime shared:" + id
                    + " - cgroup cgroup rw," + c);
        }
        CgroupLayout layout = CgroupLayout.parse(mountinfo);
        assertEquals(CgroupLayout.Mode.V1, layout.mode());
        ConfinementPlan p = plan(layout, "");
        LayerPlan lp = p.layer(CgroupLayer.NAME);
        CgroupLayer.Settings s = lp.settingsAs(CgroupLayer.Settings.class);
        assertEquals(LayerStatus.ENFORCED, lp.status(), String.valueOf(lp.reason()));
        assertEquals(List.of("v1 devices.allow"), s.deviceAclVia());
        assertEquals(4, s.groups().size(), "memory, pids, devices and the co-mounted cpu,cpuacct");

        new CgroupLayer(layout).prepareHost(lp, rt());
        Path v1 = tmp.resolve("v1");
        assertEquals(Long.toString((100 + 384) * 1024L * 1024), Files.readString(v1.resolve("memory/dmjail/fake/memory.limit_in_bytes")));
        assertEquals("128", Files.readString(v1.resolve("pids/dmjail/fake/pids.max")));
        // a fake file keeps only the last write; on cgroupfs each write is one rule: check the last
        assertTrue(s.deviceAllow().contains(Files.readString(v1.resolve("devices/dmjail/fake/devices.allow"))));
        assertEquals("a", Files.readString(v1.resolve("devices/dmjail/fake/devices.deny")));
        assertTrue(Files.isDirectory(v1.resolve("cpu,cpuacct/dmjail/fake")));
    }
}
