package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import dev.dmjail.toolstack.Toolstacks;
import dev.dmjail.toolstack.lifecycle.FaultPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toolstack killed (DMJAIL_FAULT: Runtime.halt) at every point of restore and of both sides of a
 * local migrate leaves nothing that destroy does not clean: no process, cgroup, mount or state of the
 * sender, of the receiver's NAME--incoming, or of the restored domain. A receiver killed before the go
 * leaves the sender resumed and running (audit PASS); one killed after it leaves the sender paused and
 * the "final handshake" failure said, as xl does (two running copies would share the disk).
 */
class IncomingFaultTest {

    @TempDir
    static Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    @Test
    void theToolstackKilledAtEveryPointOfRestoreAndMigrateLeavesWhatDestroyCleans() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        for (String point : FaultPoint.INCOMING_POINTS) {
            String name = "mgf-" + point.replace('.', '-');
            Path img = tmp.resolve(name + ".img");
            Files.copy(ProofSupport.GUEST, img);
            Path cfg = host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32",
                    "dm_restrict = 1", "serial = \"pty\"", "boot = \"c\"",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]");
            CliRun c = host.run("create", cfg.toString());
            assertEquals(0, c.exit(), point + ": " + c.err());
            // the keys the sender's and the receiver's host paths are named by, whatever their names become
            List<String> keys = List.of(name, name + "--incoming");
            try {
                fault(host, point, name);
            } catch (AssertionError | Exception e) {
                Toolstacks.awaitNone(host, "migrate-receive", 90);
                destroyAll(host);
                throw e;
            }
            for (CliRun d : destroyAll(host)) {
                assertEquals(0, d.exit(), point + ": destroy: " + d.err());
            }
            List<String> left = new ArrayList<>();
            for (String k : keys) {
                left.addAll(ProofSupport.leftovers(host, k, null));
            }
            assertEquals(List.of(), left, point + ": left behind");
            assertEquals("[ ]", host.run("list", "--json").out().trim(), point);
        }
    }

    /** Destroys every domain listed (by domid: after a fault their names are whatever the swap left). */
    private static List<CliRun> destroyAll(TestHost host) throws Exception {
        List<CliRun> out = new ArrayList<>();
        for (JsonNode d : ProofSupport.list(host)) {
            out.add(host.run("destroy", d.get("domid").asText()));
        }
        return out;
    }

    /** Runs the command that halts at {@code point} and checks what the side that lives on says and does. */
    private static void fault(TestHost host, String point, String name) throws Exception {
        if (point.startsWith("restore.")) {
            Path save = tmp.resolve(name + ".save");
            CliRun s = host.run("save", name, save.toString());
            assertEquals(0, s.exit(), point + ": " + s.err());
            SubprocessCli.Result r = SubprocessCli.run(host, Map.of("DMJAIL_FAULT", point), "restore", save.toString());
            assertEquals(137, r.exit(), point + ": the toolstack should halt there: " + r.err());
        } else {
            SubprocessCli.Result r = SubprocessCli.run(host, Map.of("DMJAIL_FAULT", point), "migrate", name, "localhost");
            if (point.startsWith("migrate.")) {
                assertEquals(137, r.exit(), point + ": the sender should halt there: " + r.err());
            } else {
                // the receiver halted; the sender lives on and says what became of its domain
                assertEquals(ExitCodes.FAILED, r.exit(), point + ": " + r.err());
                if (point.equals("migrate-receive.go")) {
                    JsonNode sender = ProofSupport.listed(host, name + "--migratedaway"); // renamed before the go
                    assertTrue(r.err().contains("final handshake"), point + ": " + r.err());
                    assertEquals("postmigrate", sender.get("state").asText(), point + ": never resumed after the go");
                } else {
                    JsonNode sender = ProofSupport.listed(host, name);
                    assertTrue(r.err().contains("resumed at sender"), point + ": " + r.err());
                    assertEquals("running", sender.get("state").asText(), point + ": the sender resumed");
                    CliRun audit = host.run("audit", name);
                    assertEquals(0, audit.exit(), point + ": " + audit.out());
                }
            }
            // a receiver whose sender died cleans up on its own; wait for it before judging what is left
            assertTrue(Toolstacks.awaitNone(host, "migrate-receive", 90), point + ": a receiver still runs");
        }
    }
}
