package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, the tenant: writes the domain config and owns the files and directories it names, but is
 * not root; an admin runs {@code dmjail create} on it. Played for real: an unprivileged process
 * swaps the tenant's directory for a symlink to /etc while the toolstack plans and launches; the
 * tenant points a disk at a FIFO, at a mounted block device, at another domain's disk, at files
 * outside the image dirs; the config itself is a FIFO or /dev/zero. Each time: a one-line refusal
 * (or a device model holding only the tenant's own file), and the host unchanged.
 */
class TenantTest {

    /** The tenant's uid: not root, not in the dm range (65536..98287) other tests kill by uid. */
    static final int TENANT = 231597;

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    private TestHost host() throws IOException {
        return new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 60000");
    }

    private static String digest(Path p) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    private static void chownTenant(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", TENANT);
        Files.setAttribute(p, "unix:gid", TENANT);
    }

    private Path domain(TestHost host, String name, String target, String access) throws IOException {
        return host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "vnc = 0", "serial = \"pty\"", "boot = \"c\"",
                // read-only on virtio: QEMU's IDE refuses a read-only block node (a known gap, issue 11)
                "disk = [ \"format=raw, vdev=" + (access.equals("ro") ? "vda" : "hda") + ", access=" + access
                        + ", target=" + target + "\" ]");
    }

    /**
     * The race of the issue: a read-write disk TENANT/d/shadow, while the tenant swaps d for a
     * symlink to /etc as fast as it can. Every create either refuses (symlink on the path, or a file
     * that is not the one planned) or runs with the tenant's own file; /etc/shadow is never opened.
     */
    @Test
    void pathRaceNeverHandsTheDeviceModelAHostFile() throws Exception {
        TestHost host = host();
        Path tenantDir = Files.createDirectory(tmp.resolve("tenant"));
        chownTenant(tenantDir);
        Path d = Files.createDirectory(tenantDir.resolve("d"));
        Path own = d.resolve("shadow");
        Files.copy(ProofSupport.GUEST, own);
        chownTenant(d);
        chownTenant(own);
        Path link = Files.createSymbolicLink(tenantDir.resolve("d.link"), Path.of("/etc"));
        String shadowBefore = digest(Path.of("/etc/shadow"));
        Object shadowMode = Files.getAttribute(Path.of("/etc/shadow"), "unix:mode");
        Path swapper = ProofSupport.compile("swapper");
        Process p = new ProcessBuilder("setpriv", "--reuid=" + TENANT, "--regid=" + TENANT, "--clear-groups",
                swapper.toString(), d.toString(), link.toString(), "60").redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("SWAPPING", out.readLine());
        int ran = 0;
        int refused = 0;
        List<String> reasons = new ArrayList<>();
        try {
            Path cfg = domain(host, "pf-race", own.toString(), "rw");
            for (int i = 0; i < 25; i++) {
                CliRun r = host.run("create", cfg.toString());
                if (r.exit() == 0) {
                    ran++;
                    JsonNode dm = ProofSupport.listed(host, "pf-race");
                    long pid = dm.get("pid").asLong();
                    for (String target : dev.dmjail.toolstack.ProcFacts.fdTargets(pid)) {
                        assertFalse(target.startsWith("/etc/"), "the device model holds " + target);
                    }
                    assertEquals(0, host.run("destroy", "pf-race").exit());
                } else {
                    refused++;
                    String err = r.err().strip();
                    assertEquals(ExitCodes.FAILED == r.exit() || ExitCodes.BAD_CONFIG == r.exit(), true, err);
                    assertEquals(1, err.lines().filter(l -> !l.startsWith("dmjail: WARN")).count(), err);
                    reasons.add(err);
                }
                assertEquals(List.of(), ProofSupport.leftovers(host, "pf-race", null));
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            host.run("destroy", "pf-race");
            // whichever name holds the symlink to /etc now, remove the link itself before any cleanup walks it
            for (Path x : List.of(d, link)) {
                if (Files.isSymbolicLink(x)) Files.delete(x);
            }
        }
        System.out.println("path race: " + ran + " creates ran with the tenant's own file, " + refused + " refused: " + reasons);
        assertEquals(25, ran + refused);
        assertTrue(refused > 0, "the swapper never won a single plan-or-open: the race was not exercised");
        for (String why : reasons) {
            assertTrue(why.contains("under /etc") || why.contains("symlink") || why.contains("replaced after planning")
                    || why.contains("no such file") || why.contains("No such file"), why);
        }
        assertEquals(shadowBefore, digest(Path.of("/etc/shadow")), "/etc/shadow changed");
        assertEquals(shadowMode, Files.getAttribute(Path.of("/etc/shadow"), "unix:mode"));
    }

    /**
     * The device model's own binary in a directory the tenant owns ({@code device_model_override =
     * TENANT/d/dm}): the toolstack plans it (reads its ELF headers from its own fd, notes that fd's
     * dev:ino) and stops between plan and launch (DMJAIL_STOP create.host-prepared); there the tenant
     * renames another binary over it, or swaps d for a symlink to a directory holding a binary of that
     * name. The launcher binds neither (a one-line refusal naming the path, nothing left); left alone, the
     * create runs the file the plan checked: audit PASS, its "binds are the files the plan checked" row
     * included, and the running executable is that dev:ino.
     */
    @Test
    void aDeviceModelSwappedBetweenPlanAndLaunchIsNeverBound() throws Exception {
        TestHost host = host();
        Path hostile = ProofSupport.compile("hostile");
        Path tenantDir = Files.createDirectory(tmp.resolve("tenant-dm"));
        Path d = Files.createDirectory(tenantDir.resolve("d"));
        Path other = Files.createDirectory(tenantDir.resolve("other"));
        Path dm = executableCopy(hostile, d.resolve("dm"));
        executableCopy(hostile, other.resolve("dm"));
        for (Path p : List.of(tenantDir, d, other, dm, other.resolve("dm"))) chownTenant(p);
        Path cfg = host.domain("pf-bind.cfg", "name = \"pf-bind\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "serial = \"pty\"", "device_model_override = \"" + dm + "\"",
                "device_model_args = [ \"--only\", \"none\" ]");

        // another binary renamed over the planned one
        String planned = identity(dm);
        String err = createSwappedAtLaunch(host, cfg, () -> {
            Path swapped = executableCopy(hostile, d.resolve(".swapped"));
            Files.move(swapped, dm, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        });
        assertTrue(err.contains(dm + " is not the file the plan checked") && err.contains("planned " + planned), err);
        System.out.println("device model swapped between plan and launch: " + err);

        // the directory swapped for a symlink to another one
        Path kept = tenantDir.resolve("d.planned");
        err = createSwappedAtLaunch(host, cfg, () -> {
            Files.move(d, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.createSymbolicLink(d, other);
        });
        assertTrue(err.contains(dm + " is not canonical") || err.contains("a symlink on the path"), err);
        System.out.println("device model swapped between plan and launch: " + err);
        Files.delete(d);
        Files.move(kept, d);

        // left alone: the checked file runs, and the audit says so
        assertEquals(0, host.run("create", cfg.toString()).exit());
        try {
            long pid = ProofSupport.listed(host, "pf-bind").get("pid").asLong();
            Path exe = Path.of("/proc/" + pid + "/exe"); // stat follows it to the file the process runs
            assertEquals(identity(dm), Files.getAttribute(exe, "unix:dev") + ":" + Files.getAttribute(exe, "unix:ino"),
                    "the device model runs the checked file");
            CliRun audit = host.run("audit", "-a", "pf-bind");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(audit.out().lines().anyMatch(l -> l.contains("binds are the files the plan checked")
                    && l.contains("3 as planned")), audit.out()); // hostile, libc, ld.so
        } finally {
            assertEquals(0, host.run("destroy", "pf-bind").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-bind", null));
    }

    /**
     * The same directory raced for real: an unprivileged swapper exchanges TENANT/d (holding binary A)
     * with a symlink to TENANT/other (holding binary B) as fast as it can, during 15 creates (up to 30 until one is refused). The plan
     * may follow the symlink (then B is what it checked, and bound); whatever it checked, a name that is
     * another file or a symlink by launch time is refused. Each create refuses in one line or runs A or B
     * with the audit's bind row PASS (every bind in its root the planned dev:ino); nothing is left.
     */
    @Test
    void aDeviceModelDirectoryRacedDuringCreatesIsBoundOnlyAsChecked() throws Exception {
        TestHost host = host();
        Path hostile = ProofSupport.compile("hostile");
        Path tenantDir = Files.createDirectory(tmp.resolve("tenant-race"));
        Path d = Files.createDirectory(tenantDir.resolve("d"));
        Path other = Files.createDirectory(tenantDir.resolve("other"));
        Path a = executableCopy(hostile, d.resolve("dm"));
        Path b = executableCopy(hostile, other.resolve("dm"));
        Path link = Files.createSymbolicLink(tenantDir.resolve("d.link"), other);
        for (Path p : List.of(tenantDir, d, other, a, b)) chownTenant(p);
        java.nio.file.Files.setAttribute(link, "unix:uid", TENANT, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        java.util.Set<String> checked = java.util.Set.of(identity(a), identity(b));
        Path cfg = host.domain("pf-bindrace.cfg", "name = \"pf-bindrace\"", "type = \"hvm\"", "memory = 32",
                "dm_restrict = 1", "serial = \"pty\"", "device_model_override = \"" + d.resolve("dm") + "\"",
                "device_model_args = [ \"--only\", \"none\" ]");
        Path swapper = ProofSupport.compile("swapper");
        Process p = new ProcessBuilder("setpriv", "--reuid=" + TENANT, "--regid=" + TENANT, "--clear-groups",
                swapper.toString(), d.toString(), link.toString(), "120").redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("SWAPPING", out.readLine());
        int ran = 0;
        List<String> reasons = new ArrayList<>();
        try {
            // 15 creates, or up to 30 until the swapper has won once (a refusal is how the race shows)
            for (int i = 0; i < 30 && (i < 15 || reasons.isEmpty()); i++) {
                CliRun r = host.run("create", cfg.toString());
                if (r.exit() == 0) {
                    ran++;
                    try {
                        long pid = ProofSupport.listed(host, "pf-bindrace").get("pid").asLong();
                        Path exe = Path.of("/proc/" + pid + "/exe");
                        String running = Files.getAttribute(exe, "unix:dev") + ":" + Files.getAttribute(exe, "unix:ino");
                        assertTrue(checked.contains(running), "runs " + running + ", neither of " + checked);
                        CliRun audit = host.run("audit", "-a", "pf-bindrace");
                        assertEquals(0, audit.exit(), audit.out());
                        assertTrue(audit.out().contains("binds are the files the plan checked"), audit.out());
                    } finally {
                        assertEquals(0, host.run("destroy", "pf-bindrace").exit());
                    }
                } else {
                    String err = r.err().strip();
                    assertTrue(r.exit() == ExitCodes.FAILED || r.exit() == ExitCodes.BAD_CONFIG, err);
                    List<String> lines = err.lines().filter(l -> !l.startsWith("dmjail: WARN")).toList();
                    assertEquals(1, lines.size(), err);
                    reasons.add(lines.get(0));
                }
                assertEquals(List.of(), ProofSupport.leftovers(host, "pf-bindrace", null));
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            host.run("destroy", "pf-bindrace");
            for (Path x : List.of(d, link)) {
                if (Files.isSymbolicLink(x)) Files.delete(x); // the link itself, before any cleanup walks it
            }
        }
        System.out.println("device model directory race: " + ran + " creates ran a checked binary, " + reasons.size()
                + " refused: " + reasons);
        assertTrue(!reasons.isEmpty(), "the swapper never won between plan and launch: the race was not exercised");
        for (String why : reasons) {
            assertTrue(why.contains("not the file the plan checked") || why.contains("is not canonical")
                    || why.contains("symlink") || why.contains("changed while") || why.contains("does not exist")
                    || why.contains("No such file") || why.contains("no such file") || why.contains("cannot resolve"), why);
        }
    }

    private interface Swap {
        void run() throws Exception;
    }

    /** create, stopped between plan and launch while {@code swap} runs: its one-line refusal, nothing left. */
    private static String createSwappedAtLaunch(TestHost host, Path cfg, Swap swap) throws Exception {
        Process p = SubprocessCli.start(host, java.util.Map.of("DMJAIL_STOP", "create.host-prepared"), "create", cfg.toString());
        long t0 = System.nanoTime();
        SubprocessCli.Result r;
        try {
            long stopped = dev.dmjail.toolstack.Toolstacks.awaitStopped(host, "create", 120);
            try {
                swap.run();
            } finally {
                dev.dmjail.toolstack.Toolstacks.resume(stopped);
            }
        } finally {
            r = SubprocessCli.finish(p, t0);
            if (r.exit() == 0) host.run("destroy", "pf-bind"); // never leave a domain behind a failed assertion
        }
        assertEquals(ExitCodes.FAILED, r.exit(), r.out() + r.err());
        List<String> lines = r.err().strip().lines().filter(l -> !l.startsWith("dmjail: WARN")).toList();
        assertEquals(1, lines.size(), r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-bind", null));
        return lines.get(0);
    }

    private static Path executableCopy(Path from, Path to) throws IOException {
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return to;
    }

    private static String identity(Path p) throws IOException {
        return Files.getAttribute(p, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** A FIFO in place of an image, or as the config: refused at once, never waited on. */
    @Test
    void fifosAndDevicesNeverHangTheRootSide() throws Exception {
        TestHost host = host();
        Path fifo = tmp.resolve("disk.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        long t0 = System.nanoTime();
        CliRun r = host.run("create", domain(host, "pf-fifo", fifo.toString(), "rw").toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains("is a FIFO, not a regular file or block device"), r.err());
        Path cfgFifo = tmp.resolve("cfg.fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", cfgFifo.toString()).start().waitFor());
        r = host.run("create", "-n", cfgFifo.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains(cfgFifo + ": unable to read configuration file: is a FIFO, not a regular file"), r.err());
        r = host.run("create", "-n", "/dev/zero");
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains("/dev/zero: unable to read configuration file: is a character device"), r.err());
        Path big = tmp.resolve("big.cfg");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'#'}), 64L << 20); // sparse, 64 MiB
        }
        r = host.run("create", "-n", big.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains("more than the 1048576 a config may have"), r.err());
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "the root side waited on a FIFO");
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-fifo", null));
    }

    /** Disk admission is an allow-list, decided on the opened file. */
    @Test
    void onlyImagesInImageDirsAndUnusedBlockDevicesBecomeDisks() throws Exception {
        TestHost host = host();
        // outside image_dirs: the admin's host config lists tmp and /dev only
        Path elsewhere = Files.createTempFile(Path.of("/var/tmp"), "pf-outside", ".img");
        try {
            CliRun r = host.run("create", "-n", domain(host, "pf-out", elsewhere.toString(), "rw").toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit());
            assertTrue(r.err().contains("outside the host's image_dirs"), r.err());
        } finally {
            Files.delete(elsewhere);
        }
        // a second name (hard link) of a file: could be a name of a file the host depends on
        Path img = tmp.resolve("linked.img");
        Files.copy(ProofSupport.GUEST, img);
        Files.createLink(tmp.resolve("linked-too.img"), img);
        CliRun r = host.run("create", "-n", domain(host, "pf-ln", img.toString(), "rw").toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains("has 2 hard links"), r.err());
        // dmjail's own state and logs, even though the test's image dir holds them
        Files.createDirectories(host.logDir);
        Path ownLog = Files.writeString(host.logDir.resolve("other.console"), "x");
        r = host.run("create", "-n", domain(host, "pf-log", ownLog.toString(), "rw").toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit());
        assertTrue(r.err().contains("under dmjail's own"), r.err());
        // the host's mounted root device
        String rootDev = mountedBlockDevice();
        if (rootDev != null) {
            r = host.run("create", "-n", domain(host, "pf-root", rootDev, "rw").toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
            assertTrue(r.err().contains("mounted on /"), r.err());
        }
        // a loop device: free → accepted; with its filesystem mounted → refused
        Path backing = tmp.resolve("loop.img");
        try (var f = new java.io.RandomAccessFile(backing.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        String loop = sh("losetup", "-f", "--show", backing.toString()).strip();
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        try {
            assertEquals(0, host.run("create", "-n", domain(host, "pf-loop", loop, "rw").toString()).exit());
            sh("mkfs.ext4", "-q", loop);
            sh("mount", loop, mnt.toString());
            r = host.run("create", "-n", domain(host, "pf-loop", loop, "rw").toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit());
            assertTrue(r.err().contains("mounted on " + mnt), r.err());
        } finally {
            new ProcessBuilder("umount", mnt.toString()).start().waitFor();
            new ProcessBuilder("losetup", "-d", loop).start().waitFor();
        }
    }

    /** Another running domain's disk: never shared read-write; read-only by both is fine. */
    @Test
    void aRunningDomainsDiskIsNotAnotherDomainsToWrite() throws Exception {
        TestHost host = host();
        Path img = tmp.resolve("victim.img");
        Files.copy(ProofSupport.GUEST, img);
        CliRun v = host.run("create", domain(host, "pf-own", img.toString(), "rw").toString());
        assertEquals(0, v.exit(), v.err());
        try {
            CliRun r = host.run("create", domain(host, "pf-thief", img.toString(), "rw").toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
            assertTrue(r.err().contains("is already a disk of domain pf-own (read-write)"), r.err());
            r = host.run("create", "-n", domain(host, "pf-peek", img.toString(), "ro").toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
            assertEquals(List.of(), ProofSupport.leftovers(host, "pf-thief", null));
        } finally {
            assertEquals(0, host.run("destroy", "pf-own").exit());
        }
        Path base = tmp.resolve("base.img");
        Files.copy(ProofSupport.GUEST, base);
        assertEquals(0, host.run("create", domain(host, "pf-ro1", base.toString(), "ro").toString()).exit());
        try {
            CliRun r = host.run("create", "-n", domain(host, "pf-ro2", base.toString(), "ro").toString());
            assertEquals(0, r.exit(), "two read-only users may share: " + r.err());
        } finally {
            assertEquals(0, host.run("destroy", "pf-ro1").exit());
        }
    }

    /** A config's bytes quoted in an error or a warning reach the admin's terminal escaped. */
    @Test
    void configBytesInMessagesAreEscaped() throws Exception {
        TestHost host = host();
        String osc52 = "\u001b]52;c;ZXZpbA==\u0007";
        Path cfg = host.domain("esc.cfg", "name = \"pf-esc\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=" + osc52 + "hda, access=rw, target=/nonexistent\" ]",
                "vif = [ \"bridge=xenbr0," + osc52 + "=1\" ]");
        // the dry run lists the bad vdev as a problem (xl -N takes any vdev): its JSON carries the bytes escaped
        CliRun dry = host.run("create", "-n", "--check", cfg.toString());
        assertEquals(ExitCodes.WOULD_REFUSE, dry.exit(), dry.err());
        assertFalse((dry.out() + dry.err()).chars().anyMatch(c -> c == 0x1b || c == 0x07), "raw escape: " + dry.out());
        assertTrue(dry.out().contains("\\u001B]52;c;ZXZpbA==\\u0007hda"), dry.out());
        CliRun r = host.run("create", cfg.toString());
        assertTrue(r.exit() != 0, r.out());
        assertFalse(r.err().chars().anyMatch(c -> c == 0x1b || c == 0x07), "raw escape on the terminal: " + r.err());
        assertTrue(r.err().contains("\\x1b]52;c;ZXZpbA==\\x07"), r.err());
    }

    /**
     * Class 8 by rule: numbers that would wrap, a device model that is no executable, a user that is
     * not exclusively a device model's, a path this locale cannot encode — each a one-line error
     * naming the file, line and key (or a plan warning), never an internal error.
     */
    @Test
    void numbersUsersBinariesAndCharsetsGetOneLineAnswers() throws Exception {
        TestHost host = host();
        String head = "name = \"pf-n\"\ntype = \"hvm\"\ndm_restrict = 1\n";
        Path cfg = tmp.resolve("n.cfg");
        for (String[] c : List.of(
                new String[] {"memory = 9007199254740991", ":4: memory: 9007199254740991 MiB is outside 1..16777216"},
                new String[] {"memory = 0", ":4: memory: 0 MiB is outside"},
                new String[] {"vcpus = 100000", ":4: vcpus: 100000 is outside 0..255"})) {
            Files.writeString(cfg, head + c[0] + "\n");
            CliRun r = host.run("create", "-n", cfg.toString());
            assertEquals(ExitCodes.BAD_CONFIG, r.exit(), c[0] + ": " + r.out());
            assertTrue(r.err().contains(cfg + c[1]), c[0] + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        // a binary that is not an executable file, a user this host will not run a device model as: this host's
        // problems (xl -N looks at neither): listed, create refuses them
        for (String[] c : List.of(new String[] {"device_model_override = \"/etc\"", "/etc is not a regular file"},
                new String[] {"device_model_override = \"/etc/passwd\"", "/etc/passwd is not executable"},
                new String[] {"device_model_user = \"xen-qemuuser-range-base\"", "device_model_user \"xen-qemuuser-range-base\""})) {
            Files.writeString(cfg, head + c[0] + "\n");
            CliRun dry = host.run("create", "-n", "--check", cfg.toString());
            assertEquals(ExitCodes.WOULD_REFUSE, dry.exit(), c[0] + ": " + dry.err());
            String key = c[0].substring(0, c[0].indexOf(' '));
            assertTrue(dry.out().contains(cfg + ":4: " + key + ": " + c[1].replace("\"", "\\\"")), c[0] + ": " + dry.out());
            CliRun create = host.run("create", cfg.toString());
            assertEquals(ExitCodes.BAD_CONFIG, create.exit(), c[0] + ": " + create.out());
            assertTrue(create.err().contains(cfg + ":4: " + key + ": " + c[1]), c[0] + ": " + create.err());
            assertEquals(1, create.err().strip().lines().count(), create.err());
        }
        // an executable that is no ELF binary: a host fact (xl -N does not look), a plan problem at the key's line;
        // create refuses it there
        Path script = Files.writeString(tmp.resolve("dm.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(cfg, head + "device_model_override = \"" + script + "\"\n");
        CliRun notElf = host.run("create", "-n", cfg.toString());
        assertEquals(0, notElf.exit(), notElf.err());
        assertTrue(notElf.out().contains(script + " is not an ELF64 executable"), notElf.out());
        notElf = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, notElf.exit(), notElf.out());
        assertTrue(notElf.err().contains(cfg + ":4: device_model_override: " + script + " is not an ELF64 executable"), notElf.err());
        // an explicit user outside the dm range (it may run other things): never killed by uid
        Files.writeString(cfg, head + "device_model_user = \"nobody\"\n");
        CliRun r = host.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode dac = null;
        for (JsonNode l : ProofSupport.JSON.readTree(r.out()).at("/plan/layers")) {
            if (l.get("layer").asText().equals("dac")) dac = l;
        }
        assertFalse(dac.at("/settings/killByUid").asBoolean(), dac.toString());
        assertTrue(ProofSupport.JSON.readTree(r.out()).at("/plan/warnings").toString().contains("never by uid"), r.out());
        // a disk path the C locale cannot encode
        Files.write(cfg, (head + "disk = [ \"format=raw, vdev=hda, access=rw, target=" + tmp + "/\u00fc.img\" ]\n")
                .getBytes(StandardCharsets.UTF_8));
        SubprocessCli.Result c = SubprocessCli.run(host, java.util.Map.of("LC_ALL", "C", "LANG", "C"), "create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, c.exit(), c.out() + c.err());
        assertTrue(c.err().contains("cannot be used as a path in this locale's character set"), c.err());
    }

    /** JSON output too: C1 controls and bidi overrides in a config value are written \\uXXXX, never raw. */
    @Test
    void jsonOutputCarriesNoRawTerminalControls() throws Exception {
        TestHost host = host();
        Path cfg = host.domain("json.cfg", "name = \"pf-json\"", "type = \"hvm\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + tmp + "/\u009b2J\u202egpj.img\" ]");
        CliRun r = host.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().chars().anyMatch(c -> c == 0x9b || c == 0x202e || c == 0x1b), "raw control in the JSON");
        assertTrue(r.out().contains("\\u009B2J\\u202Egpj.img"), r.out());
    }

    /** The device of the host's "/" mount as a /dev path, if this host has one there. */
    static String mountedBlockDevice() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = l.split(" ");
            if (f.length > 4 && f[4].equals("/")) {
                Path uevent = Path.of("/sys/dev/block", f[2], "uevent");
                if (!Files.exists(uevent)) return null;
                for (String u : Files.readAllLines(uevent)) {
                    if (u.startsWith("DEVNAME=") && Files.exists(Path.of("/dev", u.substring(8)))) {
                        return "/dev/" + u.substring(8);
                    }
                }
            }
        }
        return null;
    }

    static String sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
