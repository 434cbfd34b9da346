package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage under restriction, written through QEMU's own block layer (HMP qemu-io, as a guest's
 * writes would go) so no guest kernel is needed: a qcow2 disk grows, a block device serves reads
 * and writes, and a read-only disk is refused where QEMU cannot serve it.
 */
class StorageTest {

    @TempDir
    Path tmp;

    /**
     * QEMU writes 50 MiB into a 128 MiB image that holds almost nothing at create; the write succeeds
     * and the image is consistent afterwards. The first wave set RLIMIT_FSIZE to the image's size at
     * create, so this write failed with EFBIG and the guest saw an I/O error.
     */
    @Test
    void aQcow2DiskGrowsFiftyMebibytesAndStaysConsistent() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = bootDisk("q2g");
        Path data = tmp.resolve("q2g-data.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", data.toString(), "128M");
        long before = Files.size(data);
        Path cfg = host.domain("q2g.cfg", "name = \"q2g\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=qcow2, vdev=xvde, access=rw, target=" + data + "\" ]");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            assertEquals("", qemuIo(host, "q2g", "xvde", "write -P 0xab 0 50M", 120), "qemu-io write of 50 MiB");
            assertTrue(Files.size(data) > before + (50L << 20), "the image grew: " + Files.size(data));
            CliRun audit = host.run("audit", "q2g");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "q2g").exit());
        }
        run("qemu-img", "check", "-q", data.toString());
        assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "q2g", null));
    }

    /** QEMU's ide-hd cannot be read-only: refused at create with the disk named, flagged by the dry run; virtio can. */
    @Test
    void aReadOnlyIdeDiskIsRefusedAndAReadOnlyVirtioDiskStarts() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = bootDisk("roide");
        Path data = tmp.resolve("roide-data.img");
        Files.write(data, new byte[1 << 20]);
        Path ide = host.domain("roide.cfg", "name = \"roide\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=raw, vdev=hdb, access=ro, target=" + data + "\" ]");
        CliRun r = host.run("create", ide.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(ide + ":5: disk: hdb: a read-only disk cannot be IDE"), r.err());
        assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "roide", null));
        CliRun dry = host.run("create", "-n", ide.toString());
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().contains("hdb: a read-only disk cannot be IDE") && dry.out().contains("create would refuse it"),
                dry.out());
        Path virtio = host.domain("rovirt.cfg", "name = \"roide\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=raw, vdev=xvde, access=ro, target=" + data + "\" ]");
        CliRun ok = host.run("create", virtio.toString());
        assertEquals(0, ok.exit(), ok.err());
        try {
            CliRun audit = host.run("audit", "roide");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "roide").exit());
        }
        assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "roide", null));
    }

    /** phy: a loop device (as LVM volumes and zvols are block devices) read-write and read-only, under restriction. */
    @Test
    void aBlockDeviceDiskStartsReadWriteAndReadOnly() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = bootDisk("blkd");
        Path backing = tmp.resolve("blkd-backing.img");
        Files.write(backing, new byte[16 << 20]);
        Process p = new ProcessBuilder("losetup", "-f", "--show", backing.toString()).redirectErrorStream(true).start();
        String loop = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), loop);
        try {
            for (String spec : new String[] {"phy:" + loop + ",xvde,w", "phy:" + loop + ",xvdf,r"}) {
                Path cfg = host.domain("blkd.cfg", "name = \"blkd\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                        "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", \"" + spec + "\" ]");
                CliRun r = host.run("create", cfg.toString());
                assertEquals(0, r.exit(), spec + ": " + r.err());
                try {
                    CliRun audit = host.run("audit", "blkd");
                    assertEquals(0, audit.exit(), audit.out());
                    if (spec.endsWith(",w")) {
                        assertEquals("", qemuIo(host, "blkd", "xvde", "write -P 0xcd 0 1M", 60));
                    }
                } finally {
                    assertEquals(0, host.run("destroy", "blkd").exit());
                }
                assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "blkd", null));
            }
            byte[] head = new byte[4];
            try (var in = Files.newInputStream(backing)) {
                assertEquals(4, in.read(head));
            }
            assertEquals(0xcd, head[0] & 0xff, "the write reached the block device");
        } finally {
            new ProcessBuilder("losetup", "-d", loop).start().waitFor();
        }
    }

    /** A copy of the boot-sector guest, so each domain has a bootable first disk of its own. */
    private Path bootDisk(String prefix) throws Exception {
        Path boot = tmp.resolve(prefix + "-boot.img");
        Files.copy(ProofSupport.GUEST, boot);
        return boot;
    }

    /**
     * Runs a qemu-io command on the domain's drive {@code drive-VDEV} through QMP and returns what
     * it printed: qemu-io reports a failed write ("write failed: File too large") in that text.
     */
    static String qemuIo(TestHost host, String name, String vdev, String command, int timeoutSeconds)
            throws Exception {
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).paths(name);
        try (QmpClient c = QmpClient.connect(paths.qmpSocket(), System.nanoTime() + 10_000_000_000L)) {
            JsonNode args = new ObjectMapper().createObjectNode()
                    .put("command-line", "qemu-io drive-" + vdev + " \"" + command + "\"");
            return c.execute("human-monitor-command", args, System.nanoTime() + timeoutSeconds * 1_000_000_000L).asText();
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }
}
