package dev.dmjail.toolstack.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.host.QemuFacts;
import dev.dmjail.toolstack.host.QemuProbe;
import dev.dmjail.toolstack.layer.PlanException;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.uidrange.ResolvedUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The xen backend's argv follows the QEMU it will run (7.2 through 10.x: {@link QemuFacts}), and the qemu
 * backend's argv holds no option QEMU removed up to 10.2. The builder is fed each release's facts; the
 * probe is run against the QEMU installed here (Debian 12: 7.2).
 */
class XenArgvTest {

    @TempDir
    Path tmp;

    static final ResolvedUser RANGE_USER = new ResolvedUser(65541, 65541, "xen-qemuuser-range-base", ResolvedUser.Source.RANGE,
            true, true, 65536, 65536, List.of());

    private DomainConfig domain(String... lines) throws Exception {
        Path cfg = tmp.resolve("xf.cfg");
        Files.writeString(cfg, String.join("\n", lines) + "\n");
        return XlConfigLoader.load(cfg, List.of()).domain();
    }

    private List<String> argv(DomainConfig d, QemuFacts qemu) throws PlanException {
        DomainPaths paths = DomainPaths.of(tmp.resolve("state"), tmp.resolve("log"), d.name());
        return new QemuCommandBuilder(HostPolicy.defaults(), new HostFacts(false, false, null))
                .build(d, 7, paths, List.of(), null, null, true, RANGE_USER, qemu, Problems.refusing()).argv();
    }

    /** Per release family: how the Xen device model chroots and switches to its uid (libxl 4.20's choice). */
    @ParameterizedTest(name = "QEMU {0}.{1}")
    @CsvSource(delimiter = '|', value = {
            "7|2|-chroot ROOT -runas 65541:65541",
            "8|0|-chroot ROOT -runas 65541:65541",
            "8|2|-runas 65541:65541 -run-with chroot=ROOT",
            "9|0|-runas 65541:65541 -run-with chroot=ROOT",
            "9|2|-run-with chroot=ROOT,user=65541:65541",
            "10|0|-run-with chroot=ROOT,user=65541:65541",
            "10|1|-run-with chroot=ROOT,user=65541:65541"})
    void theXenDeviceModelDropsPrivilegesWithTheOptionsItsQemuHas(int major, int minor, String expected) throws Exception {
        DomainConfig d = domain("name = \"xf-pv\"", "type = \"pv\"", "kernel = \"/boot/vmlinuz\"", "dm_restrict = 1");
        QemuFacts facts = QemuFacts.forRelease(major, minor);
        List<String> a = argv(d, facts);
        String root = DomainPaths.of(tmp.resolve("state"), tmp.resolve("log"), "xf-pv").filesystemRoot().toString();
        String joined = String.join(" ", a);
        assertTrue(joined.contains(expected.replace("ROOT", root)), joined);
        assertFalse(major >= 9 && a.contains("-chroot"), "-chroot is gone in 9.0: " + joined);
        assertFalse(major >= 10 && a.contains("-runas"), "-runas is gone in 10.0: " + joined);
        // libxl's PV device model: attach to the domain Xen built, xenpv machine, restricted Xen calls; no vCPUs
        for (String want : List.of("-xen-domid", "-xen-attach", "-no-shutdown", "xenpv", "-xen-domid-restrict")) {
            assertTrue(a.contains(want), want + " in " + joined);
        }
        assertFalse(a.contains("-smp"), joined);
        assertTrue(joined.contains("elevateprivileges=allow"), "QEMU switches its uid itself: " + joined);
    }

