package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vcpu-set with a real Debian guest (TCG) started with vcpus = 1, maxvcpus = 3: the guest sees two
 * vCPUs arrive (and brings them online) and leave again; list follows; more than maxvcpus is refused;
 * the audit passes with the new vCPU threads.
 */
class VcpuSetTest {

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys",
            "while true; do",
            "  for c in /sys/devices/system/cpu/cpu[0-9]*; do",
            "    [ -e $c/online ] && [ \"$(busybox cat $c/online)\" = 0 ] && echo 1 > $c/online",
            "  done",
            "  echo \"vc-online: $(busybox cat /sys/devices/system/cpu/online).\"; busybox sleep 1",
            "done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void vcpusArriveAndLeave() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = GuestKernel.domain(host, tmp, "vc-guest", INIT, List.of(), "memory = 192", "vcpus = 1", "maxvcpus = 3",
                "extra = \"console=ttyS0 quiet\"");
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "vc-guest", "vc-online: 0.", 240).contains("vc-online: 0."));
            CliRun up = host.run("vcpu-set", "vc-guest", "3");
            assertEquals(0, up.exit(), up.err());
            assertTrue(KernelBootTest.waitForConsole(host, "vc-guest", "vc-online: 0-2.", 90).contains("vc-online: 0-2."));
            assertEquals(3, ProofSupport.listed(host, "vc-guest").get("vcpus").asInt());
            CliRun audit = host.run("audit", "vc-guest");
            assertEquals(0, audit.exit(), audit.out());
            CliRun tooMany = host.run("vcpu-set", "vc-guest", "4");
            assertEquals(ExitCodes.BAD_CONFIG, tooMany.exit(), tooMany.err());
            assertTrue(tooMany.err().contains("at most 3 vCPUs"), tooMany.err());
            int mark = Files.readString(host.logDir.resolve("vc-guest.console")).length();
            CliRun down = host.run("vcpu-set", "vc-guest", "1");
            assertEquals(0, down.exit(), down.err());
            assertTrue(Files.readString(host.logDir.resolve("vc-guest.console")).length() >= mark);
            long end = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(host.logDir.resolve("vc-guest.console")).substring(mark).contains("vc-online: 0.")
                    && System.nanoTime() < end) {
                Thread.sleep(500);
            }
            assertTrue(Files.readString(host.logDir.resolve("vc-guest.console")).substring(mark).contains("vc-online: 0."),
                    "the guest is down to one vCPU");
            assertEquals(1, ProofSupport.listed(host, "vc-guest").get("vcpus").asInt());
        } finally {
            assertEquals(0, host.run("destroy", "vc-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "vc-guest", null));
    }
}
