package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.host.CgroupLayout;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.state.StateStore;
import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;
import dev.dmjail.uidrange.UserDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This kernel has no SELinux, so the sVirt logic is tested against a fake labeler and a host that
 * claims SELinux: MCS pairs, image relabel and restore, and that verify never claims a label it did
 * not read from /proc. The real host path (UNAVAILABLE) is covered by DryRunTest/EndToEndTest.
 */
class SelinuxLayerTest {

    @TempDir
    Path tmp;

    /** In-memory labels standing in for security.selinux xattrs. */
    static final class FakeLabeler implements SelinuxFileLabeler {
        final Map<Path, String> labels = new HashMap<>();
        final List<Path> sets = new java.util.ArrayList<>();
        Path refuse;

        @Override
        public Optional<String> get(Path file) { return Optional.ofNullable(labels.get(file)); }

        @Override
        public void set(Path file, String label) throws java.io.IOException {
            if (file.equals(refuse)) throw new java.io.IOException("lsetxattr " + file + ": Operation not supported");
            sets.add(file);
            labels.put(file, label);
        }
    }

    static final UserDatabase USERS = new UserDatabase() {
        final PasswdEntry base = new PasswdEntry("xen-qemuuser-range-base", 65536, 65536, "", "/nonexistent", "/usr/sbin/nologin");

        @Override
        public Optional<PasswdEntry> byName(String name) { return name.equals(base.name()) ? Optional.of(base) : Optional.empty(); }

        @Override
        public Optional<PasswdEntry> byUid(int uid) { return uid == 65536 ? Optional.of(base) : Optional.empty(); }

        @Override
        public Optional<GroupEntry> groupByName(String name) { return Optional.empty(); }

        @Override
        public Optional<GroupEntry> groupByGid(int gid) { return Optional.empty(); }
    };

    private ConfinementPlan plan(FakeLabeler fl, SelinuxMcsAllocator mcs, String name, Path img) throws Exception {
        return plan(fl, mcs, name, List.of(img));
    }

    private ConfinementPlan plan(FakeLabeler fl, SelinuxMcsAllocator mcs, String name, List<Path> imgs) throws Exception {
        Path cfg = tmp.resolve(name + ".cfg");
        List<String> disks = new java.util.ArrayList<>();
        for (int i = 0; i < imgs.size(); i++) {
            disks.add("\"format=raw, vdev=hd" + (char) ('a' + i) + ", access=rw, target=" + imgs.get(i) + "\"");
        }
        Files.write(cfg, List.of("name = \"" + name + "\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ " + String.join(", ", disks) + " ]"));
        ParsedDomain pd = XlConfigLoader.load(cfg, List.of());
        HostFacts selinuxHost = new HostFacts(false, true, CgroupLayout.detect());
        StateStore store = new StateStore(tmp.resolve("run"), tmp.resolve("log"));
        List<ConfinementLayer> layers = List.of(new FdEnvLayer(), new SelinuxLayer(mcs, () -> fl));
        Path conf = tmp.resolve("dmjail.conf");
        Files.write(conf, List.of("image_dirs = " + tmp));
        return new Planner(HostConfigLoader.load(conf, true), selinuxHost, USERS, layers, store).plan(pd, 7, true);
    }

