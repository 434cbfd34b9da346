package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Linux guest under dm_restrict=1, as an admin would run one: Debian's kernel booted with
 * kernel=/ramdisk=/extra= and a busybox initramfs ({@link GuestKernel}) whose /init, in the guest,
 * writes to a raw disk, grows a qcow2 overlay over a read-only base by 50 MiB (and reads the base
 * through it), writes to a phy: loop device, reads a file
 * from a cdrom ISO, and pings the host over a vif on a bridge the test makes; the host pings it back.
 * Then a VNC client gets a framebuffer update, a command typed into `dmjail console` is answered by
 * the guest's shell, and a flood past the console log's bound leaves its first 2 MiB with a note.
 * After destroy the images are checked from the host ({@code qemu-img check}, the bytes the guest
 * wrote) and nothing of the domain is left. TCG: real kernels need it on this machine kind.
 */
class RealGuestTest {

    private static final String GUEST_IP = "198.51.100.2", HOST_IP = "198.51.100.1"; // TEST-NET-2 (RFC 5737)

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    /** What the guest does, each step printing a line the test waits for; sizes identify the disks. */
    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys; busybox mount -t devtmpfs dev /dev",
            GuestKernel.LOAD_MODULES,
            "busybox sleep 1",
            "for d in /sys/block/vd*; do n=${d##*/}; s=$(busybox cat $d/size); echo \"rg-disk $n $s\"",
            "  case $s in",
            "    262144) busybox dd if=/dev/urandom of=/dev/$n bs=1M count=50 conv=fsync 2>/dev/null && echo rg-qcow2-wrote-50M",
            "      echo \"rg-overlay-reads: $(busybox dd if=/dev/$n bs=1M skip=100 count=1 2>/dev/null | busybox head -c 12)\";;",
            "    65536) echo rg-loop-data | busybox dd of=/dev/$n conv=fsync 2>/dev/null && echo rg-loop-wrote;;",
            "    131072) echo rg-raw-data | busybox dd of=/dev/$n conv=fsync 2>/dev/null && echo rg-raw-wrote;;",
            "  esac",
            "done",
            "busybox mount -t iso9660 -o ro /dev/sr0 /mnt && echo \"rg-cdrom: $(busybox cat /mnt/HELLO.TXT)\"",
            "busybox ip link set lo up; busybox ip addr add " + GUEST_IP + "/24 dev eth0; busybox ip link set eth0 up",
            "busybox ping -c 3 -W 5 " + HOST_IP + " >/dev/null && echo rg-ping-host-ok",
            "echo rg-init-done",
            "exec busybox sh", ""); // an interactive shell on the serial console for the rest

    @Test
    void aDebianGuestUsesItsDisksCdromAndNetworkUnderRestriction() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path kernel = Files.copy(GuestKernel.kernel(), tmp.resolve("vmlinuz"));
        Files.setPosixFilePermissions(kernel, PosixFilePermissions.fromString("rw-r--r--"));
        Path initrd = GuestKernel.initramfs(tmp.resolve("initrd.cpio"), INIT, "virtio_pci", "virtio_blk", "e1000",
                "ata_piix", "sr_mod", "isofs");
        Path raw = tmp.resolve("rg-raw.img");
        try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        // the qcow2 disk is an overlay over a read-only raw base, as hosts store guests on a shared image
        Path base = tmp.resolve("rg-base.raw");
        try (var f = new java.io.RandomAccessFile(base.toFile(), "rw")) {
            f.setLength(128L << 20);
            f.seek(100L << 20);
            f.write("rg-base-data".getBytes(StandardCharsets.US_ASCII));
        }
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("r--r--r--"));
        String baseSum = run("sha256sum", base.toString());
        Path qcow2 = tmp.resolve("rg-data.qcow2");
        run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base.toString(), qcow2.toString(), "128M");
        long qcowBefore = Files.size(qcow2);
        Path loopFile = tmp.resolve("rg-loop.img");
        try (var f = new java.io.RandomAccessFile(loopFile.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        Path isoDir = Files.createDirectories(tmp.resolve("iso"));
        Files.writeString(isoDir.resolve("HELLO.TXT"), "hello from the iso\n");
        Path iso = tmp.resolve("rg.iso");
        run("genisoimage", "-quiet", "-r", "-o", iso.toString(), "-V", "RGTEST", isoDir.toString());
        String bridge = "brrg" + ProcessHandle.current().pid() % 10000;
        String loop = run("losetup", "-f", "--show", loopFile.toString()).strip();
        run("ip", "link", "add", bridge, "type", "bridge");
        try {
            run("ip", "addr", "add", HOST_IP + "/24", "dev", bridge);
            run("ip", "link", "set", bridge, "up");
            Path cfg = host.domain("rg.cfg", "name = \"rg-guest\"", "type = \"hvm\"", "memory = 256", "dm_restrict = 1",
                    "kernel = \"" + kernel + "\"", "ramdisk = \"" + initrd + "\"", "extra = \"console=ttyS0\"",
                    "disk = [ \"format=raw, vdev=xvde, access=rw, target=" + raw + "\", "
                            + "\"format=qcow2, vdev=xvdf, access=rw, target=" + qcow2 + "\", "
                            + "\"phy:" + loop + ",xvdg,w\", "
                            + "\"format=raw, vdev=hdc, devtype=cdrom, access=ro, target=" + iso + "\" ]",
                    "vif = [ \"bridge=" + bridge + ",model=e1000\" ]", "serial = \"pty\"", "vnc = 1", "vncunused = 1");
            CliRun r = host.run("create", cfg.toString());
            assertEquals(0, r.exit(), r.err());
            try {
                String console = KernelBootTest.waitForConsole(host, "rg-guest", "rg-init-done", 400);
                assertTrue(console.contains("rg-raw-wrote"), console);
                assertTrue(console.contains("rg-qcow2-wrote-50M"), console);
                assertTrue(console.contains("rg-overlay-reads: rg-base-data"), "reads through the overlay see the base: " + console);
                assertTrue(console.contains("rg-loop-wrote"), console);
                assertTrue(console.contains("rg-cdrom: hello from the iso"), console);
                assertTrue(console.contains("rg-ping-host-ok"), "guest -> host: " + console);
                assertEquals(0, new ProcessBuilder("ping", "-c", "2", "-W", "5", GUEST_IP).start().waitFor(),
                        "host -> guest");
                // VNC: the address create bound on the host, a real RFB handshake and a framebuffer update
                String vnc = ProofSupport.listed(host, "rg-guest").get("vnc").asText();
                try (VncTest.Rfb c = VncTest.Rfb.connect(Integer.parseInt(vnc.substring(vnc.lastIndexOf(':') + 1)))) {
                    assertEquals(List.of(1), c.securityTypes());
                    c.out.writeByte(1);
                    assertEquals(0, c.in.readInt(), "SecurityResult OK");
                    c.serverInitAndUpdate("rg-guest");
                }
                CliRun audit = host.run("audit", "rg-guest");
                assertEquals(0, audit.exit(), audit.out());
                // the serial console used interactively: a command typed into `dmjail console`, its output back
                Process session = new ProcessBuilder(consoleCommand(host, "rg-guest")).start();
                StringBuffer seen = drain(session);
                try {
                    var in = session.getOutputStream();
                    in.write("echo rg-$((6*7))\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    assertTrue(Wait.until(60, () -> seen.toString().contains("rg-42")), "the shell's answer: " + seen);
                    // then more than the console log keeps: 2 MiB of it stay, and the log says where it stopped
                    in.write("busybox seq 1 400000; echo rg-flood-$((1+1))\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                    assertTrue(Wait.until(300, () -> seen.toString().contains("rg-flood-2")), "the flood's end, live");
                } finally {
                    session.destroy();
                    session.waitFor(10, TimeUnit.SECONDS);
                }
                CliRun log = host.run("console", "-r", "rg-guest");
                assertTrue(log.out().contains("rg-init-done") && log.out().length() == 2097152,
                        "the first 2 MiB kept: " + log.out().length());
                assertTrue(log.err().contains("truncated at 2097152 bytes"), "the truncation is said: " + log.err());
            } finally {
                assertEquals(0, host.run("destroy", "rg-guest").exit());
            }
            assertEquals(List.of(), ProofSupport.leftovers(host, "rg-guest", null));
            run("qemu-img", "check", "-q", qcow2.toString());
            assertEquals(baseSum, run("sha256sum", base.toString()), "the base is unchanged");
            assertTrue(Files.size(qcow2) > qcowBefore + (50L << 20), "the qcow2 image grew: " + Files.size(qcow2));
            assertTrue(startsWith(raw, "rg-raw-data\n"), "the guest's write reached the raw image");
            assertTrue(startsWith(Path.of(loop), "rg-loop-data\n"), "the guest's write reached the loop device");
        } finally {
            new ProcessBuilder("ip", "link", "del", bridge).start().waitFor();
            new ProcessBuilder("losetup", "-d", loop).start().waitFor();
        }
    }

    private static List<String> consoleCommand(TestHost host, String name) {
        return dev.dmjail.toolstack.proof.SubprocessCli.command(host, "console", name);
    }

    private static StringBuffer drain(Process p) {
        StringBuffer out = new StringBuffer();
        Thread t = new Thread(() -> {
            byte[] b = new byte[8192];
            try (var in = p.getInputStream()) {
                for (int n; (n = in.read(b)) > 0; ) {
                    out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                    if (out.length() > (8 << 20)) {
                        out.delete(0, out.length() - (1 << 20)); // keep the tail: the test looks for the end
                    }
                }
            } catch (IOException e) {
                // the session ended
            }
        });
        t.setDaemon(true);
        t.start();
        return out;
    }



    private static boolean startsWith(Path p, String text) throws IOException {
        byte[] want = text.getBytes(StandardCharsets.US_ASCII);
        byte[] got = new byte[want.length];
        try (var in = Files.newInputStream(p)) {
            return in.readNBytes(got, 0, got.length) == got.length && java.util.Arrays.equals(want, got);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }
}
