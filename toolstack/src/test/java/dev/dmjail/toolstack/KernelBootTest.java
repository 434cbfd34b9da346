package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.proof.ProofSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Direct kernel boot under dm_restrict=1: Debian's kernel and a busybox initramfs made by the test
 * ({@link GuestKernel}) boot with kernel=/ramdisk=/cmdline=, the guest's /init prints the command
 * line it got on the serial console, the audit shows the files bound into the private root are the
 * ones planned, and nothing is left after destroy. TCG (real kernels need it on this machine kind).
 */
class KernelBootTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "/bin/busybox mount -t proc proc /proc",
            "/bin/busybox echo \"kb-guest: booted, cmdline: $(/bin/busybox cat /proc/cmdline)\"",
            "while true; do /bin/busybox sleep 1000; done", "");

    @Test
    void aDebianKernelWithABusyboxInitramfsBootsAndSeesItsCommandLine() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path kernel = Files.copy(GuestKernel.kernel(), tmp.resolve("vmlinuz"));
        Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
        Path initrd = GuestKernel.initramfs(tmp.resolve("initrd.cpio"), INIT);
        Path cfg = host.domain("kb-boot.cfg", "name = \"kb-boot\"", "type = \"hvm\"", "memory = 192", "dm_restrict = 1",
                "kernel = \"" + kernel + "\"", "ramdisk = \"" + initrd + "\"",
                "root = \"/dev/ram0\"", "extra = \"console=ttyS0 quiet kb.marker=x1y2\"", "serial = \"pty\"");

        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        JsonNode argv = ProofSupport.JSON.readTree(dry.out()).at("/plan/argv");
        List<String> args = new ArrayList<>();
        argv.forEach(a -> args.add(a.asText()));
        assertEquals("/boot/kernel", args.get(args.indexOf("-kernel") + 1), args.toString());
        assertEquals("/boot/initrd", args.get(args.indexOf("-initrd") + 1), args.toString());
        // xl's precedence: no cmdline=, so "root=ROOT EXTRA"
        assertEquals("root=/dev/ram0 console=ttyS0 quiet kb.marker=x1y2", args.get(args.indexOf("-append") + 1));
        assertTrue(args.stream().noneMatch(a -> a.contains(kernel.toString()) || a.contains(initrd.toString())),
                "host paths never reach QEMU's argv: " + args);

        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            String console = waitForConsole(host, "kb-boot", "kb-guest: booted", 240);
            assertTrue(console.contains("kb-guest: booted, cmdline: root=/dev/ram0 console=ttyS0 quiet kb.marker=x1y2"),
                    console);
            CliRun audit = host.run("audit", "-a", "kb-boot");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(audit.out().contains("/boot/kernel is the planned file"), audit.out());
            assertTrue(audit.out().contains("/boot/initrd is the planned file"), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "kb-boot").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "kb-boot", null));
    }

    /** bios = "ovmf": the same kernel booted by UEFI firmware (OVMF loads it as an EFI stub from fw_cfg). */
    @Test
    void ovmfBootsTheKernelAsAnEfiGuest() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path kernel = Files.copy(GuestKernel.kernel(), tmp.resolve("vmlinuz"));
        Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
        Path initrd = GuestKernel.initramfs(tmp.resolve("initrd.cpio"), INIT);
        Path cfg = host.domain("kb-efi.cfg", "name = \"kb-efi\"", "type = \"hvm\"", "memory = 256", "dm_restrict = 1",
                "kernel = \"" + kernel + "\"", "ramdisk = \"" + initrd + "\"", "extra = \"console=ttyS0\"",
                "bios = \"ovmf\"", "serial = \"pty\"");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
        try {
            String console = waitForConsole(host, "kb-efi", "kb-guest: booted", 300);
            assertTrue(console.contains("kb-guest: booted"), console);
            assertTrue(console.contains("efi: EFI v2"), "booted by UEFI firmware: " + console);
            CliRun audit = host.run("audit", "kb-efi");
            assertEquals(0, audit.exit(), audit.out());
        } finally {
            assertEquals(0, host.run("destroy", "kb-efi").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "kb-efi", null));
    }

    /**
     * The guest can read what it boots, so a kernel= naming a host file it should not see is refused
     * before anything is made: a file outside image_dirs only root may read, and a file the device
     * model's uid could not open (mode 0600) with the reason.
     */
    @Test
    void aKernelTheGuestMustNotReadIsRefusedAndTheHostIsLeftAsItWas() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg", "image_dirs = " + tmp.resolve("images"));
        Files.createDirectories(tmp.resolve("images"));
        Path secret = Files.writeString(tmp.resolve("secret"), "not for guests");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--")); // but tmp is 0700
        Path cfg = host.domain("kb-ref.cfg", "name = \"kb-ref\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "kernel = \"" + secret + "\"");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(cfg + ":5: kernel: " + secret + " resolves to " + secret.toRealPath()
                + ", which not every user of this host may read, and is outside the host's image_dirs"), r.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "kb-ref", null));

        Path closed = Files.writeString(tmp.resolve("images").resolve("vmlinuz"), "x");
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rw-------"));
        Path cfg2 = host.domain("kb-ref2.cfg", "name = \"kb-ref\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "kernel = \"" + closed + "\"");
        CliRun r2 = host.run("create", cfg2.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r2.exit(), r2.err());
        assertTrue(r2.err().contains("kernel: " + closed + " is mode 0600: QEMU opens the kernel and initrd by name"),
                r2.err());

        Path cfg3 = host.domain("kb-ref3.cfg", "name = \"kb-ref\"", "type = \"hvm\"", "memory = 32", "dm_restrict = 1",
                "ramdisk = \"" + closed + "\"");
        CliRun r3 = host.run("create", cfg3.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r3.exit(), r3.err());
        assertTrue(r3.err().contains(cfg3 + ":5: ramdisk: ramdisk needs kernel="), r3.err());
        assertEquals(List.of(), ProofSupport.leftovers(host, "kb-ref", null));
    }

    static String waitForConsole(TestHost host, String name, String marker, int seconds) throws InterruptedException {
        String out = "";
        for (long end = System.nanoTime() + seconds * 1_000_000_000L; System.nanoTime() < end; ) {
            out = host.run("console", "-r", name).out();
            if (out.contains(marker)) {
                return out;
            }
            Thread.sleep(500);
        }
        return out;
    }
}
