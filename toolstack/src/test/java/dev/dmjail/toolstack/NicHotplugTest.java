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
 * network-attach / network-detach under restriction with a real Debian guest (TCG): the guest gets a
 * NIC while it runs, configures it and pings the host over the bridge the test made, the host pings it
 * back; the audit passes with the NIC (its tap fd planned) and after detach, when the guest has lost
 * the NIC and the tap is gone from the host. What cannot be attached is refused in one line.
 */
class NicHotplugTest {

    private static final String GUEST_IP = "203.0.113.12", HOST_IP = "203.0.113.11"; // TEST-NET-3 (RFC 5737)
    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys; busybox mount -t devtmpfs dev /dev",
            GuestKernel.LOAD_MODULES,
            "busybox ip link set lo up",
            "while true; do",
            "  if [ -e /sys/class/net/eth0 ] && [ ! -e /tmp/up ]; then",
            "    busybox ip addr add " + GUEST_IP + "/24 dev eth0; busybox ip link set eth0 up; busybox touch /tmp/up",
            "    busybox ping -c 3 -W 5 " + HOST_IP + " >/dev/null && echo nh-ping-host-ok",
            "  fi",
            "  echo \"net: $(busybox ls /sys/class/net | busybox tr '\\n' ' ')\"; busybox sleep 1",
            "done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void aNicAttachedWhileTheGuestRunsCarriesTrafficAndIsDetached() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        String bridge = "brnh" + ProcessHandle.current().pid() % 10000;
        sh("ip link add " + bridge + " type bridge && ip addr add " + HOST_IP + "/24 dev " + bridge
                + " && ip link set " + bridge + " up");
        String tap = null;
        try {
            Path cfg = GuestKernel.domain(host, tmp, "nh-guest", INIT, List.of("e1000"), "memory = 192",
                    "extra = \"console=ttyS0 quiet\"");
            CliRun c = host.run("create", cfg.toString());
            assertEquals(0, c.exit(), c.err());
            try {
                assertTrue(KernelBootTest.waitForConsole(host, "nh-guest", "net: lo ", 240).contains("net: lo "));
                refused(host, "bridge=" + bridge + ",script=vif-route", "script=vif-route is not run");
                refused(host, "bridge=" + bridge + ",rate=10Mb/s", "rate= is not enforced");
                refused(host, "bridge=nosuchbr0", "bridge nosuchbr0 does not exist");
                CliRun a = host.run("network-attach", "nh-guest", "bridge=" + bridge, "model=e1000");
                assertEquals(0, a.exit(), a.err());
                tap = "vif" + ProofSupport.listed(host, "nh-guest").get("domid").asInt() + ".0";
                assertTrue(a.out().contains("Attached vif 0 (" + tap + " on " + bridge), a.out());
                String console = KernelBootTest.waitForConsole(host, "nh-guest", "nh-ping-host-ok", 90);
                assertTrue(console.contains("nh-ping-host-ok"), "guest -> host: " + console);
                assertEquals(0, new ProcessBuilder("ping", "-c", "2", "-W", "5", GUEST_IP).start().waitFor(), "host -> guest");
                CliRun audit = host.run("audit", "-a", "nh-guest");
                assertEquals(0, audit.exit(), audit.out());
                assertTrue(audit.out().contains(tap + " on bridge"), audit.out());
                assertTrue(host.run("network-list", "nh-guest").out().contains("network-attach"));

                CliRun d = host.run("network-detach", "nh-guest", "0");
                assertEquals(0, d.exit(), d.err());
                assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "the tap is gone from the host");
                int mark = Files.readString(host.logDir.resolve("nh-guest.console")).length();
                long end = System.nanoTime() + 60_000_000_000L;
                while (!Files.readString(host.logDir.resolve("nh-guest.console")).substring(mark).contains("net: lo ")
                        && System.nanoTime() < end) {
                    Thread.sleep(500);
                }
                assertTrue(Files.readString(host.logDir.resolve("nh-guest.console")).substring(mark).contains("net: lo "),
                        "the guest no longer has the NIC");
                audit = host.run("audit", "nh-guest");
                assertEquals(0, audit.exit(), audit.out());
                CliRun again = host.run("network-detach", "nh-guest", "0");
                assertEquals(ExitCodes.BAD_CONFIG, again.exit(), again.err());
                // attached and never detached: destroy releases it
                assertEquals(0, host.run("network-attach", "nh-guest", "bridge=" + bridge).exit());
                assertTrue(Files.exists(Path.of("/sys/class/net", tap)));
            } finally {
                assertEquals(0, host.run("destroy", "nh-guest").exit());
            }
            assertTrue(tap != null && !Files.exists(Path.of("/sys/class/net", tap)), "destroy removed the attached NIC's tap");
            assertEquals(List.of(), ProofSupport.leftovers(host, "nh-guest", null));
        } finally {
            sh("ip link del " + bridge + " || true");
        }
    }

    private static void refused(TestHost host, String spec, String why) {
        CliRun r = host.run("network-attach", "nh-guest", spec);
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(why), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    private static void sh(String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), cmd);
    }
}
