package dev.dmjail.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Field order of the libxl structs dmjail prints (Xen 4.17 tools/libs/light/libxl_types.idl): xl's JSON
 * prints fields in IDL order, so {@link LibxlJson} puts every field it sets, its own or a
 * {@link LibxlField}, in that order. The keyed union "u" of build_info prints as "type.hvm" / "type.pv" /
 * "type.pvh" at its place.
 */
final class LibxlOrder {
    private LibxlOrder() { }

    static final List<String> ROOT = List.of("c_info", "b_info", "disks", "nics", "pcidevs", "rdms", "dtdevs",
            "vfbs", "vkbs", "vtpms", "p9s", "pvcallsifs", "vdispls", "vsnds", "channels", "usbctrls", "usbdevs",
            "on_poweroff", "on_reboot", "on_watchdog", "on_crash", "on_soft_reset");
    static final List<String> C_INFO = List.of("type", "hap", "oos", "ssidref", "ssid_label", "name", "domid", "uuid",
            "xsdata", "platformdata", "poolid", "pool_name", "run_hotplug_scripts", "driver_domain", "passthrough",
            "xend_suspend_evtchn_compat");
    static final List<String> B_INFO = List.of("max_vcpus", "avail_vcpus", "cpumap", "nodemap", "vcpu_hard_affinity",
            "vcpu_soft_affinity", "numa_placement", "tsc_mode", "max_memkb", "target_memkb", "video_memkb",
            "shadow_memkb", "iommu_memkb", "rtc_timeoffset", "exec_ssidref", "exec_ssid_label", "localtime",
            "disable_migrate", "cpuid", "blkdev_start", "vnuma_nodes", "max_grant_frames", "max_maptrack_frames",
            "max_grant_version", "device_model_version", "device_model_stubdomain", "stubdomain_memkb",
            "stubdomain_kernel", "stubdomain_cmdline", "stubdomain_ramdisk", "device_model", "device_model_ssidref",
            "device_model_ssid_label", "device_model_user", "extra", "extra_pv", "extra_hvm", "sched_params",
            "ioports", "irqs", "iomem", "claim_mode", "event_channels", "kernel", "cmdline", "ramdisk", "device_tree",
            "acpi", "bootloader", "bootloader_args", "timer_mode", "nested_hvm", "apic", "dm_restrict", "tee",
            "type.hvm", "type.pv", "type.pvh", "arch_arm", "arch_x86", "altp2m", "vmtrace_buf_kb", "vpmu");
    static final List<String> HVM = List.of("firmware", "bios", "pae", "apic", "acpi", "acpi_s3", "acpi_s4",
            "acpi_laptop_slate", "nx", "viridian", "viridian_enable", "viridian_disable", "timeoffset", "hpet",
            "vpt_align", "mmio_hole_memkb", "timer_mode", "nested_hvm", "altp2m", "system_firmware", "smbios_firmware",
            "acpi_firmware", "hdtype", "nographic", "vga", "vnc", "keymap", "sdl", "spice", "gfx_passthru",
            "gfx_passthru_kind", "serial", "boot", "usb", "usbversion", "usbdevice", "vkb_device", "soundhw",
            "xen_platform_pci", "usbdevice_list", "vendor_device", "ms_vm_genid", "serial_list", "rdm",
            "rdm_mem_boundary_memkb", "mca_caps");
    static final List<String> PV = List.of("kernel", "slack_memkb", "bootloader", "bootloader_args", "cmdline",
            "ramdisk", "features", "e820_host");
    static final List<String> SCHED = List.of("sched", "weight", "cap", "period", "budget", "extratime", "slice",
            "latency");
    static final List<String> ARCH_ARM = List.of("gic_version", "vuart");
    static final List<String> SPICE = List.of("enable", "port", "tls_port", "host", "disable_ticketing", "passwd",
            "agent_mouse", "vdagent", "clipboard_sharing", "usbredirection", "image_compression", "streaming_video");

    static final Map<String, List<String>> BY_PATH = Map.of("", ROOT, "c_info", C_INFO, "b_info", B_INFO,
            "b_info/type.hvm", HVM, "b_info/type.pv", PV, "b_info/sched_params", SCHED, "b_info/arch_arm", ARCH_ARM, "b_info/type.hvm/spice", SPICE);

    /** Sets (or, for a null value, removes) each field, then puts every struct above in IDL order. */
    static void apply(ObjectNode root, List<LibxlField> fields) {
        for (LibxlField f : fields) {
            String[] parts = f.path().split("/");
            ObjectNode o = root;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode next = o.get(parts[i]);
                o = next instanceof ObjectNode n ? n : o.putObject(parts[i]);
            }
            if (f.value() == null) o.remove(parts[parts.length - 1]);
            else o.set(parts[parts.length - 1], f.value());
        }
        for (Map.Entry<String, List<String>> e : BY_PATH.entrySet()) {
            JsonNode n = e.getKey().isEmpty() ? root : at(root, e.getKey());
            if (n instanceof ObjectNode o) order(o, e.getValue());
        }
    }

    private static JsonNode at(ObjectNode root, String path) {
        JsonNode n = root;
        for (String p : path.split("/")) {
            n = n == null ? null : n.get(p);
        }
        return n;
    }

    /** Re-inserts the fields in {@code order}; any field not named there keeps its place at the end. */
    private static void order(ObjectNode o, List<String> order) {
        ObjectNode copy = JsonNodeFactory.instance.objectNode();
        copy.setAll(o);
        o.removeAll();
        for (String k : order) if (copy.has(k)) o.set(k, copy.get(k));
        List<String> rest = new ArrayList<>();
        for (Iterator<String> it = copy.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!order.contains(k)) rest.add(k);
        }
        for (String k : rest) o.set(k, copy.get(k));
    }
}
