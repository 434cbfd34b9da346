package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qemu-monitor-command: xl's raw HMP passthrough answers, marks the domain tainted before the command
 * runs, and every later audit lists the command (text and JSON) while the layers still pass.
 */
class QemuMonitorCommandTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void theCommandIsAnsweredAndTheDomainMarkedTainted() throws Exception {
        TestHost host = new TestHost(tmp);
        Path img = Files.copy(ProofSupport.GUEST, tmp.resolve("qm.img"));
        Path cfg = host.domain("qm.cfg", "name = \"qm-guest\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]");
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            assertFalse(host.run("audit", "qm-guest").out().contains("TAINTED"), "not tainted before");
            CliRun r = host.run("qemu-monitor-command", "qm-guest", "info", "status");
            assertEquals(0, r.exit(), r.err());
            assertTrue(r.out().contains("VM status: running"), r.out());
            CliRun audit = host.run("audit", "qm-guest");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(audit.out().contains("TAINTED: qemu-monitor-command changed the device model outside the plan 1 time(s)")
                    && audit.out().contains(" info status"), audit.out());
            assertTrue(host.run("audit", "--json", "qm-guest").out().contains("info status"));
            CliRun bad = host.run("qemu-monitor-command", "qm-guest", "no-such-command");
            assertEquals(0, bad.exit(), "HMP answers unknown commands with text, as xl prints it: " + bad.err());
            assertTrue(bad.out().contains("unknown command"), bad.out());
        } finally {
            assertEquals(0, host.run("destroy", "qm-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "qm-guest", null));
    }
}
