package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xl's simple life-cycle commands against a real confined device model running the tiny demo guest
 * (a boot sector that prints one line and halts: no ACPI, so the power button does nothing).
 */
class LifecycleCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        RangeUsers.ensureInstalled();
    }

    private Path config(TestHost host, String name) throws Exception {
        Path img = tmp.resolve(name + ".img");
        Files.copy(Path.of(System.getProperty("dmjail.guest.image", "target/guest/hello-guest.img")), img);
        return host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]");
    }

    private static JsonNode listed(TestHost host, String name) throws Exception {
        for (JsonNode d : JSON.readTree(host.run("list", "--json").out())) {
            if (d.get("name").asText().equals(name)) return d;
        }
        return null;
    }

    private static String state(TestHost host, String name) throws Exception {
        JsonNode d = listed(host, name);
        return d == null ? null : d.get("state").asText();
    }

    /** The command failed with {@code exit} and said so in one line on stderr, nothing on stdout, no stack trace. */
    private static void oneLineError(CliRun r, int exit, String what) {
        assertEquals(exit, r.exit(), what + ": " + r);
        String err = r.err().strip();
        assertTrue(err.startsWith("dmjail: ") && !err.contains("\n") && !err.contains("Exception"), what + ": " + r);
    }

    private static void signal(int pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Integer.toString(pid)).inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "kill -" + sig + " " + pid);
    }

    @Test
    void pauseUnpauseResetRebootUptimeDomidDomname() throws Exception {
        TestHost host = new TestHost(tmp);
        String name = "lc-life";
        CliRun created = host.run("create", config(host, name).toString());
        assertEquals(0, created.exit(), created.toString());
        try {
            JsonNode d = listed(host, name);
            assertNotNull(d);
            int pid = d.get("pid").asInt();
            int domid = d.get("domid").asInt();
            assertEquals("running", d.get("state").asText());

            CliRun r = host.run("pause", name);
            assertEquals(0, r.exit(), r.toString());
            assertEquals("", r.out());
            assertEquals("paused", state(host, name));
            r = host.run("unpause", Integer.toString(domid)); // by domid too
            assertEquals(0, r.exit(), r.toString());
            assertEquals("running", state(host, name));

            r = host.run("reset", name);
            assertEquals(0, r.exit(), r.toString());
            assertEquals("running", state(host, name));
            assertEquals(pid, listed(host, name).get("pid").asInt(), "reset keeps the device model process");

            // reboot asks the guest (Ctrl-Alt-Delete); the halted boot sector ignores it and keeps running
            r = host.run("reboot", name);
            assertEquals(0, r.exit(), r.toString());
            assertEquals("Rebooting domain " + domid, r.out().strip());
            assertEquals("running", state(host, name));
            r = host.run("reboot", "-F", name);
            assertEquals(0, r.exit(), r.toString());
            assertEquals("running", state(host, name));
            assertEquals(pid, listed(host, name).get("pid").asInt(), "reboot keeps the device model process");

            r = host.run("uptime");
            assertEquals(0, r.exit(), r.toString());
            List<String> lines = r.out().lines().toList();
            assertTrue(lines.get(0).matches("Name\\s+ID Uptime"), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.matches(name + "\\s+" + domid + "\\s+\\d+:\\d\\d:\\d\\d")), r.out());
            r = host.run("uptime", "--json", name);
            assertEquals(0, r.exit(), r.toString());
            JsonNode up = JSON.readTree(r.out()).get(0);
            assertEquals(name, up.get("name").asText());
            assertTrue(up.get("uptime_seconds").isIntegralNumber() && up.get("uptime_seconds").asLong() >= 0
                    && up.get("uptime_seconds").asLong() < 600, r.out());
            r = host.run("uptime", "-s", name);
            assertTrue(r.out().matches(" \\d\\d:\\d\\d:\\d\\d up +\\d+:\\d\\d, " + name + " \\(" + domid + "\\)\\n"), r.out());

            r = host.run("domid", name);
            assertEquals(0, r.exit(), r.toString());
            assertEquals(domid + "\n", r.out());
            r = host.run("domname", Integer.toString(domid));
            assertEquals(0, r.exit(), r.toString());
            assertEquals(name + "\n", r.out());

            // a device model that does not answer QMP (stopped by SIGSTOP): exit 1, one line, in bounded time
            signal(pid, "STOP");
            try {
                long t0 = System.nanoTime();
                oneLineError(host.run("pause", name), ExitCodes.FAILED, "pause of an unresponsive device model");
                assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "bounded by the QMP deadline");
            } finally {
                signal(pid, "CONT");
            }
            assertEquals("running", state(host, name));

            // the tiny guest has no ACPI: the power button does nothing, -w times out clearly, the domain stays
            r = host.run("shutdown", "-w", "--timeout", "2", name);
            oneLineError(r, ExitCodes.FAILED, "shutdown -w of a guest without ACPI");
            assertTrue(r.err().contains("did not power off within 2 s"), r.err());
            assertEquals("running", state(host, name));
            assertEquals(pid, listed(host, name).get("pid").asInt());
            CliRun audit = host.run("audit", name);
            assertEquals(0, audit.exit(), "still confined after the timeout: " + audit);
            r = host.run("shutdown", "-F", name); // without -w: the button is pressed, the command returns
            assertEquals(0, r.exit(), r.toString());
            assertEquals("Shutting down domain " + domid, r.out().strip());
        } finally {
            assertEquals(0, host.run("destroy", name).exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
    }

    /** shutdown -w waiting when the device model exits (here: QMP quit, as a guest's power-off ends QEMU) cleans up as destroy. */
    @Test
    void shutdownWaitCleansUpWhenTheDeviceModelExits() throws Exception {
        TestHost host = new TestHost(tmp);
        String name = "lc-off";
        assertEquals(0, host.run("create", config(host, name).toString()).exit());
        Integer uid = null;
        try {
            JsonNode d = listed(host, name);
            uid = d.get("uid").isNull() ? null : d.get("uid").asInt();
            int pid = d.get("pid").asInt();
            CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(
                    () -> host.run("shutdown", "-w", "--timeout", "30", name));
            Thread.sleep(1500); // the button is pressed and the command waits (the guest ignores the button)
            RunStateTest.qmp(host.stateDir.resolve("domains/" + name + "/qmp.sock"), "quit");
            CliRun r = waiting.get(60, TimeUnit.SECONDS);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("Shutting down domain") && r.out().contains("has powered off")
                    && r.out().contains("Destroyed domain " + name), r.out());
            assertTrue(!new dev.dmjail.toolstack.proc.ProcessView(pid).alive(), "device model gone (at most a zombie)");
            assertNull(listed(host, name));
            assertEquals(List.of(), ProofSupport.leftovers(host, name, uid));

            // gone: every command says so in one line with exit 3
            for (String[] cmd : List.of(new String[] {"pause", name}, new String[] {"unpause", name},
                    new String[] {"reset", name}, new String[] {"reboot", name}, new String[] {"shutdown", "-w", name},
                    new String[] {"uptime", name}, new String[] {"domid", name}, new String[] {"domname", "32000"})) {
                oneLineError(host.run(cmd), ExitCodes.NOT_FOUND, String.join(" ", cmd));
            }
            oneLineError(host.run("domname", "lc-off"), ExitCodes.BAD_CONFIG, "domname of a non-number");
        } finally {
            assertEquals(0, host.run("destroy", name).exit());
        }
    }

    /** A device model that has already exited: shutdown -w only cleans up; without -w it says what to do. */
    @Test
    void shutdownWaitAfterTheDeviceModelHasExited() throws Exception {
        TestHost host = new TestHost(tmp);
        String name = "lc-gone";
        assertEquals(0, host.run("create", config(host, name).toString()).exit());
        try {
            JsonNode d = listed(host, name);
            Integer uid = d.get("uid").isNull() ? null : d.get("uid").asInt();
            int pid = d.get("pid").asInt();
            RunStateTest.qmp(host.stateDir.resolve("domains/" + name + "/qmp.sock"), "quit");
            // watched by pid, not by list: list cleans up a domain whose device model is gone (GoneDomains)
            long end = System.nanoTime() + 10_000_000_000L;
            while (new dev.dmjail.toolstack.proc.ProcessView(pid).alive() && System.nanoTime() < end) Thread.sleep(50);
            oneLineError(host.run("pause", name), ExitCodes.FAILED, "pause of an exited device model");
            oneLineError(host.run("shutdown", name), ExitCodes.FAILED, "shutdown without -w of an exited device model");
            CliRun r = host.run("shutdown", "--wait", name);
            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains("has already powered off") && r.out().contains("Destroyed domain " + name), r.out());
            assertNull(listed(host, name));
            assertEquals(List.of(), ProofSupport.leftovers(host, name, uid));
        } finally {
            assertEquals(0, host.run("destroy", name).exit());
        }
    }
}
