package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cd-insert / cd-eject under restriction with a real Debian guest (TCG) that reads its cdrom every
 * second: it sees the ISO inserted while it runs, then the next one, then none after eject; the audit
 * passes after each change (the plan follows the medium: planned while inserted, gone once ejected);
 * an image outside image_dirs and a vdev that is no cdrom are refused in one line; nothing is left.
 */
class CdromChangeTest {

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys; busybox mount -t devtmpfs dev /dev",
            GuestKernel.LOAD_MODULES,
            "while true; do",
            "  if busybox mount -t iso9660 -o ro /dev/sr0 /mnt 2>/dev/null; then",
            "    echo \"cd-read: $(busybox cat /mnt/HELLO.TXT)\"; busybox umount /mnt",
            "  else echo 'cd-read: none'; fi",
            "  busybox sleep 1",
            "done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void theGuestReadsEachInsertedMediumAndNoneAfterEject() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path isoA = iso("cd-a", "first disc"), isoB = iso("cd-b", "second disc");
        Path cfg = GuestKernel.domain(host, tmp, "cd-guest", INIT, List.of("ata_piix", "sr_mod", "isofs"), "memory = 192",
                "extra = \"console=ttyS0 quiet\"", "disk = [ \"vdev=hdc,devtype=cdrom,format=empty,target=\" ]");
        CliRun c = host.run("create", cfg.toString());
        assertEquals(0, c.exit(), c.err());
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "cd-guest", "cd-read: none", 240).contains("cd-read: none"));
            CliRun ins = host.run("cd-insert", "cd-guest", "hdc", isoA.toString());
            assertEquals(0, ins.exit(), ins.err());
            assertTrue(KernelBootTest.waitForConsole(host, "cd-guest", "cd-read: first disc", 60).contains("cd-read: first disc"));
            audit(host);
            CliRun ins2 = host.run("cd-insert", "cd-guest", "hdc", isoB.toString());
            assertEquals(0, ins2.exit(), ins2.err());
            assertTrue(KernelBootTest.waitForConsole(host, "cd-guest", "cd-read: second disc", 60).contains("cd-read: second disc"));
            String planned = Files.readString(host.stateDir.resolve("domains/cd-guest/state.json"));
            assertTrue(planned.contains(isoB.toString()) && !planned.contains(isoA.toString()),
                    "only the medium in the drive is planned: " + planned);
            audit(host);
            CliRun ej = host.run("cd-eject", "cd-guest", "hdc");
            assertEquals(0, ej.exit(), ej.err());
            String after = Files.readString(host.logDir.resolve("cd-guest.console"));
            int mark = after.length();
            assertTrue(Wait.until(60, () -> Files.readString(host.logDir.resolve("cd-guest.console")).substring(mark)
                    .contains("cd-read: none")), "the guest sees no medium after eject");
            audit(host);

            Path outside = Files.createDirectories(Path.of("/var/tmp/cd-outside-" + ProcessHandle.current().pid()));
            try {
                Path iso = Files.copy(isoA, outside.resolve("x.iso"));
                CliRun bad = host.run("cd-insert", "cd-guest", "hdc", iso.toString());
                assertEquals(ExitCodes.BAD_CONFIG, bad.exit(), bad.err());
                assertTrue(bad.err().contains("outside the host's image_dirs"), bad.err());
                assertEquals(1, bad.err().strip().lines().count(), bad.err());
            } finally {
                new ProcessBuilder("rm", "-rf", outside.toString()).start().waitFor();
            }
            CliRun notCd = host.run("cd-insert", "cd-guest", "hda", isoA.toString());
            assertEquals(ExitCodes.BAD_CONFIG, notCd.exit(), notCd.err());
            assertTrue(notCd.err().contains("has no emulated cdrom hda"), notCd.err());
        } finally {
            assertEquals(0, host.run("destroy", "cd-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "cd-guest", null));
    }

    private static void audit(TestHost host) {
        CliRun a = host.run("audit", "cd-guest");
        assertEquals(0, a.exit(), a.out());
    }

    private Path iso(String name, String text) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("HELLO.TXT"), text + "\n");
        Path iso = tmp.resolve(name + ".iso");
        Process p = new ProcessBuilder("genisoimage", "-quiet", "-r", "-o", iso.toString(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return iso;
    }


}
