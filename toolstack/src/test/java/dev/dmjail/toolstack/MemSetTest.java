package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.StateStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mem-set with a real Debian guest (TCG) and its virtio balloon driver: the guest gives memory back
 * (QEMU's query-balloon reports it) and takes it again; list shows the target; more than the guest was
 * created with, too little and a bad size are refused in one line; the audit passes.
 */
class MemSetTest {

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys",
            GuestKernel.LOAD_MODULES,
            "echo ms-ready",
            "while true; do busybox sleep 1000; done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void theGuestGivesMemoryBackAndTakesItAgain() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = GuestKernel.domain(host, tmp, "ms-guest", INIT, List.of("virtio_pci", "virtio_balloon"), "memory = 192",
                "extra = \"console=ttyS0 quiet\"");
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "ms-guest", "ms-ready", 240).contains("ms-ready"));
            CliRun down = host.run("mem-set", "ms-guest", "128m");
            assertEquals(0, down.exit(), down.err());
            assertTrue(waitForBalloon(host, 128), "the guest gave memory back: " + actualMib(host) + " MiB");
            assertEquals(128, ProofSupport.listed(host, "ms-guest").get("memory_mib").asInt());
            CliRun up = host.run("mem-set", "ms-guest", "192");
            assertEquals(0, up.exit(), up.err());
            assertTrue(waitForBalloon(host, 192), "and took it again: " + actualMib(host) + " MiB");
            refused(host, "512", "more than the 192 MiB ms-guest was created with");
            refused(host, "8m", "at least 16 MiB");
            refused(host, "12x", "invalid memory size");
            CliRun audit = host.run("audit", "ms-guest");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "ms-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "ms-guest", null));
    }

    private static void refused(TestHost host, String mem, String why) {
        CliRun r = host.run("mem-set", "ms-guest", mem);
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(why), r.err());
    }

    private static long actualMib(TestHost host) throws Exception {
        Path sock = new StateStore(host.stateDir, host.logDir).pathsOfKey("ms-guest").qmpSocket();
        long deadline = System.nanoTime() + 5_000_000_000L;
        try (QmpClient q = QmpClient.connect(sock, deadline)) {
            return q.execute("query-balloon", deadline).path("actual").asLong() >> 20;
        }
    }

    private static boolean waitForBalloon(TestHost host, long mib) throws Exception {
        for (long end = System.nanoTime() + 60_000_000_000L; System.nanoTime() < end; Thread.sleep(500)) {
            if (actualMib(host) == mib) {
                return true;
            }
        }
        return false;
    }
}
