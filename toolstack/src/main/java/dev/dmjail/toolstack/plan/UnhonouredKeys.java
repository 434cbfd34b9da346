package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.VifSpec;
import dev.dmjail.config.XlSetting;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Keys xl would act on that dmjail's qemu backend does not honour yet. Never accepted and dropped:
 * {@code create} refuses the domain, naming the key and why; {@code create -n} (xl's dry run, which
 * parses as xl does) lists each as a warning saying create would refuse it.
 */
public final class UnhonouredKeys {

    /** One key with its line and the reason it is not honoured. */
    record Problem(String key, int line, String reason) {}

    /**
     * xl.cfg(5) keys dmjail's parser does not read at all (config warns "unknown key"): each is a
     * setting xl would act on, so create refuses it rather than run the guest without it. Keys that
     * xl does not know either stay warnings, as xl ignores them.
     */
    static final Set<String> XL_KEYS_NOT_SUPPORTED = Set.of(
            "vncviewer",
            "nographic", "spice", "spicehost", "spiceport", "spicetls_port", "spicedisable_ticketing", "spicepasswd",
            "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing", "spiceusbredirection", "gfx_passthru",
            "usb", "usbdevice", "usbctrl", "usbdev", "soundhw", "pci", "pci_permissive", "pci_msitranslate",
            "pci_seize", "pci_power_mgmt", "rdm_mem_boundary", "irqs", "iomem", "ioports", "dtdev",
            "device_tree", "viridian", "hap", "nestedhvm", "pae", "apic", "hpet", "timer_mode", "vpt_align",
            "localtime", "rtc_timeoffset", "tsc_mode", "cpus", "cpus_soft", "cpu_weight", "cap",
            "bootloader", "bootloader_args", "shadow_memory", "vfb", "vkb", "channel", "p9", "vtpm", "vdispl",
            "vsnd", "bios_path_override", "firmware_override", "acpi_firmware",
            "smbios_firmware", "ms_vm_genid", "altp2m", "on_watchdog", "on_soft_reset", "seclabel", "init_seclabel",
            "stubdomain_kernel", "stubdomain_ramdisk", "device_model_stubdomain_override", "max_grant_frames",
            "max_maptrack_frames", "max_event_channels", "vuart", "e820_host", "mca_caps", "nomigrate",
            "driver_domain", "passthrough", "xen_platform_pci", "serial_device", "nodemask");

    /**
     * Every key xl 4.17's parse_config_data reads that dmjail's parser does not model (config RecordedKeys reads
     * these only to print xl's JSON): a setting xl would act on, so each given is a problem. Together with
     * {@link #XL_KEYS_NOT_SUPPORTED} and RecordedKeys.KEYS this covers every key xl reads but dmjail does not honour.
     */
    static final Set<String> XL_KEYS_UNMODELLED = Set.of(
            "mmio_hole", "altp2mhvm", "ms_vm_genid", "hdtype", "vendor_device",
            "gic_version", "tee", "firmware_override", "bios_path_override", "device_model_stubdomain_seclabel",
            "pvshim", "pvshim_path", "pvshim_cmdline", "pvshim_extra", "spice_image_compression",
            "spice_streaming_video", "opengl", "display", "xauthority", "vif2", "device_model", "pci_power_mgmt", "pvcalls");

    /** Why, for the keys a reader would otherwise expect to work. */
    static final java.util.Map<String, String> WHY = java.util.Map.of(
            "on_watchdog", "Xen's watchdog is its SCHEDOP_watchdog hypercall (the guest's xen_wdt driver), which a "
                    + "QEMU-run guest does not have, and xl gives QEMU no watchdog device: the action could never be "
                    + "carried out (on_poweroff, on_reboot and on_crash are honoured)",
            "on_soft_reset", "soft reset is " + ShutdownActions.SOFT_RESET_WHY);

    /**
     * HVM keys whose "on" is what QEMU gives the guest without being asked, so a config saying so (as most real
     * ones do: libxl's defaults are the same) is honoured as it stands: the plan passes no -cpu, and QEMU's
     * default CPU model for the pc machine (qemu64, target/i386/cpu.c builtin_x86_defs: PPRO_FEATURES) has
     * PAE and the local APIC; the pc machine has an HPET unless told otherwise (hw/i386/pc.c, "hpet" property,
     * default on). Off is still refused: the plan has no way to take them away yet.
     */
    static final Set<String> QEMU_DEFAULT_ON = Set.of("pae", "apic", "hpet");

    /** The key's value is a number xl reads as true (xlu_cfg_get_defbool: strtol base 0, non-zero). */
    private static boolean on(ParsedDomain parsed, String key) {
        if (parsed.domain().type() != dev.dmjail.config.DomainType.HVM) {
            return false;
        }
        return parsed.raw().get(key).map(XlSetting::value).filter(v -> v instanceof dev.dmjail.config.XlValue.Atom)
                .map(v -> {
                    try {
                        return Long.decode(((dev.dmjail.config.XlValue.Atom) v).text().strip()) != 0;
                    } catch (NumberFormatException e) {
                        return false;
                    }
                }).orElse(false);
    }

