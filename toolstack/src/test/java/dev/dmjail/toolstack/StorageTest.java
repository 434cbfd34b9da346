package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * and writes, a read-only disk is refused where QEMU cannot serve it, an ISO and an empty drive are
 * cdroms, and boot= reaches the BIOS's CMOS. Backing chains: {@link BackingChainTest}.
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

    /**
     * devtype=cdrom with an ISO, and xl's empty cdrom drive, with boot = "dc" (cdrom, then hard disk):
     * QMP query-block shows the ISO inserted read-only (a write is refused by QEMU) and the empty drive
     * removable with no medium; the boot order reaches the RTC CMOS the BIOS reads (0x3d: first device
     * in the low nibble, second in the high; 2 = hard disk, 3 = CD-ROM; hw/i386/pc.c set_boot_dev).
     */
    @Test
    void anIsoCdromAndAnEmptyCdromDriveWithBootOrderDc() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = bootDisk("ch-cd");
        Path content = Files.createDirectory(tmp.resolve("ch-cd-iso"));
        Files.writeString(content.resolve("hello.txt"), "hello\n");
        Path iso = tmp.resolve("ch-cd.iso");
        run("genisoimage", "-quiet", "-R", "-J", "-o", iso.toString(), content.toString());
        Path cfg = host.domain("ch-cd.cfg", "name = \"ch-cd\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "boot = \"dc\"", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=raw, vdev=hdc, devtype=cdrom, target=" + iso + "\", \"vdev=hdd, devtype=cdrom\" ]");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            JsonNode cd = BackingChainTest.block(host, "ch-cd", "drive-hdc");
            assertTrue(cd.get("removable").asBoolean(), cd.toString());
            assertTrue(cd.at("/inserted/ro").asBoolean(), "the ISO is read-only: " + cd);
            assertEquals("raw", cd.at("/inserted/drv").asText());
            assertTrue(cd.at("/inserted/image/filename").asText().startsWith("/dev/fdset/"), cd.toString());
            assertEquals(Files.size(iso), cd.at("/inserted/image/virtual-size").asLong());
            JsonNode empty = BackingChainTest.block(host, "ch-cd", "drive-hdd");
            assertTrue(empty.get("removable").asBoolean(), empty.toString());
            assertTrue(empty.path("inserted").isMissingNode(), "no medium in the empty drive: " + empty);
            assertEquals("Block node is read-only", qemuIo(host, "ch-cd", "hdc", "write 0 512", 30).strip());
            assertEquals("", qemuIo(host, "ch-cd", "hdc", "read -P 0x43 32769 1", 30)); // "CD001" at sector 16
            String log = Files.readString(new StateStore(host.stateDir, host.logDir).pathsOfKey("ch-cd").liveLog());
            assertFalse(log.contains("Pattern verification failed"), log);
            assertTrue(log.contains("read 1/1 bytes at offset 32769"), log);
            assertEquals("0x23", cmos(host, "ch-cd", 0x3d), "CMOS boot order: d then c");
            CliRun audit = host.run("audit", "ch-cd");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "ch-cd").exit());
        }
        assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "ch-cd", null));
    }

    /** boot= QEMU's pc machine would refuse at start is refused at create naming the key; xl's default is cda. */
    @Test
    void aBootOrderQemuCannotTakeIsRefusedAtCreate() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        for (String[] c : new String[][] {{"dx", "'x' is not a boot device"}, {"cdc", "names 'c' twice"},
                {"cdna", "one to 3 boot devices"}, {"", "one to 3 boot devices"}}) {
            Path cfg = host.domain("ch-bo.cfg", "name = \"ch-bo\"", "type = \"hvm\"", "dm_restrict = 1",
                    "boot = \"" + c[0] + "\"");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
            assertTrue(r.err().startsWith("dmjail: " + cfg + ":4: boot: ") && r.err().contains(c[1]), r.err());
            assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "ch-bo", null));
        }
        Path cfg = host.domain("ch-bo.cfg", "name = \"ch-bo\"", "type = \"hvm\"", "dm_restrict = 1");
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        String argv = new ObjectMapper().readTree(dry.out()).at("/plan/argv").toString();
        assertTrue(argv.contains("\"-boot\",\"order=cda\""), argv);
    }

    /** A cdrom is emulated on IDE only: on a virtio vdev it is refused at create, flagged by the dry run. */
    @Test
    void aCdromOnAVirtioVdevIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path iso = tmp.resolve("ch-cv.iso");
        Files.write(iso, new byte[1 << 16]);
        Path cfg = host.domain("ch-cv.cfg", "name = \"ch-cv\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=xvde, devtype=cdrom, target=" + iso + "\" ]");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: disk: xvde: a cdrom must be one of the IDE vdevs"), r.err());
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(dry.out().contains("a cdrom must be one of the IDE vdevs") && dry.out().contains("create would refuse it"),
                dry.out());
        assertEquals(java.util.List.of(), ProofSupport.leftovers(host, "ch-cv", null));
    }

    /**
     * One RTC CMOS byte, read through HMP port I/O (index 0x70, data 0x71). The BIOS uses the same
     * ports while it runs, so a read whose index it moved in between is retried.
     */
    private static String cmos(TestHost host, String name, int index) throws Exception {
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).pathsOfKey(name);
        try (QmpClient c = QmpClient.connect(paths.qmpSocket(), System.nanoTime() + 10_000_000_000L)) {
            java.util.Map<String, Integer> seen = new java.util.HashMap<>();
            for (int i = 0; i < 20; i++) {
                hmp(c, "o /b 0x70 0x" + Integer.toHexString(index));
                String v = hmp(c, "i /b 0x71").replaceAll("(?s).*= *(0x[0-9a-f]+).*", "$1");
                if (seen.merge(v, 1, Integer::sum) >= 3) {
                    return v;
                }
            }
            return seen.toString();
        }
    }

    private static String hmp(QmpClient c, String command) throws Exception {
        JsonNode args = new ObjectMapper().createObjectNode().put("command-line", command);
        return c.execute("human-monitor-command", args, System.nanoTime() + 10_000_000_000L).asText();
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
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).pathsOfKey(name);
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
