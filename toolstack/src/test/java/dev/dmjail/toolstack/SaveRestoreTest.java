package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.proof.SubprocessCli;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * save / restore of a real Debian guest (TCG) whose /init counts in a shell variable (guest memory)
 * and prints the count each second on its serial line: after save the domain is gone and nothing of
 * it is left; restore starts a new confined device model (audit PASS) in which the count goes on from
 * where it was, with no second boot — and it is stopped, checked from /proc and audited before it has read
 * a byte of the file (its offset is 0). A save file cut short is refused before anything is created.
 */
class SaveRestoreTest {

    private static final CountingGuest GUEST = new CountingGuest("sr");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void aSavedGuestGoesOnCountingAfterRestore() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path cfg = GuestKernel.domain(host, tmp, "sr-guest", GUEST.init(), List.of(), "memory = 128",
                "extra = \"console=ttyS0 quiet\"");
        Path save = tmp.resolve("sr.save");
        // created with an override, and the file edited afterwards: save keeps the config the domain was
        // created with (xl's), so the restored guest has the memory its saved state needs
        assertEquals(0, host.run("create", cfg.toString(), "memory=160").exit());
        Files.writeString(cfg, Files.readString(cfg).replace("memory = 128", "memory = 96"));
        int before;
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "sr-guest", GUEST.tick(3), 240).contains(GUEST.tick(3)));
            CliRun s = host.run("save", "sr-guest", save.toString());
            assertEquals(0, s.exit(), s.err());
            assertTrue(s.out().contains("Saved domain") && s.out().contains("Destroyed domain sr-guest"), s.out());
        } finally {
            host.run("destroy", "sr-guest");
        }
        before = GUEST.last(Files.readString(host.logDir.resolve("sr-guest.console")));
        assertEquals(List.of(), ProofSupport.leftovers(host, "sr-guest", null));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(save)));
        CliRun again = host.run("save", "sr-guest", save.toString());
        assertEquals(ExitCodes.NOT_FOUND, again.exit(), again.err());

        // the restoring toolstack stopped once its device model is up: confined, audited, not a byte read yet
        Process p = SubprocessCli.start(host, Map.of("DMJAIL_STOP", "restore.confined"), "restore", save.toString());
        long t0 = System.nanoTime();
        long restoring = Toolstacks.awaitStopped(host, "restore", 120);
        SubprocessCli.Result r;
        try {
            JsonNode d = ProofSupport.listed(host, "sr-guest");
            assertEquals("inmigrate", d.get("state").asText(), d.toString());
            long dm = d.get("pid").asLong();
            Toolstacks.assertConfined(dm, d.get("uid").asInt(), d.get("domid").asInt());
            CliRun audit = host.run("audit", "sr-guest");
            assertEquals(0, audit.exit(), "audited before the state is read: " + audit.out());
            assertEquals(List.of("0"), savedFileOffsets(dm, save), "QEMU holds the save file and has read nothing of it");
        } catch (AssertionError | Exception e) {
            Toolstacks.resume(restoring);
            SubprocessCli.finish(p, t0);
            host.run("destroy", "sr-guest");
            throw e;
        }
        Toolstacks.resume(restoring);
        r = SubprocessCli.finish(p, t0);
        assertEquals(0, r.exit(), r.err());
        try {
            assertTrue(r.out().contains("Restored domain sr-guest") && r.out().contains("(running)"), r.out());
            String console = KernelBootTest.waitForConsole(host, "sr-guest", GUEST.tick(before + 2), 120);
            assertTrue(GUEST.last(console) > before, "the count goes on after restore: before " + before + ", " + console);
            assertFalse(console.contains(GUEST.boot()), "no second boot: " + console);
            CliRun audit = host.run("audit", "-a", "sr-guest");
            assertEquals(0, audit.exit(), audit.out());
            JsonNode d = ProofSupport.listed(host, "sr-guest");
            assertNotNull(d);
            assertEquals("running", d.get("state").asText());
            assertEquals(160, d.get("memory_mib").asInt(), "the memory it was created with: " + d);
        } finally {
            assertEquals(0, host.run("destroy", "sr-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "sr-guest", null));

        // a save file cut short: refused before anything is created
        try (RandomAccessFile f = new RandomAccessFile(save.toFile(), "rw")) {
            f.setLength(f.length() - 1);
        }
        CliRun bad = host.run("restore", save.toString());
        assertEquals(ExitCodes.FAILED, bad.exit(), bad.err());
        assertTrue(bad.err().contains("is not a dmjail save file"), bad.err());
        assertEquals("[ ]", host.run("list", "--json").out().trim());
    }

    /** The file offsets ("pos" in /proc/PID/fdinfo) of every fd of {@code pid} open on {@code file}. */
    private static List<String> savedFileOffsets(long pid, Path file) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file.toRealPath())) {
                        String info = Files.readString(Path.of("/proc/" + pid + "/fdinfo/" + fd.getFileName()));
                        out.add(info.lines().filter(l -> l.startsWith("pos:")).findFirst().orElse("pos: ?").substring(4).strip());
                    }
                } catch (java.nio.file.NoSuchFileException closedMeanwhile) {
                    // one of QEMU's own short-lived fds
                }
            }
        }
        return out;
    }

}
