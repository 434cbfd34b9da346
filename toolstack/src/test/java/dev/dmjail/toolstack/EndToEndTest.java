package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.uidrange.PosixUserDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two real domains at once: real QEMU, real cgroups, namespaces and setuid, checked from /proc by
 * this test itself (not by dmjail's audit), then destroyed, after which nothing of them may remain.
 */
class EndToEndTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path GUEST = Path.of(System.getProperty("dmjail.guest.image", "target/guest/hello-guest.img"));

    @TempDir
    Path tmp;
    TestHost host;
    final List<String> created = new ArrayList<>();

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @AfterEach
    void destroyLeftovers() {
        for (String n : created) {
            host.run("destroy", n);
        }
    }

    private Path domainConfig(String name) throws IOException {
        Path img = tmp.resolve(name + ".img");
        Files.copy(GUEST, img);
        Files.setPosixFilePermissions(img, PosixFilePermissions.fromString("rw-r-----"));
        return host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32", "vcpus = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]", "serial = \"pty\"",
                "vnc = 0", "boot = \"c\"", "dm_restrict = 1");
    }

    /**
     * Under forced TCG on every host, and under KVM where KVM runs a guest (skipped with the reason
     * elsewhere): under TCG /dev/kvm is neither in the private /dev nor in the cgroup ACL; under KVM
     * it is the one node added, in both.
     */
    @ParameterizedTest(name = "accel = {0}")
    @MethodSource("dev.dmjail.toolstack.HostExpect#accelerators")
    void twoConfinedDomainsThenNothingLeft(String accel) throws Exception {
        HostExpect.assumeAccelerator(accel);
        host = new TestHost(tmp, HostExpect.accelLine(accel));
        Path a = domainConfig("e2e-a");
        Path b = domainConfig("e2e-b");
        Map<String, Object> imgBefore = Files.readAttributes(tmp.resolve("e2e-a.img"), "unix:uid,gid,mode");
        CompletableFuture<CliRun> ca = CompletableFuture.supplyAsync(() -> host.run("create", a.toString()));
        CompletableFuture<CliRun> cb = CompletableFuture.supplyAsync(() -> host.run("create", b.toString()));
        created.add("e2e-a");
        created.add("e2e-b");
        CliRun ra = ca.get();
        CliRun rb = cb.get();
        assertEquals(0, ra.exit(), ra.err() + ra.out());
        assertEquals(0, rb.exit(), rb.err() + rb.out());

        JsonNode list = JSON.readTree(host.run("list", "--json").out());
        assertEquals(2, list.size());
        int base = new PosixUserDatabase().byName("xen-qemuuser-range-base").orElseThrow().uid();
        Set<Integer> domids = new TreeSet<>();
        Set<String> netns = new TreeSet<>();
        Set<String> mntns = new TreeSet<>();
        for (JsonNode d : list) {
            String name = d.get("name").asText();
            int domid = d.get("domid").asInt();
            long pid = d.get("pid").asLong();
            int uid = d.get("uid").asInt();
            domids.add(domid);
            assertEquals("running", d.get("state").asText());
            assertEquals(base + domid, uid, "uid is range base + domid");
            for (Map<String, String> t : ProcFacts.threads(pid)) {
                String ids = uid + "\t" + uid + "\t" + uid + "\t" + uid;
                assertEquals(ids, t.get("Uid"));
                assertEquals(ids, t.get("Gid"));
                assertEquals("", t.get("Groups"));
                assertEquals("0000000000000000", t.get("CapEff"));
                assertEquals("0000000000000000", t.get("CapPrm"));
                assertEquals("0000000000000000", t.get("CapBnd"));
                assertEquals("0000000000000000", t.get("CapAmb"));
                assertEquals("1", t.get("NoNewPrivs"));
                assertEquals("2", t.get("Seccomp"));
            }
            Map<String, String> st = ProcFacts.status(Path.of("/proc/" + pid + "/status"));
            assertTrue(st.get("NSpid").endsWith("\t1"), "pid 1 of its own pid namespace: " + st.get("NSpid"));
            for (String ns : List.of("mnt", "ipc", "uts", "net", "pid")) {
                assertNotEquals(ProcFacts.ns(ProcessHandle.current().pid(), ns), ProcFacts.ns(pid, ns), ns);
            }
            assertTrue(netns.add(ProcFacts.ns(pid, "net")), "each domain has its own net namespace");
            assertTrue(mntns.add(ProcFacts.ns(pid, "mnt")), "each domain has its own mount namespace");
            assertEquals(accel, HostExpect.plannedAccel(host, name), "the host config pins the accelerator");
            String cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
            for (String member : HostExpect.cgroupMembership(name)) {
                assertTrue(cg.contains(member + "\n"), member + " in " + cg);
            }
            assertEquals(Long.toString((32 + 384) * 1024L * 1024),
                    Files.readString(HostExpect.memoryLimitFile(name)).trim());
            assertEquals("128", Files.readString(HostExpect.cgroupDir("pids", name).resolve("pids.max")).trim());
            Path devices = HostExpect.cgroupDir("devices", name);
            if (devices != null && HostExpect.FACTS.cgroups().v1().containsKey("devices")) {
                // v1 shows the allow-list; on v2 it is a BPF program, which the audit checks is attached.
                List<String> acl = Files.readAllLines(devices.resolve("devices.list"));
                if (HostExpect.isCharDevice(Path.of("/dev/kvm"))) {
                    String kvm = HostExpect.deviceListEntry("/dev/kvm");
                    List<String> others = new ArrayList<>();
                    for (String n : HostExpect.privateDev("tcg")) others.add(HostExpect.deviceListEntry("/dev/" + n));
                    if (!others.contains(kvm)) { // a /dev/kvm that is another node (a test rig's bind mount) proves nothing
                        assertEquals(accel.equals("kvm"), acl.contains(kvm), "/dev/kvm in the cgroup ACL iff KVM is used: " + acl);
                    }
                }
            }
            TreeSet<String> top = ProcFacts.list(Path.of("/proc/" + pid + "/root"));
            assertFalse(top.contains("etc") || top.contains("home") || top.contains("root") || top.contains("proc")
                    || top.contains("run") || top.contains("var"), "root holds host dirs: " + top);
            assertEquals(HostExpect.privateDev(accel), ProcFacts.list(Path.of("/proc/" + pid + "/root/dev")),
                    "the private /dev under " + accel);
            assertEquals("0/0", ProcFacts.limit(pid, "Max core file size"));
            assertEquals("0/0", ProcFacts.limit(pid, "Max locked memory"));
            assertEquals(0, host.run("audit", name).exit(), host.run("audit", "-a", name).out());
        }
        assertEquals(2, domids.size(), "unique domids");
        for (String name : List.of("e2e-a", "e2e-b")) {
            assertTrue(waitForConsole(name, "dmjail-guest: hello from a confined domain"),
                    "the guest's serial line arrives: " + host.run("console", "-r", name).out());
        }

        List<Integer> uids = new ArrayList<>();
        list.forEach(d -> uids.add(d.get("uid").asInt()));
        for (String name : List.of("e2e-a", "e2e-b")) {
            CliRun d = host.run("destroy", name);
            assertEquals(0, d.exit(), d.err());
        }
        for (int uid : uids) {
            assertEquals(List.of(), ProcFacts.processesOfUid(uid), "processes of uid " + uid + " after destroy");
        }
        for (String name : List.of("e2e-a", "e2e-b")) {
            for (Path cgDir : HostExpect.cgroupDirs(name)) {
                assertFalse(Files.exists(cgDir), cgDir + " left");
            }
            assertFalse(Files.exists(host.stateDir.resolve("domains").resolve(name)), "state left");
            assertTrue(Files.exists(host.logDir.resolve(name + ".log")), "the log is kept after destroy");
        }
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertFalse(mounts.contains(host.stateDir.toString()), "a mount under the state dir is left on the host");
        assertEquals(imgBefore, Files.readAttributes(tmp.resolve("e2e-a.img"), "unix:uid,gid,mode"),
                "the disk image's owner and mode are unchanged");
        assertEquals("[ ]", host.run("list", "--json").out().trim());
        created.clear();
    }

    @Test
    void guestNicIsATapOnTheHostBridgeAndTheDeviceModelHasNoNetwork() throws Exception {
        host = new TestHost(tmp);
        String bridge = "brdmj" + (ProcessHandle.current().pid() % 10000);
        run("ip", "link", "add", bridge, "type", "bridge");
        try {
            Path img = tmp.resolve("net.img");
            Files.copy(GUEST, img);
            Path cfg = host.domain("net.cfg", "name = \"e2e-net\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]",
                    "vif = [ \"bridge=" + bridge + ",mac=00:16:3e:12:34:56,model=e1000\" ]");
            created.add("e2e-net");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(0, r.exit(), r.err());
            JsonNode d = JSON.readTree(host.run("list", "--json").out()).get(0);
            String tap = "vif" + d.get("domid").asInt() + ".0";
            assertEquals(bridge, Files.readSymbolicLink(Path.of("/sys/class/net", tap, "master")).getFileName().toString());
            long pid = d.get("pid").asLong();
            boolean tun = false;
            for (String target : ProcFacts.fdTargets(pid)) {
                tun |= target.equals("/dev/net/tun");
            }
            assertTrue(tun, "QEMU holds the tap fd");
            // Its own network namespace holds nothing but loopback: the NIC is only an fd.
            List<String> ifaces = new ArrayList<>();
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/net/dev")).subList(2, 3)) {
                ifaces.add(l.trim().split(":")[0]);
            }
            assertEquals(3, Files.readAllLines(Path.of("/proc/" + pid + "/net/dev")).size(), "only lo in its netns");
            assertEquals(List.of("lo"), ifaces);
            assertEquals(0, host.run("destroy", "e2e-net").exit());
            assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "tap interface left on the host");
            created.clear();

            Path nob = host.domain("nobridge.cfg", "name = \"e2e-nobr\"", "type = \"hvm\"", "dm_restrict = 1",
                    "vif = [ \"bridge=nosuchbr0\" ]");
            CliRun f = host.run("create", nob.toString());
            // refused by the plan, before anything is allocated (a host fact, so the dry run only warns)
            assertEquals(ExitCodes.BAD_CONFIG, f.exit(), f.err());
            assertTrue(f.err().contains(nob + ":4: vif: vif 0: bridge nosuchbr0 does not exist"), f.err());
            assertNothingLeft("e2e-nobr");
        } finally {
            run("ip", "link", "del", bridge);
        }
    }

    private static void run(String... cmd) throws Exception {
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), String.join(" ", cmd));
    }

    private boolean waitForConsole(String name, String line) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (host.run("console", "-r", name).out().contains(line)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void deviceModelThatExitsFailsCreateAndLeavesNothing() throws Exception {
        host = new TestHost(tmp);
        Path cfg = host.domain("quits.cfg", "name = \"e2e-quits\"", "type = \"hvm\"", "dm_restrict = 1",
                "device_model_override = \"/bin/false\"");
        long t0 = System.nanoTime();
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        assertTrue(r.err().contains("exited during start-up") && r.err().contains(host.logDir.resolve("e2e-quits.log").toString()),
                r.err());
        assertTrue(System.nanoTime() - t0 < 60_000_000_000L);
        assertNothingLeft("e2e-quits");
    }

    @Test
    void deviceModelThatNeverAnswersQmpFailsWithinTheTimeout() throws Exception {
        host = new TestHost(tmp, "qmp_timeout_ms = 1500");
        Path src = tmp.resolve("hang.c");
        Files.writeString(src, "#include <unistd.h>\nint main(void) { for (;;) pause(); }\n");
        // Under /tmp on purpose: the device model's root has its own /tmp, mounted below the binds.
        Path bin = tmp.resolve("hang");
        Process gcc = new ProcessBuilder("gcc", "-O", "-o", bin.toString(), src.toString()).inheritIO().start();
        assertEquals(0, gcc.waitFor());
        Path cfg = host.domain("hang.cfg", "name = \"e2e-hang\"", "type = \"hvm\"", "dm_restrict = 1",
                "device_model_override = \"" + bin + "\"");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        assertTrue(r.err().contains("did not answer QMP within 1500 ms"), r.err());
        assertNothingLeft("e2e-hang");
    }

    private void assertNothingLeft(String name) throws IOException {
        assertFalse(Files.exists(host.stateDir.resolve("domains").resolve(name)), "state left");
        for (Path cgDir : HostExpect.cgroupDirs(name)) {
            assertFalse(Files.exists(cgDir), cgDir + " left");
        }
        // no device model of this domain (its argv names it: -name guest=NAME,...) is alive anywhere
        for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
            String args = h.info().arguments().map(a -> String.join(" ", a)).orElse("");
            assertFalse(h.isAlive() && args.contains("guest=" + name + ","), "device model left: pid " + h.pid());
        }
        assertEquals("[ ]", host.run("list", "--json").out().trim());
    }
}