    /** The keys that only mean something with VNC on (libxl reads them whenever VNC is enabled). */
    static final List<String> VNC_KEYS = List.of("vnclisten", "vncdisplay", "vncunused", "vncpasswd", "keymap");

    /** What dmjail's network layer does natively (xl's default script, by name or by its Debian path). */
    static final Set<String> NATIVE_SCRIPTS = Set.of("vif-bridge", "/etc/xen/scripts/vif-bridge");

    private UnhonouredKeys() {}

    static List<Problem> find(ParsedDomain parsed) {
        DomainConfig d = parsed.domain();
        List<Problem> out = new ArrayList<>();
        if (d.vnc() == null && d.type() == dev.dmjail.config.DomainType.HVM) { // a PV guest gets a vfb only with vnc=1
            for (String k : VNC_KEYS) {
                if (parsed.raw().get(k).isPresent()) {
                    out.add(problem(parsed, k, "vnc is not set: libxl would start VNC for this HVM guest by default, "
                            + "dmjail starts it only with vnc = 1 (or set vnc = 0, and xl ignores " + k + ")"));
                }
            }
        }
        if (Boolean.TRUE.equals(d.sdl())) {
            out.add(problem(parsed, "sdl", "SDL needs a window on the host's display, which a confined device model "
                    + "cannot have"));
        }
        if ("rombios".equals(d.bios())) {
            out.add(problem(parsed, parsed.raw().get("firmware").isPresent() ? "firmware" : "bios", "rombios is the "
                    + "firmware of Xen's qemu-xen-traditional; QEMU runs SeaBIOS (the default) or OVMF (bios = \"ovmf\")"));
        }
        if (d.hvmFirmware() != null) {
            out.add(problem(parsed, "firmware", "firmware = \"" + dev.dmjail.toolstack.text.Printable.line(d.hvmFirmware()) + "\" names a firmware "
                    + "image (Xen's hvmloader), which a QEMU-run guest does not load; firmware = \"bios\" (SeaBIOS) and "
                    + "\"uefi\" (OVMF) are honoured"));
        }
        if ("ovmf".equals(d.bios()) && !Files.isRegularFile(QemuCommandBuilder.OVMF)) {
            out.add(problem(parsed, parsed.raw().get("firmware").isPresent() ? "firmware" : "bios", "OVMF is not "
                    + "installed on this host (" + QemuCommandBuilder.OVMF + ": Debian package ovmf)"));
        }
        ShutdownActions.Refusal actions = ShutdownActions.refusal(d);
        if (actions != null) {
            out.add(problem(parsed, actions.key(), actions.reason()));
        }
        for (VifSpec v : d.nics()) {
            for (String why : vifRefusals(v)) {
                out.add(problem(parsed, "vif", why));
            }
        }
        for (String k : parsed.raw().keys()) {
            if (QEMU_DEFAULT_ON.contains(k) && on(parsed, k)) {
                continue; // honoured: what QEMU gives this guest anyway
            }
            if (XL_KEYS_NOT_SUPPORTED.contains(k) || XL_KEYS_UNMODELLED.contains(k)
                    || dev.dmjail.config.RecordedKeys.KEYS.contains(k)) {
                out.add(problem(parsed, k, WHY.getOrDefault(k, "an xl setting dmjail does not support; the guest would run "
                        + "without it")));
            }
        }
        return out;
    }

    /** Why the qemu backend cannot honour vif {@code v} as given (create, network-attach); empty when it can. */
    public static List<String> vifRefusals(VifSpec v) {
        List<String> out = new ArrayList<>();
        if (v.script() != null && !NATIVE_SCRIPTS.contains(v.script())) {
            out.add("vif " + v.devid() + ": script=" + v.script() + " is not run: Xen's "
                    + "hotplug scripts read their settings from xenstore, which this host does not have; dmjail "
                    + "does what vif-bridge does itself (tap on bridge=, ip= as source rules), so only "
                    + "script=vif-bridge is accepted");
        }
        if (v.ip() != null && !dev.dmjail.toolstack.layer.NetworkAntiSpoof.available()) {
            out.add("vif " + v.devid() + ": ip= limits the guest's source addresses "
                    + "with nftables, and nft (Debian package nftables) is not installed on this host");
        }
        if (v.trusted() != null) {
            out.add("vif " + v.devid() + ": " + (v.trusted() ? "trusted" : "untrusted") + " is advice to a Xen PV "
                    + "network frontend (through xenstore), which a QEMU-emulated NIC does not have");
        }
        if (v.rate() != null) {
            out.add("vif " + v.devid() + ": rate= is not enforced by the qemu backend");
        }
        return out;
    }

    private static Problem problem(ParsedDomain parsed, String key, String reason) {
        return new Problem(key, parsed.raw().get(key).map(XlSetting::line).orElse(0), reason);
    }
}
