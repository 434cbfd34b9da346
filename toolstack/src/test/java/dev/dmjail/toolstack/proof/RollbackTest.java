package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.HostExpect;
import dev.dmjail.toolstack.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, the bug: a failed create released every layer, including what it had refused to touch
 * (a pre-existing interface was deleted, the processes of a pre-existing cgroup were killed).
 * Release now undoes exactly what prepare recorded as done. For each layer whose prepare can refuse a
 * host object that is already there, the object must survive the refused create untouched.
 * (The SELinux layer's case — a relabel refused half-way — is SelinuxLayerTest's, with a fake labeler.)
 */
class RollbackTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void aRefusedTapLeavesTheExistingInterface() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        long id = ProcessHandle.current().pid() % 10000;
        String bridge = "brrb" + id;
        String victim = "victim" + id;
        try {
            sh("ip", "link", "add", bridge, "type", "bridge");
            sh("ip", "link", "add", victim, "type", "bridge"); // any interface of that name (no dummy module here)
            Path cfg = host.domain("rb-net.cfg", "name = \"rb-net\"", "type = \"hvm\"", "dm_restrict = 1",
                    "vif = [ \"bridge=" + bridge + ",vifname=" + victim + "\" ]");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(ExitCodes.FAILED, r.exit(), r.out());
            assertTrue(r.err().contains("interface " + victim + " already exists"), r.err());
            assertTrue(Files.exists(Path.of("/sys/class/net", victim)), "the pre-existing " + victim + " was deleted");
            assertEquals(List.of(), ProofSupport.leftovers(host, "rb-net", null));
        } finally {
            new ProcessBuilder("ip", "link", "del", victim).start().waitFor();
            new ProcessBuilder("ip", "link", "del", bridge).start().waitFor();
        }
    }

    @Test
    void aRefusedCgroupKeepsItsProcesses() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        Path group = HostExpect.cgroupDir("pids", "rb-cg");
        Files.createDirectories(group);
        Process sleeper = new ProcessBuilder("sleep", "600").start();
        try {
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
            Path cfg = host.domain("rb-cg.cfg", "name = \"rb-cg\"", "type = \"hvm\"", "dm_restrict = 1");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(ExitCodes.FAILED, r.exit(), r.out());
            assertTrue(r.err().contains("already exists and holds processes"), r.err());
            Thread.sleep(200);
            assertTrue(sleeper.isAlive(), "the refused cgroup's process was killed");
            assertTrue(Files.readString(group.resolve("cgroup.procs")).contains(Long.toString(sleeper.pid())));
            for (Path other : HostExpect.cgroupDirs("rb-cg")) {
                if (!other.equals(group)) {
                    assertTrue(!Files.exists(other), "a group this create made is left: " + other);
                }
            }
        } finally {
            sleeper.destroyForcibly();
            sleeper.waitFor(10, TimeUnit.SECONDS);
            for (int i = 0; i < 100 && Files.exists(group); i++) {
                try {
                    Files.delete(group);
                } catch (java.io.IOException busy) {
                    Thread.sleep(20);
                }
            }
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "rb-cg", null));
    }

    /** Destroy removes the domain's state dir whole: so create refuses one it did not make. */
    @Test
    void aRefusedStateDirectoryIsLeftAsItWas() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        // something already sits where the domain's state (and its bounded log mount) would go
        Path dir = Files.createDirectories(host.stateDir.resolve("domains").resolve("rb-dir").resolve("log-fs"));
        Path file = Files.writeString(dir.resolve("precious"), "do not delete");
        Path cfg = host.domain("rb-dir.cfg", "name = \"rb-dir\"", "type = \"hvm\"", "dm_restrict = 1");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        assertTrue(r.err().contains("already exists without a domain's state in it"), r.err());
        assertEquals("do not delete", Files.readString(file), "the pre-existing directory's content");
        assertTrue(!BoundedOutputMounts.mountedUnder(dir), "a tmpfs was left on it");
        for (Path cg : HostExpect.cgroupDirs("rb-dir")) {
            assertTrue(!Files.exists(cg), "cgroup left: " + cg);
        }
    }

    /** Reads the host's mount table directly. */
    static final class BoundedOutputMounts {
        static boolean mountedUnder(Path dir) throws java.io.IOException {
            for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = l.split(" ");
                if (f.length > 4 && f[4].startsWith(dir.toString())) return true;
            }
            return false;
        }
    }
}
