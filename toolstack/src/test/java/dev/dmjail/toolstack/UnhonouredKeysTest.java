package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never a key accepted and then dropped: each xl setting the qemu backend does not honour yet makes
 * create refuse the domain (one line naming file, line and key, nothing created), and the dry run
 * (which parses as xl does) flags it in the plan's warnings.
 */
class UnhonouredKeysTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "ramdisk = \"/boot/initrd.img\"|ramdisk: ramdisk needs kernel= (direct kernel boot)",
        "cmdline = \"console=ttyS0\"|cmdline: cmdline needs kernel= (direct kernel boot)",
        "kernel = \"/no/such/vmlinuz\"|kernel: /no/such/vmlinuz cannot be used: no such file",
        "extra = \"quiet\"|extra: extra needs kernel= (direct kernel boot)",
        "bios = \"rombios\"|bios: rombios is the firmware of Xen's qemu-xen-traditional",
        "firmware = \"/srv/hvmloader\"|firmware: firmware = \"/srv/hvmloader\" names a firmware image",
        "sdl = 1|sdl: SDL needs a window",
        "on_reboot = \"preserve\"|on_reboot: on_reboot = \"preserve\" with on_poweroff = \"destroy\" cannot be honoured",
        "on_poweroff = \"preserve\"|on_poweroff: on_crash = \"destroy\" with on_poweroff = \"preserve\" is carried out by the host's watcher",
        "on_crash = \"coredump-destroy\"|on_crash: on_crash = \"coredump-destroy\" is carried out by the host's watcher",
        "on_reboot = \"rename-restart\"|on_reboot: on_reboot = \"rename-restart\" is not honoured",
        "vif = [ \"bridge=br0,script=vif-route\" ]|vif: vif 0: script=vif-route is not run: Xen's hotplug scripts read",
        "vif = [ \"bridge=br0,rate=10Mb/s\" ]|vif: vif 0: rate= is not enforced",
        "vif = [ \"bridge=br0,untrusted\" ]|vif: vif 0: untrusted is advice to a Xen PV network frontend",
        "acpi = \"yes\"|acpi: xl ignores this setting (parameter `acpi' is not a valid number (`yes'))",
        "vnclisten = \"0.0.0.0\"|vnclisten: vnc is not set: libxl would start VNC for this HVM guest by default",
        "vncpasswd = \"pw\"|vncpasswd: vnc is not set: libxl would start VNC",
        "vncviewer = 1|vncviewer: an xl setting dmjail does not support",
        "pci = [ \"01:00.0\" ]|pci: an xl setting dmjail does not support",
        "on_watchdog = \"restart\"|on_watchdog: Xen's watchdog is its SCHEDOP_watchdog hypercall",
        "on_soft_reset = \"soft-reset\"|on_soft_reset: soft reset is Xen's kexec handover",
        "tsc_mode = \"native\"|tsc_mode: an xl setting dmjail does not support",
        "viridian = [ \"base\" ]|viridian: an xl setting dmjail does not support",
        "acpi_s3 = 0|acpi_s3: an xl setting dmjail does not support",
        "hap = 0|hap: an xl setting dmjail does not support",
        "cpuid = \"host,tm=0\"|cpuid: an xl setting dmjail does not support",
        "max_grant_frames = 64|max_grant_frames: an xl setting dmjail does not support",
        "pae = 0|pae: an xl setting dmjail does not support",
        "hpet = 0|hpet: an xl setting dmjail does not support",
    })
    void refusedAtCreateFlaggedByTheDryRun(String line, String expected) throws Exception {
        TestHost host = new TestHost(tmp);
        Path cfg = host.domain("u.cfg", "name = \"uk\"", "type = \"hvm\"", "dm_restrict = 1", line);
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains(cfg + ":4: " + expected), r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> !l.startsWith("dmjail: WARN")).count(), r.err());
        assertEquals("[ ]", host.run("list", "--json").out().trim(), "nothing created");
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        String warnings = new ObjectMapper().readTree(dry.out()).at("/plan/warnings").toString();
        assertTrue(warnings.contains(expected.replace("\"", "\\\"")) && warnings.contains("create would refuse it"), warnings);
        assertTrue(!warnings.contains("unknown key, ignored"), "a refused key is not also called ignored: " + warnings);
    }

    /** Every key Xen 4.17's xl_parse.c reads (its xlu_cfg_* calls), as of RELEASE-4.17.0. */
    static final String XL_417_KEYS = "acpi acpi_firmware acpi_laptop_slate acpi_s3 acpi_s4 altp2m altp2mhvm apic bios "
            + "bios_path_override boot bootloader bootloader_args builder cap channel cmdline cpu_weight cpuid cpus "
            + "cpus_soft device_model device_model_args device_model_override device_model_stubdomain_override "
            + "device_model_stubdomain_seclabel device_model_user device_model_version device_tree disk display "
            + "dm_restrict driver_domain dtdev e820_host extra extratime firmware firmware_override gfx_passthru "
            + "gic_version hap hdtype hpet init_seclabel iomem ioports irqs kernel keymap latency localtime "
            + "max_event_channels max_grant_frames max_grant_version max_maptrack_frames maxmem maxvcpus mca_caps memory "
            + "mmio_hole ms_vm_genid msr_relaxed name nestedhvm nographic nomigrate nx on_crash on_poweroff on_reboot "
            + "on_soft_reset on_watchdog oos opengl p9 pae passthrough pci pci_msitranslate pci_permissive "
            + "pci_power_mgmt pci_seize period pool pvcalls pvshim pvshim_cmdline pvshim_extra pvshim_path ramdisk rdm "
            + "rdm_mem_boundary root rtc_timeoffset sdl seclabel serial shadow_memory slice smbios_firmware soundhw "
            + "spice spice_clipboard_sharing spice_image_compression spice_streaming_video spiceagent_mouse "
            + "spicedisable_ticketing spicehost spicepasswd spiceport spicetls_port spiceusbredirection spicevdagent "
            + "stdvga stubdomain_cmdline stubdomain_kernel stubdomain_memory stubdomain_ramdisk tee timer_mode tsc_mode "
            + "type usb usbctrl usbdev usbdevice usbversion uuid vcpus vdispl vendor_device vfb vga videoram vif vif2 "
            + "viridian vkb vkb_device vmtrace_buf_kb vnc vncdisplay vnclisten vncpasswd vncunused vncviewer vnuma vpmu "
            + "vpt_align vsnd vtpm vuart xauthority xen_platform_pci xend_suspend_evtchn_compat";

    /**
     * No key xl reads is dropped without a word: dmjail either models it (no "unknown key" warning) or the dry run
     * says create would refuse it. Each key is given as a string; whatever dmjail makes of that value, an
     * "unknown key, ignored" for a key xl reads is the silent drop this forbids.
     */
    @org.junit.jupiter.api.Test
    void everyKeyXlReadsIsModelledOrRefused() throws Exception {
        TestHost host = new TestHost(tmp);
        java.util.List<String> dropped = new java.util.ArrayList<>();
        for (String key : XL_417_KEYS.split(" ")) {
            if (java.util.Set.of("name", "type", "builder").contains(key)) continue;
            Path cfg = host.domain("k.cfg", "name = \"uk\"", "type = \"hvm\"", key + " = \"x\"");
            CliRun dry = host.run("create", "-n", cfg.toString());
            if (dry.exit() != 0) continue; // refused outright (xl refuses "x" for this key too): not dropped
            java.util.List<String> warnings = new java.util.ArrayList<>();
            new ObjectMapper().readTree(dry.out()).at("/plan/warnings").forEach(w -> warnings.add(w.asText()));
            boolean unknown = warnings.stream().anyMatch(w -> w.contains(":3: " + key + ": unknown key"));
            boolean refused = warnings.stream().anyMatch(w -> w.contains(":3: " + key + ": ") && w.contains("create would refuse it"));
            if (unknown && !refused) dropped.add(key);
        }
        assertEquals("[]", dropped.toString(), "xl keys dmjail neither models nor refuses");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"on_reboot = \"restart\"", "on_poweroff = \"destroy\"", "on_crash = \"destroy\"",
            "on_reboot = \"destroy\"", "on_crash = \"preserve\"", "vnc = 0", "sdl = 0", "vnc = 1", "stdvga = 1",
            "vga = \"none\"", "videoram = 16", "bios = \"seabios\"", "firmware = \"bios\"", "bios = \"ovmf\"",
            "firmware = \"uefi\"", "pae = 1", "apic = 1", "hpet = 1", "pae = 0x1", "apic = \"1\""})
    void xlDefaultsAndSwitchedOffDisplaysAreFine(String line) throws Exception {
        TestHost host = new TestHost(tmp);
        Path cfg = host.domain("d.cfg", "name = \"uk\"", "type = \"hvm\"", "dm_restrict = 1", line);
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        assertTrue(!new ObjectMapper().readTree(dry.out()).at("/plan/warnings").toString().contains("create would refuse it"),
                dry.out());
    }

    /** vif-bridge is what the network layer does itself; ip= becomes nftables source rules (nftables is installed by bin/install-deps). */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"script=vif-bridge", "script=/etc/xen/scripts/vif-bridge", "ip=192.0.2.7",
            "ip=192.0.2.7 192.0.2.8/31"})
    void vifBridgeScriptAndIpAreHonoured(String opt) throws Exception {
        TestHost host = new TestHost(tmp);
        Path cfg = host.domain("v.cfg", "name = \"uk\"", "type = \"hvm\"", "dm_restrict = 1",
                "vif = [ \"bridge=br0," + opt + "\" ]");
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(0, dry.exit(), dry.err());
        String warnings = new ObjectMapper().readTree(dry.out()).at("/plan/warnings").toString();
        assertTrue(!warnings.contains("vif 0: script") && !warnings.contains("vif 0: ip"), warnings);
        // the bridge is a host fact: the dry run flags it, it is not a parse error
        assertTrue(warnings.contains("vif 0: bridge br0 does not exist on this host") || java.nio.file.Files.exists(
                Path.of("/sys/class/net/br0/bridge")), warnings);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"ip=2001:db8::1|ip '2001:db8::1' is not an IPv4 address",
            "ip=10.0.0.300|ip '10.0.0.300' is not an IPv4 address"})
    void badIpRefusedWithTheKey(String opt, String expected) throws Exception {
        TestHost host = new TestHost(tmp);
        Path cfg = host.domain("v.cfg", "name = \"uk\"", "type = \"hvm\"", "dm_restrict = 1",
                "vif = [ \"bridge=br0," + opt + "\" ]");
        CliRun dry = host.run("create", "-n", cfg.toString());
        assertEquals(ExitCodes.BAD_CONFIG, dry.exit(), dry.out());
        assertTrue(dry.err().contains(cfg + ":4: vif: vif 0: " + expected), dry.err());
    }
}