    @Test
    void uniqueCategoriesRelabelAndRestore() throws Exception {
        FakeLabeler fl = new FakeLabeler();
        Path img = tmp.resolve("a.img");
        Files.write(img, new byte[512]);
        fl.set(img, "system_u:object_r:virt_image_t:s0");
        SelinuxMcsAllocator mcs = new SelinuxMcsAllocator(Map::of);
        ConfinementPlan a = plan(fl, mcs, "sa", img);
        LayerPlan la = a.layer("selinux");
        assertEquals(LayerStatus.ENFORCED, la.status());
        SelinuxLayer.Settings s = la.settingsAs(SelinuxLayer.Settings.class);
        assertTrue(s.c1() < s.c2() && s.c2() < 1024, s.toString());
        assertEquals("system_u:system_r:svirt_t:s0:c" + s.c1() + ",c" + s.c2(), s.processLabel());
        assertEquals(List.of(img.toString()), s.images(), "logs are not relabelled, images are");

        ConfinementPlan b = plan(fl, mcs, "sb", tmp.resolve("a.img"));
        SelinuxLayer.Settings sb = b.layer("selinux").settingsAs(SelinuxLayer.Settings.class);
        assertNotEquals(s.c1() + "," + s.c2(), sb.c1() + "," + sb.c2(), "two running domains never share a pair");

        SelinuxLayer layer = new SelinuxLayer(mcs, () -> fl);
        DomainRuntime rt = new DomainRuntime("sa", 7, new StateStore(tmp.resolve("run"), tmp.resolve("log")).pathsOfKey("sa"));
        layer.prepareHost(la, rt);
        assertEquals("system_u:object_r:svirt_image_t:s0:c" + s.c1() + ",c" + s.c2(), fl.labels.get(img));
        assertTrue(Files.exists(rt.paths().dir().resolve("selinux-labels.json")), "original remembered before relabel");
        layer.release(la, rt);
        assertEquals("system_u:object_r:virt_image_t:s0", fl.labels.get(img), "restored on destroy");
        assertFalse(Files.exists(rt.paths().dir().resolve("selinux-labels.json")));
        layer.release(la, rt);  // idempotent
    }

    /**
     * Issue 10: a prepare refused half-way (the second image cannot be labelled) is rolled back for
     * the first image only; release never touches the image it did not relabel.
     */
    @Test
    void aRefusedRelabelIsRolledBackForWhatWasDoneOnly() throws Exception {
        FakeLabeler fl = new FakeLabeler();
        Path one = Files.write(tmp.resolve("one.img"), new byte[512]);
        Path two = Files.write(tmp.resolve("two.img"), new byte[512]);
        fl.labels.put(one, "system_u:object_r:virt_image_t:s0");
        fl.labels.put(two, "system_u:object_r:nfs_t:s0");
        SelinuxMcsAllocator mcs = new SelinuxMcsAllocator(Map::of);
        LayerPlan lp = plan(fl, mcs, "sr", List.of(one, two)).layer("selinux");
        SelinuxLayer layer = new SelinuxLayer(mcs, () -> fl);
        DomainRuntime rt = new DomainRuntime("sr", 8, new StateStore(tmp.resolve("run"), tmp.resolve("log")).pathsOfKey("sr"));
        fl.refuse = two;
        assertThrows(LayerException.class, () -> layer.prepareHost(lp, rt));
        assertEquals(List.of("label " + one), rt.prepared().snapshot().get("selinux"));
        fl.sets.clear();
        layer.release(lp, rt);
        assertEquals(List.of(one), fl.sets, "release restores the relabelled image only");
        assertEquals("system_u:object_r:virt_image_t:s0", fl.labels.get(one));
        assertEquals("system_u:object_r:nfs_t:s0", fl.labels.get(two), "the refused image was never touched");
    }

    @Test
    void verifyNeverClaimsALabelItDidNotObserve() throws Exception {
        FakeLabeler fl = new FakeLabeler();
        Path img = tmp.resolve("v.img");
        Files.write(img, new byte[512]);
        LayerPlan lp = plan(fl, new SelinuxMcsAllocator(Map::of), "sv", img).layer("selinux");
        LayerVerdict v = new SelinuxLayer(new SelinuxMcsAllocator(Map::of), () -> fl)
                .verify(lp, new ProcessView((int) ProcessHandle.current().pid()));
        assertEquals(LayerVerdict.Result.FAIL, v.result(), "this process has no svirt_t label: " + v);
    }

    @Test
    void allocatorSkipsPairsInUse() {
        Map<String, int[]> inUse = new HashMap<>();
        SelinuxMcsAllocator m = new SelinuxMcsAllocator(() -> inUse);
        for (int i = 0; i < 2000; i++) {
            int[] p = m.reserve("d" + i);
            for (int[] q : inUse.values()) {
                assertFalse(p[0] == q[0] && p[1] == q[1], "pair handed out twice");
            }
            inUse.put("d" + i, p);
        }
    }
}
