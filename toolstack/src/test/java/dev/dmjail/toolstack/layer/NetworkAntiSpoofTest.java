package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.TestHost;
import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * xl's vif {@code ip=} as source rules, proven with real traffic: a guest stand-in (a veth end in a
 * network namespace of its own) behind a port named like a tap, on a bridge in another namespace,
 * pings the bridge from its allowed address (answered) and from another one (dropped, ARP included);
 * then a real domain gets the table on its tap, the audit checks it, destroy removes it.
 */
class NetworkAntiSpoofTest {

    @TempDir
    Path tmp;

    @Test
    void framesFromAnotherSourceAddressAreDropped() throws Exception {
        String h = "nas-h" + ProcessHandle.current().pid() % 10000, g = "nas-g" + ProcessHandle.current().pid() % 10000;
        sh("ip netns add " + h + " && ip netns add " + g);
        try {
            sh("ip -n " + h + " link add br0 type bridge && ip -n " + h + " addr add 10.77.0.1/24 dev br0"
                    + " && ip -n " + h + " link set br0 up"
                    + " && ip -n " + h + " link add vif9.0 type veth peer name gth0 netns " + g
                    + " && ip -n " + g + " addr add 10.77.0.5/24 dev gth0 && ip -n " + g + " link set gth0 up");
            NetworkAntiSpoof nft = new NetworkAntiSpoof(List.of("ip", "netns", "exec", h));
            // as the network layer does: rules first, then the port joins the bridge and comes up
            nft.install("vif9.0", List.of("10.77.0.5"));
            sh("ip -n " + h + " link set vif9.0 master br0 && ip -n " + h + " link set vif9.0 up");
            assertTrue(ping(g), "the allowed source is answered");
            sh("ip -n " + g + " addr flush dev gth0 && ip -n " + g + " addr add 10.77.0.6/24 dev gth0"
                    + " && ip -n " + h + " neigh flush all");
            assertFalse(ping(g), "a spoofed source (IPv4 and its ARP) is dropped");
            sh("ip -n " + g + " addr flush dev gth0 && ip -n " + g + " addr add 10.77.0.5/24 dev gth0");
            assertTrue(ping(g), "the allowed source again");
            assertNotNull(nft.listed("vif9.0"));
            nft.remove("vif9.0");
            assertNull(nft.listed("vif9.0"), "the table is gone");
        } finally {
            sh("ip netns del " + h + "; ip netns del " + g + "; true");
        }
    }

    @Test
    void aDomainsTapGetsItsTableAuditedAndRemovedAtDestroy() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        String bridge = "brnas" + ProcessHandle.current().pid() % 10000;
        sh("ip link add " + bridge + " type bridge");
        try {
            Path img = tmp.resolve("nas.img");
            Files.copy(ProofSupport.GUEST, img);
            Path cfg = host.domain("nas.cfg", "name = \"nas-ip\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]",
                    "vif = [ \"bridge=" + bridge + ",ip=192.0.2.7 192.0.2.8,script=vif-bridge\" ]");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(0, r.exit(), r.err());
            try {
                JsonNode d = new ObjectMapper().readTree(host.run("list", "--json").out()).get(0);
                String tap = "vif" + d.get("domid").asInt() + ".0";
                String table = new NetworkAntiSpoof().listed(tap);
                assertNotNull(table, "nft table for " + tap);
                assertTrue(table.contains("192.0.2.7") && table.contains("192.0.2.8") && table.contains(tap), table);
                CliRun audit = host.run("audit", "-a", "nas-ip");
                assertEquals(0, audit.exit(), audit.out() + audit.err());
                assertTrue(audit.out().contains(tap + " sources limited (ip=)"), audit.out());
                sh("nft delete table bridge " + NetworkAntiSpoof.table(tap)); // an admin (or attacker) removes it
                CliRun after = host.run("audit", "nas-ip");
                assertEquals(dev.dmjail.toolstack.ExitCodes.AUDIT_FAILED, after.exit(), "a missing table fails the audit: " + after.out());
                sh("nft -f - <<'X'\n" + NetworkAntiSpoof.ruleset(tap, List.of("192.0.2.7", "192.0.2.8")) + "X");
                assertEquals(0, host.run("destroy", "nas-ip").exit());
                assertNull(new NetworkAntiSpoof().listed(tap), "table left after destroy");
                assertFalse(Files.exists(Path.of("/sys/class/net", tap)), "tap left after destroy");
            } finally {
                host.run("destroy", "nas-ip");
            }
        } finally {
            sh("ip link del " + bridge);
        }
    }

    private static boolean ping(String ns) throws Exception {
        return new ProcessBuilder("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", "10.77.0.1")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
    }

    private static void sh(String cmd) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, cmd + ": " + out);
    }
}
