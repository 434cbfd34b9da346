package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proof.ProofSupport;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * block-attach / block-detach under restriction with a real Debian guest (TCG): the guest sees a
 * virtio disk appear, reads what the host wrote there and writes back; block-detach takes it away (the
 * guest lets it go); the audit passes with the disk attached and after; the host finds the guest's
 * bytes in the image. What cannot be attached is refused in one line.
 */
class BlockHotplugTest {

    private static final String INIT = String.join("\n",
            "#!/bin/sh",
            "export PATH=/bin",
            "busybox mount -t proc proc /proc; busybox mount -t sysfs sys /sys; busybox mount -t devtmpfs dev /dev",
            GuestKernel.LOAD_MODULES,
            "while true; do",
            "  l=''; for d in /sys/block/vd*; do [ -e \"$d\" ] || continue; n=${d##*/}; l=\"$l $n\"",
            "    if [ \"$(busybox cat $d/size)\" = 65536 ] && [ ! -e /tmp/done-$n ]; then",
            "      echo \"hp-read: $(busybox head -c 12 /dev/$n)\"",
            "      echo hp-guest-data | busybox dd of=/dev/$n bs=1M seek=1 conv=fsync 2>/dev/null && echo hp-wrote",
            "      busybox touch /tmp/done-$n",
            "    fi",
            "  done; echo \"blk:$l.\"; busybox sleep 1",
            "done", "");

    @TempDir
    Path tmp;

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @Test
    void aDiskAttachedWhileTheGuestRunsIsUsedAndDetached() throws Exception {
        TestHost host = new TestHost(tmp, "accel = tcg");
        Path boot = sized("hp-boot.img", 160, null); // FSIZE 160 MiB: room for a 32 MiB qcow2 (its bound has 64 MiB of slack)
        Path img = sized("hp-data.img", 32, "hp-host-data");
        Path big = sized("hp-big.img", 256, null);
        Path cfg = GuestKernel.domain(host, tmp, "hp-guest", INIT, List.of("virtio_pci", "virtio_blk"), "memory = 192",
                "extra = \"console=ttyS0 quiet\"", "disk = [ \"format=raw, vdev=xvde, access=rw, target=" + boot + "\" ]");
        CliRun c = host.run("create", cfg.toString());
        assertEquals(0, c.exit(), c.err());
        try {
            assertTrue(KernelBootTest.waitForConsole(host, "hp-guest", "blk: vda.", 240).contains("blk: vda."));
            CliRun a = host.run("block-attach", "hp-guest", "format=raw, vdev=xvdf, access=rw, target=" + img);
            assertEquals(0, a.exit(), a.err());
            // the loop prints "blk: vda vdb." after it has read and written the new disk
            String console = KernelBootTest.waitForConsole(host, "hp-guest", "blk: vda vdb.", 60);
            assertTrue(console.contains("hp-read: hp-host-data") && console.contains("hp-wrote"), console);
            CliRun audit = host.run("audit", "hp-guest");
            assertEquals(0, audit.exit(), audit.out());

            // a qcow2 overlay: QEMU gets its raw base as a node dmjail opened, and the guest reads the
            // base's bytes through the overlay and writes into the overlay only
            Path base = sized("hp-base.img", 32, "hp-base-data");
            Path overlay = tmp.resolve("hp-over.qcow2");
            ProofSupport.run(tmp, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", base.toString(),
                    overlay.toString());
            CliRun o = host.run("block-attach", "hp-guest", "format=qcow2, vdev=xvdg, access=rw, target=" + overlay);
            assertEquals(0, o.exit(), o.err());
            console = KernelBootTest.waitForConsole(host, "hp-guest", "blk: vda vdb vdc.", 60);
            assertTrue(console.contains("hp-read: hp-base-data"), console);
            audit = host.run("audit", "hp-guest");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(audit.out().contains(base.toString()) || host.run("audit", "--json", "hp-guest").out()
                    .contains(base.toString()), "the backing image is planned and seen open: " + audit.out());
            CliRun od = host.run("block-detach", "hp-guest", "xvdg");
            assertEquals(0, od.exit(), od.err());
            assertEquals(0, host.run("audit", "hp-guest").exit());
            try (RandomAccessFile f = new RandomAccessFile(base.toFile(), "r")) {
                byte[] b = new byte[14];
                f.seek(1L << 20);
                f.readFully(b);
                assertEquals(0, b[0], "the guest's write went to the overlay, not the base");
            }

            assertTrue(host.run("block-list", "hp-guest").out().contains("xvdf     block-attach"),
                    host.run("block-list", "hp-guest").out());

            refused(host, "format=raw, vdev=hdb, access=rw, target=" + img, "an IDE disk cannot be hot-plugged");
            refused(host, "format=raw, vdev=xvde, access=ro, target=" + img, "already has a disk xvde");
            refused(host, "format=raw, vdev=xvdg, access=rw, target=" + big, "past the device model's RLIMIT_FSIZE");
            refused(host, "vdev=hdc, devtype=cdrom, target=" + img, "changed with cd-insert");
            CliRun notAttached = host.run("block-detach", "hp-guest", "xvde");
            assertEquals(ExitCodes.BAD_CONFIG, notAttached.exit(), notAttached.err());
            assertTrue(notAttached.err().contains("it was created with it"), notAttached.err());

            CliRun d = host.run("block-detach", "hp-guest", "xvdf");
            assertEquals(0, d.exit(), d.err());
            int mark = Files.readString(host.logDir.resolve("hp-guest.console")).length();
            long end = System.nanoTime() + 60_000_000_000L;
            while (!Files.readString(host.logDir.resolve("hp-guest.console")).substring(mark).contains("blk: vda.")
                    && System.nanoTime() < end) {
                Thread.sleep(500);
            }
            assertTrue(Files.readString(host.logDir.resolve("hp-guest.console")).substring(mark).contains("blk: vda."),
                    "the guest no longer has the disk");
            audit = host.run("audit", "-a", "hp-guest");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(!Files.readString(host.stateDir.resolve("domains/hp-guest/state.json")).contains(img.toString()),
                    "the detached disk is no longer planned");
        } finally {
            assertEquals(0, host.run("destroy", "hp-guest").exit());
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "hp-guest", null));
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            byte[] b = new byte[14];
            f.seek(1L << 20);
            f.readFully(b);
            assertEquals("hp-guest-data\n", new String(b, StandardCharsets.US_ASCII), "the guest's write reached the image");
        }
    }

    private static void refused(TestHost host, String spec, String why) {
        CliRun r = host.run("block-attach", "hp-guest", spec);
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        assertTrue(r.err().contains(why), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    private Path sized(String name, int mib, String marker) throws Exception {
        Path p = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength((long) mib << 20);
            if (marker != null) {
                f.write(marker.getBytes(StandardCharsets.US_ASCII));
            }
        }
        return p;
    }
}