    /** The facts read from each family's -help lines (qemu-options.hx of that release) are the release table's. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "7.2.22;-chroot dir     chroot to dir just before starting the VM\\n-runas user     change to user id user just before starting the VM;7;2",
            "8.2.2;-chroot dir     chroot to dir just before starting the VM (deprecated)\\n-runas user     change to user id user just before starting the VM\\n-run-with [async-teardown=on|off][,chroot=dir];8;2",
            "9.0.2;-runas user     change to user id user just before starting the VM\\n-run-with [async-teardown=on|off][,chroot=dir];9;0",
            "9.2.0;-runas user     change to user id user just before starting the VM\\n-run-with [async-teardown=on|off][,chroot=dir][user=username|uid:gid];9;2",
            "10.0.2;-run-with [async-teardown=on|off][,chroot=dir][user=username|uid:gid];10;0"})
    void helpTextGivesTheReleaseFacts(String version, String lines, int major, int minor) {
        QemuFacts f = QemuFacts.fromHelp("QEMU emulator version " + version + " (Debian)\nusage: qemu-system-x86_64 [options]\n"
                + lines.replace("\\n", "\n") + "\n-sandbox on[,obsolete=allow|deny]\n");
        QemuFacts r = QemuFacts.forRelease(major, minor);
        assertEquals(version, f.version());
        assertEquals(List.of(r.chroot(), r.runas(), r.runWithChroot(), r.runWithUser()),
                List.of(f.chroot(), f.runas(), f.runWithChroot(), f.runWithUser()), f.toString());
    }

    /** The real probe, against this host's QEMU (Debian 12: 7.2), once per binary identity. */
    @Test
    void theProbeReadsTheInstalledQemu() throws Exception {
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        QemuFacts f = QemuProbe.of(qemu);
        assertNotNull(f.version(), f.toString());
        String help = new String(new ProcessBuilder(qemu.toString(), "-help").start().getInputStream().readAllBytes());
        assertTrue(help.startsWith("QEMU emulator version " + f.version()), f.version());
        assertEquals(help.contains("\n-runas "), f.runas());
        assertEquals(help.contains("\n-chroot "), f.chroot());
        assertSame(f, QemuProbe.of(qemu), "probed once per binary identity");
        Path notQemu = tmp.resolve("true");
        Files.copy(Path.of("/bin/true"), notQemu);
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> QemuProbe.of(notQemu));
        assertTrue(e.getMessage().contains("not a QEMU system emulator"), e.getMessage());
    }

    /** libxl__need_xenpv_qemu, disk by disk (libxl's back-end choice) and device by device. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "disk = [ 'format=raw, vdev=xvda, target=/srv/a.img' ];",
            "disk = [ 'format=qcow2, vdev=xvda, target=/srv/a.qcow2' ];disk xvda: format=qcow2",
            "disk = [ 'format=raw, vdev=xvda, backendtype=qdisk, target=/srv/a.img' ];disk xvda: backendtype=qdisk",
            "disk = [ 'format=qcow2, vdev=xvda, backendtype=phy, target=/srv/a.qcow2' ];",
            "disk = [ 'format=raw, vdev=xvda, specification=virtio, target=/srv/a.img' ];",
            "disk = [ 'format=vhd, vdev=xvda, backend=storagedom, target=/srv/a.vhd' ];",
            "disk = [ 'vdev=xvdc, devtype=cdrom, format=empty, target=' ];disk xvdc: an empty cdrom drive",
            "disk = [ 'vdev=xvda, colo, colo-host=h, colo-port=1, colo-export=e, active-disk=/a, hidden-disk=/h, target=/srv/a' ];disk xvda: COLO",
            "vnc = 1;vnc: a PV guest's vnc = 1 is a vfb",
            "channel = [ 'name=org.qemu.guest_agent.0,connection=pty' ];channel: served by QEMU",
            "p9 = [ 'tag=share,path=/srv/share,security_model=none' ];p9: served by QEMU",
            "vkb = [ 'backend-type=linux' ];",
            "vkb = [ 'backend-type=qemu,unique-id=k0' ];vkb: a vkb on the QEMU back-end",  // xl 4.17 parse_vkb_config refuses a vkb without backend-type
            "usbctrl = [ 'type=qusb,version=2' ];usbctrl: a qusb controller",
            "usbctrl = [ 'version=2,ports=4' ];usbctrl: type auto is qusb (QEMU's) on a host without usbback",
            "usbctrl = [ 'type=pv,version=2' ];",
            "vif = [ 'bridge=xenbr0' ];"})
    void aPvGuestNeedsQemuOnlyForWhatLibxlStartsItFor(String line, String reason) throws Exception {
        Path cfg = tmp.resolve("need.cfg");
        Files.writeString(cfg, "name = \"xf-need\"\ntype = \"pv\"\nkernel = \"/boot/vmlinuz\"\n" + line + "\n");
        dev.dmjail.config.ParsedDomain p = XlConfigLoader.load(cfg, List.of());
        List<ResolvedDisk> resolved = p.domain().disks().stream().map(s -> new ResolvedDisk(s.vdev(),
                s.target() == null || s.target().isEmpty() ? null : s.target(), "raw", true, s.cdrom(), -1, 0, 4, null,
                List.of())).toList();
        XenPvDevices.Need need = XenPvDevices.of(p.domain(), p.raw(), resolved);
        if (line.contains("ports=4") && Files.exists(XenPvDevices.USBBACK)) {
            reason = null; // this host's kernel serves PV USB: libxl's auto is pv
        }
        if (reason == null) {
            assertFalse(need.needed(), need.reasons().toString());
        } else {
            assertEquals(1, need.reasons().size(), need.reasons().toString());
            assertTrue(need.reasons().get(0).startsWith(reason), need.reasons().toString());
            assertEquals(reason.startsWith("disk") ? 1 : 0, need.qdisks().size());
        }
    }

    /** A QEMU that can neither chroot nor switch its user cannot run a restricted Xen device model. */
    @Test
    void aQemuWithoutAWayToDropPrivilegesIsRefused() throws Exception {
        DomainConfig d = domain("name = \"xf-pv\"", "type = \"pv\"", "kernel = \"/boot/vmlinuz\"", "dm_restrict = 1");
        PlanException e = assertThrows(PlanException.class, () -> argv(d, new QemuFacts("11.0.0", false, false, true, false)));
        assertEquals("dm_restrict", e.key());
        assertTrue(e.getMessage().contains("no option to switch its user"), e.getMessage());
    }

    /**
     * QEMU's removed-features.rst up to 10.2: none of these reaches the qemu backend's argv, whatever the
     * config asks (the qemu backend's options are the same from 7.2 to 10.x, so it needs no probe).
     */
    @Test
    void theQemuBackendPassesNoRemovedOption() throws Exception {
        DomainConfig d = domain("name = \"xf-hvm\"", "type = \"hvm\"", "memory = 64", "vcpus = 2", "maxvcpus = 4",
                "dm_restrict = 1", "vnc = 1", "vncpasswd = \"x\"", "keymap = \"de\"", "vga = \"stdvga\"", "serial = \"pty\"",
                "boot = \"dc\"", "vif = [ \"mac=00:16:3e:00:00:01,bridge=xenbr0\" ]", "on_crash = \"preserve\"",
                "device_model_args = [ ]");
        List<String> a = argv(d, null);
        List<String> removed = List.of("-chroot", "-runas", "-no-hpet", "-no-acpi", "-async-teardown", "-singlestep",
                "-soundhw", "-sdl", "-curses", "-watchdog", "-realtime", "-tb-size", "-usbdevice", "-no-quit",
                "-writeconfig", "-enable-fips", "-nodefconfig", "-localtime", "-startdate", "-rtc-td-hack", "-balloon",
                "-bootp", "-redir", "-smb", "-tftp", "-no-kvm", "-show-cursor", "-portrait", "-rotate", "-old-param",
                "-no-kvm-irqchip", "-no-kvm-pit-reinjection", "-hdachs", "-tdf", "-net");
        assertEquals(List.of(), a.stream().filter(removed::contains).toList(), String.join(" ", a));
        for (String arg : a) {
            assertFalse(arg.matches(".*\\b(acl|tls|x509|x509verify|share|noshare|nodelay|pretty)(,|$).*"),
                    "a removed or deprecated short-form suboption: " + arg);
        }
        assertTrue(Collections.frequency(a, "-machine") == 1 && a.contains("pc"), String.join(" ", a));
    }
}
