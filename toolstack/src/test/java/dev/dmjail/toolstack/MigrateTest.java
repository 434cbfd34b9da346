package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.proof.SubprocessCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * migrate of a real Debian guest (TCG) whose /init counts in a shell variable (guest memory) and prints
 * the count each second on its serial line, on one host:
 * <ol>
 * <li>a stream broken half-way (a transport that passes a few KiB and closes) leaves the sender running,
 *     counting, audit PASS, and nothing of the receiver;</li>
 * <li>{@code migrate NAME localhost} (the receiver a child process): the receiver is stopped where its
 *     device model is up and has not read a byte of the state, and checked there from /proc and by the audit;
 *     let go, the count goes on in the received domain with no second boot, its audit passes, the sender is gone,
 *     and the received domain has taken the name (xl's swap: NAME--migratedaway there, NAME--incoming here);</li>
 * <li>the same through {@code -s} and a fake ssh that drops the host and runs the remote words here: xl's
 *     rune and handshake over a real pair of pipes through a shell.</li>
 * </ol>
 */
class MigrateTest {

    private static final CountingGuest GUEST = new CountingGuest("mg");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void aMigratedGuestGoesOnCountingAndABrokenStreamLeavesTheSender() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg");
        Path cfg = GuestKernel.domain(host, tmp, "mg-guest", GUEST.init(), List.of(), "memory = 128",
                "extra = \"console=ttyS0 quiet\"");
        Path fakeSsh = script("fake-ssh", "shift", "[ \"$1\" = dmjail ] || { echo \"fake ssh: not dmjail: $*\" >&2; exit 97; }",
                "shift", "exec " + dmjail(host) + " \"$@\"");
        // passes the first few reads of the stream (the header and a little of the state), then closes it
        Path brokenSsh = script("broken-ssh", "shift", "shift", "dd bs=4096 count=40 2>/dev/null | " + dmjail(host) + " \"$@\"");
        // host paths are named by a domain's key, fixed at create: the sender's and each receiver's differ
        java.util.Set<String> keys = new java.util.LinkedHashSet<>(List.of("mg-guest", "mg-guest--incoming"));
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "mg-guest", GUEST.tick(3), 240).contains(GUEST.tick(3)));

            // 1. the stream breaks: the sender resumes and stays the domain; the receiver leaves nothing
            CliRun broken = host.run("migrate", "-s", brokenSsh.toString(), "mg-guest", "otherhost");
            assertEquals(ExitCodes.FAILED, broken.exit(), broken.err());
            assertTrue(broken.err().contains("resumed at sender"), broken.err());
            assertTrue(broken.err().contains("the received domain was destroyed"), "the receiver cleaned up: " + broken.err());
            assertEquals(List.of("mg-guest"), listedNames(host));
            assertEquals("running", ProofSupport.listed(host, "mg-guest").get("state").asText());
            assertEquals(List.of(), ProofSupport.leftovers(host, "mg-guest--incoming", null), "nothing of the receiver");
            int atBreak = GUEST.last(console(host, "mg-guest"));
            assertTrue(KernelBootTest.waitForConsole(host, "mg-guest", GUEST.tick(atBreak + 2), 60)
                    .contains(GUEST.tick(atBreak + 2)), "the sender goes on counting");
            CliRun audit = host.run("audit", "mg-guest");
            assertEquals(0, audit.exit(), audit.out());

            // 2. localhost: the receiver stopped with its device model confined and the stream not yet read
            Process p = SubprocessCli.start(host, Map.of("DMJAIL_STOP", "migrate-receive.confined"),
                    "migrate", "mg-guest", "localhost");
            long t0 = System.nanoTime();
            long receiver = Toolstacks.awaitStopped(host, "migrate-receive", 120);
            JsonNode incoming = ProofSupport.listed(host, "mg-guest--incoming");
            assertEquals("inmigrate", incoming.get("state").asText(), "its device model is up and waits for a stream it "
                    + "does not have yet: " + incoming);
            Toolstacks.assertConfined(incoming.get("pid").asLong(), incoming.get("uid").asInt(), incoming.get("domid").asInt());
            CliRun before = host.run("audit", "mg-guest--incoming");
            assertEquals(0, before.exit(), "audited before a byte of the state is read: " + before.out());
            int sent = GUEST.last(console(host, "mg-guest"));
            Toolstacks.resume(receiver);
            SubprocessCli.Result m = SubprocessCli.finish(p, t0);
            assertEquals(0, m.exit(), m.err());
            assertTrue(m.err().contains("Migration successful."), m.err());
            // xl's swap: the sender was NAME--migratedaway, the received domain (key NAME--incoming) is NAME now
            assertEquals(List.of("mg-guest"), listedNames(host));
            assertEquals("mg-guest--incoming", ProofSupport.listed(host, "mg-guest").get("key").asText());
            assertEquals(List.of(), ProofSupport.leftovers(host, "mg-guest", null), "the sender (key mg-guest) is gone");
            String received = KernelBootTest.waitForConsole(host, "mg-guest", GUEST.tick(sent + 3), 120);
            assertTrue(GUEST.last(received) > sent, "the count goes on after the migration: sent at " + sent + ", " + received);
            assertFalse(received.contains(GUEST.boot()), "no second boot: " + received);
            assertTrue(GUEST.first(received) > 3, "the received domain starts counting where the sender was: " + received);
            CliRun after = host.run("audit", "-a", "mg-guest");
            assertEquals(0, after.exit(), after.out());

            // 3. over "ssh": the same handshake through a shell and a transport process
            int sent2 = GUEST.last(console(host, "mg-guest"));
            long senderPid = ProofSupport.listed(host, "mg-guest").get("pid").asLong();
            CliRun viaSsh = host.run("migrate", "-s", fakeSsh.toString(), "mg-guest", "otherhost");
            assertEquals(0, viaSsh.exit(), viaSsh.err());
            assertEquals(List.of("mg-guest"), listedNames(host));
            String key = ProofSupport.listed(host, "mg-guest").get("key").asText();
            keys.add(key);
            assertFalse(key.equals("mg-guest--incoming"), "a new domain received it: " + key);
            // the second sender is gone (its key's paths; its -name is the new receiver's too: NAME--incoming)
            assertFalse(liveNotZombie(senderPid), "sender pid " + senderPid);
            assertFalse(Files.exists(host.stateDir.resolve("domains").resolve("mg-guest--incoming")));
            for (Path cg : HostExpect.cgroupDirs("mg-guest--incoming")) {
                assertFalse(Files.exists(cg), cg.toString());
            }
            String again = KernelBootTest.waitForConsole(host, "mg-guest", GUEST.tick(sent2 + 3), 120);
            assertTrue(GUEST.last(again) > sent2 && !again.contains(GUEST.boot()), again);
            assertEquals(0, host.run("audit", "mg-guest").exit());
        } finally {
            for (JsonNode d : ProofSupport.list(host)) {
                keys.add(d.get("key").asText());
                host.run("destroy", d.get("domid").asText());
            }
        }
        for (String k : keys) {
            assertEquals(List.of(), ProofSupport.leftovers(host, k, null), k);
        }
        assertTrue(Toolstacks.running(host, "migrate-receive").isEmpty(), "no receiver left running");
        assertNull(ProofSupport.listed(host, "mg-guest"));
    }

    @Test
    void xlOptionsDmjailCannotHonourAreRefusedWithTheReason() throws Exception {
        TestHost host = new TestHost(tmp);
        CliRun d = host.run("migrate", "-D", "mg-none", "localhost");
        assertEquals(ExitCodes.BAD_CONFIG, d.exit());
        assertTrue(d.err().contains("-D is not supported") && d.err().contains("uid"), d.err());
        CliRun debug = host.run("migrate", "--debug", "mg-none", "localhost");
        assertEquals(ExitCodes.BAD_CONFIG, debug.exit());
        assertTrue(debug.err().contains("--debug is not supported"), debug.err());
        CliRun rd = host.run("migrate-receive", "-d");
        assertEquals(ExitCodes.BAD_CONFIG, rd.exit());
        CliRun t = host.run("migrate", "--timeout", "0", "mg-none", "localhost");
        assertEquals(ExitCodes.BAD_CONFIG, t.exit(), t.err());
        CliRun none = host.run("migrate", "-e", "-F", "--live", "mg-none", "localhost");
        assertEquals(ExitCodes.NOT_FOUND, none.exit(), none.err());
        assertEquals("[ ]", host.run("list", "--json").out().trim());
    }

    /** Alive and not a zombie (the host's init reaps a device model whose launcher is gone). */
    private static boolean liveNotZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException gone) {
            return false;
        }
    }

    private static String dmjail(TestHost host) {
        return SubprocessCli.command(host).stream().map(a -> "'" + a.replace("'", "'\\''") + "'")
                .collect(Collectors.joining(" "));
    }

    private Path script(String name, String... lines) throws Exception {
        List<String> all = new ArrayList<>(List.of("#!/bin/sh"));
        all.addAll(List.of(lines));
        Path p = Files.write(tmp.resolve(name), all);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static List<String> listedNames(TestHost host) throws Exception {
        List<String> out = new ArrayList<>();
        ProofSupport.list(host).forEach(d -> out.add(d.get("name").asText()));
        return out;
    }

    private static String console(TestHost host, String name) {
        return host.run("console", "-r", name).out();
    }


}
