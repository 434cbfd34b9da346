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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qcow2 backing chains (issue 11): the privileged side resolves the chain, and QEMU gets each image
 * as its own fdset with explicit backing nodes. Written and read through QEMU's own block layer (HMP
 * qemu-io, as a guest's I/O would go), so no guest kernel is needed. The tenant owns the images and
 * writes their headers: every way a header can point QEMU at a file the host did not admit is refused.
 */
class BackingChainTest {

    /** The tenant's uid: not root, not in the dm range (TenantTest's). */
    static final int TENANT = 231597;

    @TempDir
    Path tmp;

    /**
     * An overlay (relative backing name, as qemu-img writes it) over a base the tenant owns, mode
     * 0444: 50 MiB written through the overlay land in the overlay; reads through it see the base where
     * not overwritten; the base is byte-for-byte unchanged, both images are consistent, QEMU's node
     * for the base is the fdset (it never opened the name), audit passes, nothing is left.
     */
    @Test
    void anOverlayTakesTheWritesAndTheReadOnlyBaseStaysUnchanged() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg");
        Path boot = tmp.resolve("ch-ov-boot.img");
        Files.copy(ProofSupport.GUEST, boot);
        Path base = tmp.resolve("ch-ov-base.qcow2");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "128M");
        ProofSupport.run(tmp, "qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 64M", base.toString());
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "-b", base.getFileName().toString(), "-F", "qcow2",
                "ch-ov-top.qcow2");
        Path top = tmp.resolve("ch-ov-top.qcow2");
        chownTenant(base);
        chownTenant(top);
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("r--r--r--"));
        String baseSum = sha256(base);
        Path cfg = host.domain("ch-ov.cfg", "name = \"ch-ov\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=qcow2, vdev=xvde, access=rw, target=" + top + "\" ]");

        JsonNode dry = new ObjectMapper().readTree(host.run("create", "-n", cfg.toString()).out());
        List<String> argv = new ArrayList<>();
        dry.at("/plan/argv").forEach(a -> argv.add(a.asText()));
        assertTrue(argv.contains("{\"driver\":\"qcow2\",\"node-name\":\"drive-xvde-b1\",\"file\":\"drive-xvde-b1f\","
                + "\"backing\":null,\"read-only\":true}"), "the dry run shows the chain: " + argv);
        assertTrue(argv.stream().anyMatch(a -> a.startsWith("file=json:{\"driver\":\"qcow2\",,\"backing\":\"drive-xvde-b1\",,")
                && a.endsWith(",if=none,id=drive-xvde,readonly=off")), "the overlay names its backing node: " + argv);
        assertTrue(argv.stream().noneMatch(a -> a.contains(base.toString())), "no image path reaches QEMU: " + argv);
        boolean baseReadOnly = false;
        for (JsonNode l : dry.at("/plan/layers")) {
            for (JsonNode f : l.at("/settings/fds")) {
                if (f.path("path").asText().equals(base.toString())) {
                    assertFalse(f.path("write").asBoolean(), "the base is opened read-only only: " + f);
                    baseReadOnly = true;
                }
            }
        }
        assertTrue(baseReadOnly, "the base is one of the launcher's fds");

        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            assertEquals("", StorageTest.qemuIo(host, "ch-ov", "xvde", "write -P 0xab 0 50M", 120));
            for (String read : List.of("read -P 0xab 0 50M", "read -P 0x11 50M 14M", "read -P 0 64M 64M")) {
                assertEquals("", StorageTest.qemuIo(host, "ch-ov", "xvde", read, 60), read);
            }
            String log = Files.readString(new StateStore(host.stateDir, host.logDir).pathsOfKey("ch-ov").liveLog());
            assertFalse(log.contains("Pattern verification failed"), log);
            assertTrue(log.contains("read 14680064/14680064 bytes at offset 52428800"), log);
            JsonNode inserted = block(host, "ch-ov", "drive-xvde").get("inserted");
            assertEquals(1, inserted.get("backing_file_depth").asInt(), inserted.toString());
            assertFalse(inserted.get("ro").asBoolean());
            String baseNode = inserted.at("/image/backing-image/filename").asText();
            assertTrue(baseNode.startsWith("/dev/fdset/"), "QEMU's base is the fdset, not the name: " + baseNode);
            assertEquals("ch-ov-base.qcow2", inserted.at("/image/backing-filename").asText());
            CliRun audit = host.run("audit", "ch-ov");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "ch-ov").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "ch-ov", null));
        ProofSupport.run(tmp, "qemu-img", "check", "-q", top.toString());
        ProofSupport.run(tmp, "qemu-img", "check", "-q", base.toString());
        assertEquals(baseSum, sha256(base), "the base changed");
        assertTrue(Files.size(top) > (50L << 20), "the writes went to the overlay: " + Files.size(top));
    }

    /**
     * Two running domains on overlays of one base: both hold it read-only, so both start; a third that
     * wants the base itself read-write is refused while they run (the base under them would change).
     */
    @Test
    void twoDomainsShareABaseReadOnlyAndNoneMayWriteIt() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path base = tmp.resolve("ch-sb-base.qcow2");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M");
        List<String> names = List.of("ch-sb1", "ch-sb2");
        try {
            for (String n : names) {
                Path boot = tmp.resolve(n + "-boot.img");
                Files.copy(ProofSupport.GUEST, boot);
                Path top = overlay(n + ".qcow2", base.getFileName().toString(), "qcow2");
                Path cfg = host.domain(n + ".cfg", "name = \"" + n + "\"", "type = \"hvm\"", "memory = 32",
                        "dm_restrict = 1", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                                + "\"format=qcow2, vdev=xvde, access=rw, target=" + top + "\" ]");
                CliRun r = host.run("create", cfg.toString());
                assertEquals(0, r.exit(), () -> n + ": " + r.err() + logOf(host, n));
            }
            Path writer = host.domain("ch-sbw.cfg", "name = \"ch-sbw\"", "type = \"hvm\"", "dm_restrict = 1",
                    "disk = [ \"format=qcow2, vdev=xvde, access=rw, target=" + base + "\" ]");
            CliRun r = host.run("create", writer.toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
            assertTrue(r.err().contains("is already a disk of domain ch-sb1 (read-only)"), r.err());
            assertEquals(List.of(), ProofSupport.leftovers(host, "ch-sbw", null));
            for (String n : names) {
                CliRun audit = host.run("audit", n);
                assertEquals(0, audit.exit(), audit.out());
            }
        } finally {
            for (String n : names) {
                assertEquals(0, host.run("destroy", n).exit());
            }
        }
        for (String n : names) {
            assertEquals(List.of(), ProofSupport.leftovers(host, n, null));
        }
        ProofSupport.run(tmp, "qemu-img", "check", "-q", base.toString());
    }

    /**
     * A base on a block device (a loop device, as an LVM volume would be): QEMU gets it as a read-only
     * host_device node; reads through the overlay see it, writes land in the overlay, the device is unchanged.
     */
    @Test
    void anOverlayOverABlockDeviceBase() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = tmp.resolve("ch-bd-boot.img");
        Files.copy(ProofSupport.GUEST, boot);
        Path backingFile = tmp.resolve("ch-bd-loop.img");
        byte[] pattern = new byte[16 << 20];
        java.util.Arrays.fill(pattern, (byte) 0x5a);
        Files.write(backingFile, pattern);
        Process p = new ProcessBuilder("losetup", "-f", "--show", backingFile.toString()).redirectErrorStream(true).start();
        String loop = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), loop);
        try {
            Path top = overlay("ch-bd-top.qcow2", loop, "raw");
            Path cfg = host.domain("ch-bd.cfg", "name = \"ch-bd\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                            + "\"format=qcow2, vdev=xvde, access=rw, target=" + top + "\" ]");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(0, r.exit(), r.err());
            try {
                assertEquals("", StorageTest.qemuIo(host, "ch-bd", "xvde", "write -P 0xab 0 1M", 60));
                assertEquals("", StorageTest.qemuIo(host, "ch-bd", "xvde", "read -P 0x5a 1M 15M", 60));
                String log = Files.readString(new StateStore(host.stateDir, host.logDir).pathsOfKey("ch-bd").liveLog());
                assertFalse(log.contains("Pattern verification failed"), log);
                assertTrue(log.contains("read 15728640/15728640 bytes at offset 1048576"), log);
                CliRun audit = host.run("audit", "ch-bd");
                assertEquals(0, audit.exit(), audit.out());
            } finally {
                assertEquals(0, host.run("destroy", "ch-bd").exit());
            }
            assertEquals(List.of(), ProofSupport.leftovers(host, "ch-bd", null));
        } finally {
            new ProcessBuilder("losetup", "-d", loop).start().waitFor();
        }
        assertTrue(java.util.Arrays.equals(pattern, Files.readAllBytes(backingFile)), "the block device base changed");
    }

    /** The format of a backing file must be recorded in the image: a probed one is the format-confusion attack. */
    @Test
    void aBackingFileWithoutARecordedFormatIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path base = tmp.resolve("ch-nf-base.img");
        Files.write(base, new byte[1 << 20]);
        Path top = overlay("ch-nf-top.qcow2", "ch-nf-base.img", "raw");
        hideBackingFormat(top);
        assertRefused(host, "ch-nf", top, "names backing file 'ch-nf-base.img' without recording its format");
    }

    /** a → b → a: refused by dev:ino, whatever the names. */
    @Test
    void aBackingLoopIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "ch-lp-a.qcow2", "16M");
        Path b = overlay("ch-lp-b.qcow2", "ch-lp-a.qcow2", "qcow2");
        ProofSupport.run(tmp, "qemu-img", "rebase", "-u", "-b", "./ch-lp-b.qcow2", "-F", "qcow2", "ch-lp-a.qcow2");
        assertRefused(host, "ch-lp", b, "a backing loop");
    }

    /** Sixteen images below the top are served (in the dry run: the whole graph); seventeen are refused. */
    @Test
    void aChainDeeperThanSixteenIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "ch-dp-0.qcow2", "16M");
        for (int i = 1; i <= 17; i++) {
            overlay("ch-dp-" + i + ".qcow2", "ch-dp-" + (i - 1) + ".qcow2", "qcow2");
        }
        Path ok = host.domain("ch-dp16.cfg", "name = \"ch-dp\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=qcow2, vdev=xvde, access=rw, target=" + tmp.resolve("ch-dp-16.qcow2") + "\" ]");
        CliRun dry = host.run("create", "-n", ok.toString());
        assertEquals(0, dry.exit(), dry.err());
        List<String> argv = new ArrayList<>();
        new ObjectMapper().readTree(dry.out()).at("/plan/argv").forEach(a -> argv.add(a.asText()));
        assertEquals(32, argv.stream().filter(a -> a.equals("-blockdev")).count(), "16 images, a file and a format node each");
        assertTrue(argv.contains("{\"driver\":\"qcow2\",\"node-name\":\"drive-xvde-b16\",\"file\":\"drive-xvde-b16f\","
                + "\"backing\":null,\"read-only\":true}"), argv.toString());
        assertTrue(argv.contains("{\"driver\":\"qcow2\",\"node-name\":\"drive-xvde-b1\",\"file\":\"drive-xvde-b1f\","
                + "\"backing\":\"drive-xvde-b2\",\"read-only\":true}"), argv.toString());
        assertRefused(host, "ch-dp", tmp.resolve("ch-dp-17.qcow2"), "has a backing chain deeper than 16 images");
    }

    /** A backing file must pass the same admission as a disk: image_dirs, no symlink to a host file. */
    @Test
    void aBackingFileOutsideImageDirsOrBehindASymlinkToAHostFileIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path elsewhere = Files.createTempFile(Path.of("/var/tmp"), "ch-out", ".img");
        try {
            Path top = overlay("ch-out-top.qcow2", elsewhere.toString(), "raw");
            assertRefused(host, "ch-out", top, "outside the host's image_dirs");
        } finally {
            Files.delete(elsewhere);
        }
        Files.createSymbolicLink(tmp.resolve("ch-sl-base.img"), Path.of("/etc/shadow"));
        Path top = overlay("ch-sl-top.qcow2", "ch-sl-base.img", "raw");
        assertRefused(host, "ch-sl", top, "under /etc");
        // QEMU would read "nbd:..." as a protocol, not a file
        Path proto = overlay("ch-pr-top.qcow2", "nbd:localhost:10809", "raw");
        assertRefused(host, "ch-pr", proto, "which QEMU would read as a protocol");
    }

    /**
     * A header QEMU itself would refuse, or one that makes it open a file by name, is refused with the
     * disk named: a backing name past QEMU's 1023 bytes, a NUL in the name, an extension running past
     * the header, an external data file; a QED overlay (chains are followed for qcow2 only).
     */
    @Test
    void malformedOrUnfollowableHeadersAreRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Files.write(tmp.resolve("ch-mh-base.img"), new byte[1 << 20]);
        Path longName = overlay("ch-mh-long.qcow2", "ch-mh-base.img", "raw");
        long nameAt = beLong(longName, 8);
        patch(longName, 16, ByteBuffer.allocate(4).putInt(1024).array());
        patch(longName, nameAt, "a".repeat(1024).getBytes(StandardCharsets.US_ASCII));
        assertRefused(host, "ch-mh", longName, "has a backing file name longer than the 1023 bytes QEMU reads");
        Path nul = overlay("ch-mh-nul.qcow2", "ch-mh-base.img", "raw");
        patch(nul, beLong(nul, 8) + 3, new byte[] {0});
        assertRefused(host, "ch-mh", nul, "has a backing file name with a NUL byte in it");
        Path ext = overlay("ch-mh-ext.qcow2", "ch-mh-base.img", "raw");
        patch(ext, extensionAt(ext) + 4, ByteBuffer.allocate(4).putInt(0x7fffffff).array());
        assertRefused(host, "ch-mh", ext, "has a header extension that runs past its end");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=ch-mh-data.raw", "ch-mh-df.qcow2", "16M");
        assertRefused(host, "ch-mh", tmp.resolve("ch-mh-df.qcow2"), "keeps its data in an external data file");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qed", "-b", "ch-mh-base.img", "-F", "raw", "ch-mh.qed");
        Path cfg = host.domain("ch-mq.cfg", "name = \"ch-mq\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=qed, vdev=xvde, access=rw, target=" + tmp.resolve("ch-mh.qed") + "\" ]");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: disk: xvde: ") && r.err().contains("follows backing chains of qcow2 images only"),
                r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "ch-mq", null));
    }

    /**
     * A qcow2 disk without a backing file is still told it has none (JSON null through -drive's json:
     * protocol): a name the tenant writes into its header after the plan read it is never opened.
     */
    @Test
    void aQcow2DiskWithoutBackingIsGivenBackingNull() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "ch-nb.qcow2", "16M");
        Path cfg = host.domain("ch-nb.cfg", "name = \"ch-nb\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=qcow2, vdev=xvde, access=rw, target=" + tmp.resolve("ch-nb.qcow2") + "\" ]");
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        List<String> argv = new ArrayList<>();
        new ObjectMapper().readTree(dry.out()).at("/plan/argv").forEach(a -> argv.add(a.asText()));
        assertTrue(argv.contains("file=json:{\"driver\":\"qcow2\",,\"backing\":null,,\"file\":{\"driver\":\"file\",,"
                + "\"filename\":\"/dev/fdset/1\",,\"locking\":\"off\"}},if=none,id=drive-xvde,readonly=off"), argv.toString());
    }

    /** A disk written by this domain cannot also be another of its disks' backing image. */
    @Test
    void aWritableDiskThatIsAlsoABackingImageIsRefused() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "ch-sh-base.qcow2", "16M");
        Path top = overlay("ch-sh-top.qcow2", "ch-sh-base.qcow2", "qcow2");
        Path cfg = host.domain("ch-sh.cfg", "name = \"ch-sh\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=qcow2, vdev=xvde, access=rw, target=" + top + "\", "
                        + "\"format=qcow2, vdev=xvdf, access=rw, target=" + tmp.resolve("ch-sh-base.qcow2") + "\" ]");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":4: disk: xvdf (") && r.err().contains("is the same file as xvde's backing image"),
                r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "ch-sh", null));
    }

    /**
     * The tenant races the backing name while dmjail plans and launches: swapping the base for a
     * symlink to /etc/shadow, then for another image of its own. Each create either refuses (a symlink,
     * a host file, a file other than the one planned) or runs with the very file the plan admitted;
     * QEMU never holds anything under /etc.
     */
    @Test
    void aSwappedBackingNameNeverHandsQemuAnotherFile() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg", "qmp_timeout_ms = 60000");
        Path dir = Files.createDirectory(tmp.resolve("tenant"));
        Path base = dir.resolve("base.qcow2");
        ProofSupport.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M");
        Path top = overlay(dir, "top.qcow2", "base.qcow2", "qcow2");
        Path other = dir.resolve("other.qcow2");
        ProofSupport.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", other.toString(), "16M");
        Path link = Files.createSymbolicLink(dir.resolve("evil.qcow2"), Path.of("/etc/shadow"));
        for (Path p : List.of(dir, base, top, other)) {
            chownTenant(p);
        }
        Path boot = tmp.resolve("ch-race-boot.img");
        Files.copy(ProofSupport.GUEST, boot);
        Path cfg = host.domain("ch-race.cfg", "name = \"ch-race\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + boot + "\", "
                        + "\"format=qcow2, vdev=xvde, access=rw, target=" + top + "\" ]");
        Path swapper = ProofSupport.compile("swapper");
        for (Path swapIn : List.of(link, other)) {
            List<String> reasons = new ArrayList<>();
            int ran = 0;
            Process p = new ProcessBuilder("setpriv", "--reuid=" + TENANT, "--regid=" + TENANT, "--clear-groups",
                    swapper.toString(), base.toString(), swapIn.toString(), "60").redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("SWAPPING", out.readLine());
            try {
                for (int i = 0; i < 8; i++) {
                    CliRun r = host.run("create", cfg.toString());
                    if (r.exit() == 0) {
                        ran++;
                        long pid = ProofSupport.listed(host, "ch-race").get("pid").asLong();
                        for (String t : ProcFacts.fdTargets(pid)) {
                            assertFalse(t.startsWith("/etc/"), "the device model holds " + t);
                        }
                        CliRun audit = host.run("audit", "ch-race"); // the planned identities are what QEMU holds
                        assertEquals(0, audit.exit(), audit.out());
                        assertEquals(0, host.run("destroy", "ch-race").exit());
                    } else {
                        String err = r.err().strip();
                        assertTrue(r.exit() == ExitCodes.FAILED || r.exit() == ExitCodes.BAD_CONFIG, err);
                        assertEquals(1, err.lines().filter(l -> !l.startsWith("dmjail: WARN")).count(), err);
                        assertTrue(err.contains("under /etc") || err.contains("symlink") || err.contains("replaced after planning")
                                || err.contains("changed while it was being checked") || err.contains("no such file")
                                || err.contains("No such file"), err);
                        reasons.add(err);
                    }
                    assertEquals(List.of(), ProofSupport.leftovers(host, "ch-race", null));
                }
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
                host.run("destroy", "ch-race");
            }
            System.out.println("backing race against " + swapIn.getFileName() + ": " + ran + " ran, refused: " + reasons);
            assertTrue(!reasons.isEmpty(), "the swapper never won a plan-or-open: the race was not exercised");
            if (swapIn.equals(other)) {
                // two regular files of the tenant: only the identity checks (plan, launcher) can catch it
                assertTrue(reasons.stream().allMatch(e -> e.contains("replaced after planning")
                        || e.contains("changed while it was being checked")), reasons.toString());
            }
            if (Files.isSymbolicLink(base)) { // put the names back for the next round
                Files.move(base, dir.resolve("tmp-link"));
                Files.move(swapIn, base);
                Files.move(dir.resolve("tmp-link"), swapIn);
            }
        }
        Files.deleteIfExists(link);
    }

    private void assertRefused(TestHost host, String name, Path top, String why) throws IOException {
        Path cfg = host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=qcow2, vdev=xvde, access=rw, target=" + top + "\" ]");
        for (String mode : List.of("-n", "")) {
            CliRun r = mode.isEmpty() ? host.run("create", cfg.toString()) : host.run("create", mode, cfg.toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out() + r.err());
            assertTrue(r.err().startsWith("dmjail: " + cfg + ":4: disk: xvde: "), r.err());
            assertTrue(r.err().contains(why), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
    }

    private Path overlay(String file, String backingName, String backingFormat) throws Exception {
        return overlay(tmp, file, backingName, backingFormat);
    }

    /** An overlay naming {@code backingName} as qemu-img writes it (-u: the backing file is not opened). */
    private static Path overlay(Path dir, String file, String backingName, String backingFormat) throws Exception {
        ProofSupport.run(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", backingName, "-F", backingFormat, file, "16M");
        return dir.resolve(file);
    }

    /**
     * Overwrites the backing-format extension's type (0xE2792ACA) with an unknown one, which QEMU
     * skips: an image naming a backing file without its format, as old qemu-img wrote them.
     */
    private static void hideBackingFormat(Path image) throws IOException {
        patch(image, extensionAt(image), ByteBuffer.allocate(4).putInt(0x0BADF00D).array());
    }

    /** The domain's kept QEMU log, for a failure message. */
    private static String logOf(TestHost host, String name) {
        try {
            return Files.readString(host.logDir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static long beLong(Path p, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        }
    }

    private static void patch(Path p, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.write(bytes);
        }
    }

    /** Offset of the backing-format header extension (type 0xE2792ACA) in {@code image}. */
    private static long extensionAt(Path image) throws IOException {
        byte[] head = Files.readAllBytes(image);
        for (int i = 72; i + 4 <= 4096; i += 8) {
            if (ByteBuffer.wrap(head, i, 4).getInt() == 0xE2792ACA) {
                return i;
            }
        }
        throw new AssertionError("no backing format extension in " + image);
    }

    /** query-block's entry for {@code device}. */
    static JsonNode block(TestHost host, String name, String device) throws Exception {
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).pathsOfKey(name);
        try (QmpClient c = QmpClient.connect(paths.qmpSocket(), System.nanoTime() + 10_000_000_000L)) {
            for (JsonNode b : c.execute("query-block", System.nanoTime() + 10_000_000_000L)) {
                if (b.path("device").asText().equals(device)) {
                    return b;
                }
            }
        }
        throw new AssertionError("no block device " + device);
    }

    private static void chownTenant(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", TENANT);
        Files.setAttribute(p, "unix:gid", TENANT);
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
