package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import dev.dmjail.toolstack.lifecycle.FaultPoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The toolstack killed (DMJAIL_FAULT: Runtime.halt, as abrupt as kill -9) at every point of the
 * commands that change a running domain — cd-insert, block-attach, network-attach, save — leaves a
 * domain that destroy cleans completely: no process, cgroup, mount, state, and no tap on the host. Each
 * change is recorded in the state file before it is made, which is what this proves.
 */
class ChangeFaultTest {

    @TempDir
    static Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    @Test
    void theToolstackKilledAtEveryPointOfAChangeLeavesWhatDestroyCleans() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        String bridge = "brcf" + ProcessHandle.current().pid() % 10000;
        sh("ip link add " + bridge + " type bridge");
        try {
            Path iso = Files.write(tmp.resolve("cf.iso"), new byte[1 << 20]);
            Path data = Files.write(tmp.resolve("cf-data.img"), new byte[1 << 20]);
            for (String point : FaultPoint.CHANGE_POINTS) {
                String name = "cf-" + point.replace('.', '-');
                Path img = tmp.resolve(name + ".img");
                Files.copy(ProofSupport.GUEST, img);
                Path cfg = host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32",
                        "dm_restrict = 1", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\", "
                                + "\"vdev=hdc, devtype=cdrom, format=empty, target=\" ]");
                CliRun c = host.run("create", cfg.toString());
                assertEquals(0, c.exit(), point + ": " + c.err());
                Integer uid = ProofSupport.listed(host, name).get("uid").asInt();
                int domid = ProofSupport.listed(host, name).get("domid").asInt();
                Path save = tmp.resolve(name + ".save");
                String[] cmd = switch (point.substring(0, point.indexOf('.'))) {
                    case "cd-insert" -> new String[] {"cd-insert", name, "hdc", iso.toString()};
                    case "block-attach" -> new String[] {"block-attach", name, "format=raw, vdev=xvde, access=ro, target=" + data};
                    case "network-attach" -> new String[] {"network-attach", name, "bridge=" + bridge};
                    default -> new String[] {"save", name, save.toString()};
                };
                SubprocessCli.Result r = SubprocessCli.run(host, Map.of("DMJAIL_FAULT", point), cmd);
                assertEquals(137, r.exit(), point + ": the toolstack should halt there: " + r.err());
                CliRun d = host.run("destroy", name);
                assertEquals(0, d.exit(), point + ": destroy: " + d.err());
                assertEquals(List.of(), ProofSupport.leftovers(host, name, uid), point + ": left behind");
                assertFalse(Files.exists(Path.of("/sys/class/net", "vif" + domid + ".0")), point + ": the tap is gone");
                if (point.startsWith("save.")) {
                    // the toolstack died before writing a byte: the new file is there, and no restore takes it
                    CliRun restore = host.run("restore", save.toString());
                    assertEquals(ExitCodes.FAILED, restore.exit(), restore.err());
                    assertTrue(restore.err().contains("is not a dmjail save file"), restore.err());
                    Files.delete(save);
                }
            }
        } finally {
            sh("ip link del " + bridge + " || true");
        }
    }

    private static void sh(String cmd) throws Exception {
        assertEquals(0, new ProcessBuilder("sh", "-c", cmd).inheritIO().start().waitFor(), cmd);
    }
}
