package dev.dmjail.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The xl.cfg(5) keys that dmjail does not act on but xl reads into libxl's domain config: read here as
 * xl_parse.c parse_config_data (Xen 4.17) reads them — the same values accepted, the same ones refused with
 * xl's message, the same warnings — so that {@code create -n} prints xl's JSON. dmjail's qemu backend honours
 * none of them: each one given is a plan problem (toolstack plan/UnhonouredKeys) and create refuses it.
 * <p>
 * Enumerations are matched as libxl__enum_from_string does (strcasecmp) and printed in libxl's spelling.
 */
public final class RecordedKeys {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    /** libxl_tsc_mode, libxl_timer_mode (from 0), libxl_passthrough, libxl_altp2m_mode (libxl_types.idl order = value). */
    static final List<String> TSC_MODES = List.of("default", "always_emulate", "native", "native_paravirt");
    static final List<String> TIMER_MODES = List.of("delay_for_missed_ticks", "no_delay_for_missed_ticks",
            "no_missed_ticks_pending", "one_missed_tick_pending");
    static final List<String> PASSTHROUGH = List.of("default", "disabled", "enabled", "sync_pt", "share_pt");
    static final List<String> ALTP2M_MODES = List.of("disabled", "mixed", "external", "limited");
    static final List<String> VIRIDIAN = List.of("base", "freq", "time_ref_count", "reference_tsc",
            "hcall_remote_tlb_flush", "apic_assist", "crash_ctl", "synic", "stimer", "hcall_ipi",
            "ex_processor_masks", "no_vp_limit", "cpu_hotplug");
    /** LIBXL_BUILDINFO_HVM_VIRIDIAN_ENABLE_DISABLE_WIDTH: the bitmaps viridian = [...] fills. */
    static final int VIRIDIAN_WIDTH = 64;

    /** The keys this class reads, for the builder's list of known keys. */
    public static final List<String> KEYS = List.of(
            "hap", "oos", "pool", "seclabel", "init_seclabel", "driver_domain", "passthrough", "xend_suspend_evtchn_compat",
            "cpu_weight", "cap", "period", "slice", "latency", "extratime",
            "max_grant_frames", "max_maptrack_frames", "max_grant_version", "shadow_memory", "nomigrate", "tsc_mode",
            "rtc_timeoffset", "localtime", "max_event_channels", "device_tree", "bootloader", "bootloader_args",
            "timer_mode", "nestedhvm", "e820_host", "on_watchdog", "on_soft_reset", "altp2m", "vmtrace_buf_kb",
            "ioports", "irqs", "iomem", "device_model_stubdomain_override", "stubdomain_memory", "stubdomain_kernel",
            "stubdomain_cmdline", "stubdomain_ramdisk", "vuart", "msr_relaxed", "vpmu",
            "pae", "acpi_s3", "acpi_s4", "acpi_laptop_slate", "nx", "hpet", "vpt_align", "apic", "viridian",
            "smbios_firmware", "acpi_firmware", "rdm_mem_boundary", "mca_caps", "nographic", "gfx_passthru",
            "usb", "usbversion", "usbdevice", "vkb_device", "soundhw", "xen_platform_pci",
            "dtdev", "p9", "vtpm", "pvcalls", "channel", "hdtype", "vendor_device",
            "spice", "spiceport", "spicetls_port", "spicehost", "spicedisable_ticketing", "spicepasswd",
            "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing", "spiceusbredirection",
            "spice_image_compression", "spice_streaming_video",
            "pci", "pci_msitranslate", "pci_power_mgmt", "pci_permissive", "pci_seize", "usbctrl", "usbdev",
            "vfb", "vkb", "cpus", "cpus_soft", "ms_vm_genid", "vdispl", "vsnd", "vnuma", "cpuid", "rdm");

    private final DomainBuilder b;
    private final DomainType type;
    private final int maxVcpus;
    private final List<LibxlField> out = new ArrayList<>();

    private RecordedKeys(DomainBuilder b, DomainType type, int maxVcpus) {
        this.b = b;
        this.type = type;
        this.maxVcpus = maxVcpus;
    }

    /**
     * Reads every key above that the config sets; xl's order, so the first refusal is xl's first.
     * {@code maxVcpus}: b_info->max_vcpus as xl has it when it reads cpus= (maxvcpus, else vcpus, else 0).
     */
    static List<LibxlField> read(DomainBuilder b, DomainType type, int maxVcpus) throws ConfigException {
        RecordedKeys r = new RecordedKeys(b, type, maxVcpus);
        r.run();
        return r.out;
    }

    private void run() throws ConfigException {
        defbool("hap", "c_info/hap");
        defbool("oos", "c_info/oos");
        b.string("pool").ifPresent(v -> put("c_info/pool_name", F.textNode(v)));
        // init_seclabel is the label the domain is built with; seclabel then becomes the one it runs with
        Optional<String> init = b.string("init_seclabel");
        init.ifPresent(v -> put("c_info/ssid_label", F.textNode(v)));
        b.string("seclabel").ifPresent(v -> put(init.isPresent() ? "b_info/exec_ssid_label" : "c_info/ssid_label", F.textNode(v)));

        for (String[] k : new String[][] {{"cpu_weight", "weight"}, {"cap", "cap"}, {"period", "period"},
                {"slice", "slice"}, {"latency", "latency"}, {"extratime", "extratime"}}) {
            b.number(k[0], Integer.MIN_VALUE, Integer.MAX_VALUE).ifPresent(v -> putInt("b_info/sched_params/" + k[1], v));
        }
        affinity("cpus", "b_info/vcpu_hard_affinity", true);
        affinity("cpus_soft", "b_info/vcpu_soft_affinity", false);
        grantLimit("max_grant_frames");
        grantLimit("max_maptrack_frames");
        grantLimit("max_grant_version");

        if (b.string("passthrough").isPresent()) {
            String v = b.string("passthrough").get();
            putEnum("c_info/passthrough", PASSTHROUGH, enumValue(PASSTHROUGH, v)
                    .orElseThrow(() -> err("passthrough", "ERROR: unknown passthrough option '" + v + "'")), false);
        }
        memkb("shadow_memory", "b_info/shadow_memkb");
        defbool("nomigrate", "b_info/disable_migrate");
        numberOrName("tsc_mode", "b_info/tsc_mode", TSC_MODES, true, false);
        b.number("rtc_timeoffset", 0, 0xffffffffL).ifPresent(v -> putInt("b_info/rtc_timeoffset", v));
        defbool("localtime", "b_info/localtime");
        b.number("max_event_channels", 0, 0xffffffffL).ifPresent(v -> putInt("b_info/event_channels", v));
        b.string("device_tree").ifPresent(v -> put("b_info/device_tree", F.textNode(v)));
        defbool("driver_domain", "c_info/driver_domain");
        bootloader();
        if (type == DomainType.PV && b.setting("timer_mode").isPresent()) {
            throw err("timer_mode", "ERROR: \"timer_mode\" option is not supported for PV guests.");
        }
        numberOrName("timer_mode", "b_info/timer_mode", TIMER_MODES, true, true);
        defbool("nestedhvm", "b_info/nested_hvm");
        if (type == DomainType.PV) defbool("e820_host", "b_info/type.pv/e820_host");
        action("on_watchdog", "on_watchdog", ShutdownAction.DESTROY);
        action("on_soft_reset", "on_soft_reset", ShutdownAction.SOFT_RESET);
        if (type == DomainType.HVM) hvm();
        numberOrName("altp2m", "b_info/altp2m", ALTP2M_MODES, false, false);
        b.quietNumber("vmtrace_buf_kb").filter(v -> v != 0).ifPresent(v -> putInt("b_info/vmtrace_buf_kb", v));
        ioports();
        irqs();
        iomem();
        new RecordedDevices(b, type, out).read();
        CpuidSpec.read(b).ifPresent(out::add); // xl_parse.c reads cpuid right after the usb devices
        defbool("device_model_stubdomain_override", "b_info/device_model_stubdomain");
        memkb("stubdomain_memory", "b_info/stubdomain_memkb");
        b.string("stubdomain_kernel").ifPresent(v -> put("b_info/stubdomain_kernel", F.textNode(v)));
        b.string("stubdomain_cmdline").ifPresent(v -> put("b_info/stubdomain_cmdline", F.textNode(v)));
        b.string("stubdomain_ramdisk").ifPresent(v -> put("b_info/stubdomain_ramdisk", F.textNode(v)));
        if (b.string("vuart").isPresent()) {
            String v = b.string("vuart").get();
            if (!v.equalsIgnoreCase("sbsa_uart")) throw err("vuart", "ERROR: invalid value \"" + v + "\" for \"vuart\"");
            put("b_info/arch_arm/vuart", F.textNode("sbsa_uart"));
        }
        defbool("xend_suspend_evtchn_compat", "c_info/xend_suspend_evtchn_compat");
        if (defbool("msr_relaxed", "b_info/arch_x86/msr_relaxed")) {
            b.warn(b.line("msr_relaxed"), "msr_relaxed", "WARNING: msr_relaxed will be removed in future versions.");
        }
        defbool("vpmu", "b_info/vpmu");
    }

    /** The HVM-only keys, in xl's order. */
    private void hvm() throws ConfigException {
        for (String k : List.of("pae", "acpi_s3", "acpi_s4", "acpi_laptop_slate", "nx", "hpet", "vpt_align")) {
            defbool(k, "b_info/type.hvm/" + k);
        }
        defbool("apic", "b_info/apic");
        viridian();
        b.string("smbios_firmware").ifPresent(v -> put("b_info/type.hvm/smbios_firmware", F.textNode(v)));
        msVmGenid();
        b.string("acpi_firmware").ifPresent(v -> put("b_info/type.hvm/acpi_firmware", F.textNode(v)));
        memkb("rdm_mem_boundary", "b_info/type.hvm/rdm_mem_boundary_memkb");
        mcaCaps();
        if (b.string("hdtype").isPresent()) {
            String v = b.string("hdtype").get();
            putEnum("b_info/type.hvm/hdtype", List.of("ide", "ahci"), enumValue(List.of("ide", "ahci"), v)
                    .orElseThrow(() -> err("hdtype", "ERROR: invalid value \"" + v + "\" for \"hdtype\"")), false);
        }
        spice();
        defbool("nographic", "b_info/type.hvm/nographic");
        gfxPassthru();
        defbool("usb", "b_info/type.hvm/usb");
        b.number("usbversion", Integer.MIN_VALUE, Integer.MAX_VALUE).filter(v -> v != 0)
                .ifPresent(v -> putInt("b_info/type.hvm/usbversion", v));
        listOrString("usbdevice", "b_info/type.hvm/usbdevice_list", "b_info/type.hvm/usbdevice");
        defbool("vkb_device", "b_info/type.hvm/vkb_device");
        b.string("soundhw").ifPresent(v -> put("b_info/type.hvm/soundhw", F.textNode(v)));
        defbool("xen_platform_pci", "b_info/type.hvm/xen_platform_pci");
        if (b.string("vendor_device").isPresent()) {
            String v = b.string("vendor_device").get();
            putEnum("b_info/type.hvm/vendor_device", List.of("none", "xenserver"), enumValue(List.of("none", "xenserver"), v)
                    .orElseThrow(() -> err("vendor_device", "xl: unknown vendor_device '" + v + "'")), false);
        }
    }

    /** xl's spice keys (HVM), into libxl_spice_info; a 0 port is libxl's default and not printed. */
    private void spice() throws ConfigException {
        String s = "b_info/type.hvm/spice/";
        defbool("spice", s + "enable");
        b.number("spiceport", Integer.MIN_VALUE, Integer.MAX_VALUE).filter(v -> v != 0).ifPresent(v -> putInt(s + "port", v));
        b.number("spicetls_port", Integer.MIN_VALUE, Integer.MAX_VALUE).filter(v -> v != 0).ifPresent(v -> putInt(s + "tls_port", v));
        b.string("spicehost").ifPresent(v -> put(s + "host", F.textNode(v)));
        defbool("spicedisable_ticketing", s + "disable_ticketing");
        b.string("spicepasswd").ifPresent(v -> put(s + "passwd", F.textNode(v)));
        defbool("spiceagent_mouse", s + "agent_mouse");
        defbool("spicevdagent", s + "vdagent");
        defbool("spice_clipboard_sharing", s + "clipboard_sharing");
        b.number("spiceusbredirection", Integer.MIN_VALUE, Integer.MAX_VALUE).filter(v -> v != 0)
                .ifPresent(v -> putInt(s + "usbredirection", v));
        b.string("spice_image_compression").ifPresent(v -> put(s + "image_compression", F.textNode(v)));
        b.string("spice_streaming_video").ifPresent(v -> put(s + "streaming_video", F.textNode(v)));
    }

    /** xl: a list of enlightenment names ("!name" disables, "all", "defaults"), or else a defbool. */
    private void viridian() throws ConfigException {
        Optional<XlSetting> s = b.setting("viridian");
        if (s.isEmpty()) return;
        if (!(s.get().value() instanceof XlValue.XlList)) {
            defbool("viridian", "b_info/type.hvm/viridian");
            return;
        }
        List<XlValue.Atom> items = b.atomList("viridian");
        if (items.isEmpty()) return; // xl allocates the bitmaps only for a non-empty list
        boolean[] enable = new boolean[VIRIDIAN_WIDTH];
        boolean[] disable = new boolean[VIRIDIAN_WIDTH];
        boolean defaults = false;
        for (XlValue.Atom a : items) {
            String v = a.text();
            if (v.equals("all")) {
                java.util.Arrays.fill(enable, true);
            } else if (v.equals("defaults")) {
                defaults = true;
            } else {
                boolean off = v.startsWith("!");
                String name = off ? v.substring(1) : v;
                int bit = enumIndex(VIRIDIAN, name);
                if (bit < 0) throw b.err(a.line(), "viridian", "xl: unknown viridian enlightenment '" + name + "'");
                (off ? disable : enable)[bit] = true;
                (off ? enable : disable)[bit] = false;
            }
        }
        if (defaults) put("b_info/type.hvm/viridian", F.textNode("True"));
        // a libxl_bitmap with no bit set is not printed (gentypes: libxl_bitmap_is_empty)
        if (bits(enable).size() > 0) put("b_info/type.hvm/viridian_enable", bits(enable));
        if (bits(disable).size() > 0) put("b_info/type.hvm/viridian_disable", bits(disable));
    }

    /**
     * xl: ms_vm_genid = "generate" is libxl_ms_vm_genid_generate, 16 random bytes (printed as a list of numbers,
     * a fresh value each time, as xl's), "none" is nothing, anything else xl's error.
     */
    private void msVmGenid() throws ConfigException {
        Optional<String> v = b.string("ms_vm_genid");
        if (v.isEmpty() || v.get().equals("none")) return;
        if (!v.get().equals("generate")) {
            throw err("ms_vm_genid", "ERROR: \"ms_vm_genid\" option must be \"generate\" or \"none\"");
        }
        byte[] id = new byte[16];
        new java.security.SecureRandom().nextBytes(id);
        ArrayNode a = F.arrayNode();
        for (byte x : id) a.add(x & 0xff);
        put("b_info/type.hvm/ms_vm_genid", a);
    }

    /** xl: mca_caps is a list; "lmce" (XEN_HVM_MCA_CAP_LMCE, bit 0) is the only capability. */
    private void mcaCaps() throws ConfigException {
        Optional<XlSetting> s = b.setting("mca_caps");
        if (s.isEmpty()) return;
        if (!(s.get().value() instanceof XlValue.XlList)) throw err("mca_caps", "ERROR: unable to parse mca_caps.");
        long caps = 0;
        for (XlValue.Atom a : b.atomList("mca_caps")) {
            if (!a.text().equals("lmce")) {
                throw b.err(a.line(), "mca_caps", "ERROR: unrecognized MCA capability '" + a.text() + "'.");
            }
            caps |= 1;
        }
        if (caps != 0) putInt("b_info/type.hvm/mca_caps", caps);
    }

    /** xl: gfx_passthru is a number (a defbool), or a kind name ("default", "igd") that also enables it. */
    private void gfxPassthru() throws ConfigException {
        Optional<Long> n = b.quietNumber("gfx_passthru");
        if (n.isPresent()) {
            put("b_info/type.hvm/gfx_passthru", F.textNode(n.get() != 0 ? "True" : "False"));
            return;
        }
        Optional<String> s = b.string("gfx_passthru");
        if (s.isEmpty()) return;
        int kind = enumIndex(List.of("default", "igd"), s.get());
        if (kind < 0) throw err("gfx_passthru", "ERROR: invalid value \"" + s.get() + "\" for \"gfx_passthru\"");
        put("b_info/type.hvm/gfx_passthru", F.textNode("True"));
        if (kind != 0) put("b_info/type.hvm/gfx_passthru_kind", F.textNode("igd"));
    }

    /** xl: bootloader_args as a list; a single string is split on blanks, with xl's deprecation warning. */
    private void bootloader() throws ConfigException {
        b.string("bootloader").ifPresent(v -> put("b_info/bootloader", F.textNode(v)));
        Optional<XlSetting> s = b.setting("bootloader_args");
        if (s.isEmpty()) return;
        List<String> args;
        if (s.get().value() instanceof XlValue.Atom a) {
            b.warn(s.get().line(), "bootloader_args", "WARNING: Specifying \"bootloader_args\" as a string is deprecated. "
                    + "Please use a list of arguments.");
            args = new ArrayList<>();
            for (String w : a.text().split("[ \t\n]+")) if (!w.isEmpty()) args.add(w);
        } else {
            args = b.stringList("bootloader_args");
        }
        // libxl_string_list_length: an empty list is not printed
        if (!args.isEmpty()) put("b_info/bootloader_args", strings(args));
    }

    /** xl's usbdevice and serial shape: a list of strings, or else a single string. */
    private void listOrString(String key, String listPath, String stringPath) throws ConfigException {
        Optional<XlSetting> s = b.setting(key);
        if (s.isEmpty()) return;
        if (s.get().value() instanceof XlValue.Atom a) {
            put(stringPath, F.textNode(a.text()));
        } else {
            List<String> l = b.stringList(key);
            if (!l.isEmpty()) put(listPath, strings(l));
        }
    }

    /** xl: each ioports item is "FIRST[-LAST]" in hex (strtoul base 16); junk after FIRST is only a warning. */
    private void ioports() throws ConfigException {
        if (b.setting("ioports").isEmpty() || !(b.setting("ioports").get().value() instanceof XlValue.XlList)) {
            return; // xlu_cfg_get_list on a single value: EINVAL, which xl treats as "not given"
        }
        ArrayNode a = F.arrayNode();
        for (XlValue.Atom item : b.atomList("ioports")) {
            String buf = item.text();
            Strtoul first = Strtoul.parse(buf, 0, 16);
            if (first.end() == first.start()) throw b.err(item.line(), "ioports", "xl: Invalid argument parsing ioport: " + buf);
            if (first.value() >= 0xffffffffL) throw b.err(item.line(), "ioports", "xl: ioport " + Long.toHexString(first.value()) + " too big");
            long end = first.value();
            if (first.end() < buf.length() && buf.charAt(first.end()) == '-') {
                Strtoul last = Strtoul.parse(buf, first.end() + 1, 16);
                if (last.end() == last.start() || last.end() != buf.length() || first.value() > end) {
                    throw b.err(item.line(), "ioports", "xl: Invalid argument parsing ioport: " + buf);
                }
                if (last.value() >= 0xffffffffL) throw b.err(item.line(), "ioports", "xl: ioport " + Long.toHexString(last.value()) + " too big");
                end = last.value();
            } else if (first.end() != buf.length()) {
                b.warn(item.line(), "ioports", "xl: Invalid argument parsing ioport: " + buf);
            }
            com.fasterxml.jackson.databind.node.ObjectNode o = a.addObject();
            if (first.value() != 0) o.set("first", num(first.value()));
            long number = (end - first.value() + 1) & 0xffffffffL;
            if (number != 0) o.set("number", num(number));
        }
        put("b_info/ioports", a);
    }

    /** xl: each irqs item a decimal number (strtoul base 10), nothing after it. */
    private void irqs() throws ConfigException {
        if (b.setting("irqs").isEmpty() || !(b.setting("irqs").get().value() instanceof XlValue.XlList)) {
            return; // as for ioports
        }
        ArrayNode a = F.arrayNode();
        for (XlValue.Atom item : b.atomList("irqs")) {
            Strtoul u = Strtoul.parse(item.text(), 0, 10);
            if (u.end() == u.start() || u.end() != item.text().length()) {
                throw b.err(item.line(), "irqs", "xl: Invalid argument parsing irq: " + item.text());
            }
            if (u.value() >= 0xffffffffL) throw b.err(item.line(), "irqs", "xl: irq " + Long.toHexString(u.value()) + " too big");
            a.add(num(u.value()));
        }
        put("b_info/irqs", a);
    }

    /** xl: each iomem item "START,NUMBER[@GFN]" in hex (sscanf %x), nothing after it. */
    private void iomem() throws ConfigException {
        if (b.setting("iomem").isEmpty() || !(b.setting("iomem").get().value() instanceof XlValue.XlList)) {
            return; // as for ioports
        }
        ArrayNode a = F.arrayNode();
        for (XlValue.Atom item : b.atomList("iomem")) {
            String buf = item.text();
            Strtoul start = Strtoul.scanHex(buf, 0);
            Strtoul number = start == null || start.end() >= buf.length() || buf.charAt(start.end()) != ','
                    ? null : Strtoul.scanHex(buf, start.end() + 1);
            if (number == null) throw b.err(item.line(), "iomem", "xl: Invalid argument parsing iomem: " + buf);
            int used = number.end();
            Strtoul gfn = null;
            if (used < buf.length() && buf.charAt(used) == '@') {
                gfn = Strtoul.scanHex(buf, used + 1);
                if (gfn != null) used = gfn.end();
            }
            if (used != buf.length()) throw b.err(item.line(), "iomem", "xl: Invalid argument parsing iomem: " + buf);
            com.fasterxml.jackson.databind.node.ObjectNode o = a.addObject();
            if (start.value() != 0) o.set("start", num(start.value()));
            if (number.value() != 0) o.set("number", num(number.value()));
            // gfn's IDL default is LIBXL_INVALID_GFN (~0): printed whenever it differs
            if (gfn != null && gfn.value() != -1L) o.set("gfn", num(gfn.value()));
        }
        put("b_info/iomem", a);
    }

    /**
     * xl parse_vcpu_affinity: a string is one cpu set copied to every vcpu (up to max_vcpus); a list gives
     * vcpu i the i-th set (items past max_vcpus are not read). A list, or any cpus_soft, turns automatic NUMA
     * placement off. The bitmaps are as wide as the host's CPU count ({@link HostFacts}).
     */
    private void affinity(String key, String path, boolean hard) throws ConfigException {
        Optional<XlSetting> s = b.setting(key);
        if (s.isEmpty()) return;
        ArrayNode out = F.arrayNode();
        if (s.get().value() instanceof XlValue.XlList) {
            List<XlValue.Atom> items = b.atomList(key);
            int n = Math.min(items.size(), maxVcpus);
            for (int j = 0; j < n; j++) out.add(cpuRange(items.get(j).text(), items.get(j).line(), key).json());
            put("b_info/numa_placement", F.textNode("False"));
        } else {
            Optional<String> text = b.string(key);
            if (text.isEmpty()) return;
            ArrayNode set = cpuRange(text.get(), s.get().line(), key).json();
            for (int i = 0; i < maxVcpus; i++) out.add(set.deepCopy());
            if (!hard) put("b_info/numa_placement", F.textNode("False"));
        }
        if (hard) {
            // xl_vmcontrol.c create_domain, after parsing: apply_global_affinity_masks ANDs each hard map with
            // xl.conf's masks (all CPUs by default) and refuses an empty one
            for (JsonNode m : out) {
                if (m.isEmpty()) throw b.err(s.get().line(), key, "vcpu hard affinity map is empty");
            }
        }
        if (!out.isEmpty()) put(path, out);
    }

    /**
     * xl parse_cpurange / update_cpumap_range: "," separated items "[^]N", "[^]N-M", "all", each optionally
     * "node:"/"nodes:" after the "^" (a node's CPUs from the host's topology: libxl_node_to_cpumap, which
     * gathers them in a node-sized bitmap, so CPUs at or past that width are lost, as in libxl).
     */
    private CpuBitmap cpuRange(String text, int line, String key) throws ConfigException {
        HostFacts facts = b.facts();
        CpuBitmap set = new CpuBitmap(facts.cpuBits(0));
        for (String item : strtok(text, ",")) {
            String str = item;
            boolean not = str.startsWith("^");
            if (not) str = str.substring(1);
            boolean nodes = false;
            for (String p : List.of("node:", "nodes:")) {
                if (str.startsWith(p)) {
                    str = str.substring(p.length());
                    nodes = true;
                    break;
                }
            }
            if (str.equals("all")) {
                if (not) throw b.err(line, key, "Can't combine \"^\" and \"all\".");
                set.setAll();
                continue;
            }
            long[] r = parseRange(str);
            if (r == null) throw b.err(line, key, "Invalid pcpu range: " + str + ".");
            if (!nodes) {
                set.range(r[0], r[1], !not);
                continue;
            }
            CpuBitmap nodemap = new CpuBitmap(facts.nodeBits());
            nodemap.range(r[0], r[1], true);
            for (int cpu = 0; cpu < facts.maxCpus() && cpu < facts.nodeBits(); cpu++) {
                if (nodemap.get(facts.cpuNode()[cpu])) set.set(cpu, !not);
            }
        }
        return set;
    }

    /** xl parse_range: strtoul base 10 (ULONG_MAX refused), optional "-M" (M >= N unsigned), nothing after. */
    static long[] parseRange(String s) {
        CNumbers.Unsigned a = CNumbers.strtoul(s, 0, 10);
        if (a.none(0) || a.value() == -1L) return null;
        long z = a.value();
        int end = a.end();
        if (end < s.length() && s.charAt(end) == '-') {
            CNumbers.Unsigned m = CNumbers.strtoul(s, end + 1, 10);
            if (m.none(end + 1) || m.value() == -1L || Long.compareUnsigned(m.value(), a.value()) < 0) return null;
            z = m.value();
            end = m.end();
        }
        return end == s.length() ? new long[] {a.value(), z} : null;
    }

    /** C strtok: the non-empty runs between any of {@code delims}. */
    static List<String> strtok(String s, String delims) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && delims.indexOf(s.charAt(i)) >= 0) i++;
            int start = i;
            while (i < s.length() && delims.indexOf(s.charAt(i)) < 0) i++;
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }


    private void grantLimit(String key) throws ConfigException {
        // xlu_cfg_get_bounded_long(…, 0, INT_MAX, dont_warn=1): anything but a number in range ends xl (exit 1)
        Optional<XlSetting> s = b.setting(key);
        if (s.isEmpty()) return;
        Optional<Long> v = b.quietNumber(key);
        if (v.isEmpty() || v.get() < 0 || v.get() > Integer.MAX_VALUE) {
            throw err(key, "parameter `" + key + "' must be a number from 0 to " + Integer.MAX_VALUE + " (xl exits here)");
        }
        putInt("b_info/" + key, v.get());
    }

    /** tsc_mode, timer_mode, altp2m: a number (deprecated, with xl's warning for the first two) or a name. */
    private void numberOrName(String key, String path, List<String> names, boolean warnNumber, boolean printDefault) throws ConfigException {
        if (b.setting(key).isEmpty()) return;
        Optional<Long> n = b.quietNumber(key);
        if (n.isPresent()) {
            long l = n.get();
            String name = l >= 0 && l < names.size() ? names.get((int) l) : null;
            if (warnNumber) {
                b.warn(b.line(key), key, "WARNING: specifying \"" + key + "\" as an integer is deprecated. Please use the "
                        + "named parameter variant." + (name != null ? " e.g. " + key + "=\"" + name + "\"" : ""));
            }
            if (name == null) throw err(key, "ERROR: invalid value " + l + " for \"" + key + "\"");
            putEnum(path, names, name, printDefault);
            return;
        }
        Optional<String> s = b.string(key);
        if (s.isEmpty()) return;
        String name = enumValue(names, s.get())
                .orElseThrow(() -> err(key, "ERROR: invalid value \"" + s.get() + "\" for \"" + key + "\""));
        putEnum(path, names, name, printDefault);
    }

    /**
     * gentypes.py get_default_expr: an enum field is printed unless it equals its IDL init_val, which is value 0
     * (the first name) except for timer_mode, whose init_val is LIBXL_TIMER_MODE_DEFAULT (-1, "unknown").
     */
    private void putEnum(String path, List<String> names, String name, boolean printDefault) {
        if (printDefault || !name.equals(names.get(0))) put(path, F.textNode(name));
    }

    private void action(String key, String path, ShutdownAction dflt) throws ConfigException {
        if (b.string(key).isEmpty()) return;
        ShutdownAction a = b.action(key, dflt);
        // libxl's IDL default is destroy: not printed
        out.add(new LibxlField(path, a == ShutdownAction.DESTROY ? null : F.textNode(a.json())));
    }

    private void memkb(String key, String path) throws ConfigException {
        b.number(key, 0, Long.MAX_VALUE / 1024).ifPresent(v -> putInt(path, v * 1024));
    }

    /** True when the key was given (xlu_cfg_get_defbool returned 0). */
    private boolean defbool(String key, String path) throws ConfigException {
        Boolean v = b.defbool(key);
        if (v == null) return false;
        put(path, F.textNode(v ? "True" : "False"));
        return true;
    }

    static Optional<String> enumValue(List<String> names, String s) {
        int i = enumIndex(names, s);
        return i < 0 ? Optional.empty() : Optional.of(names.get(i));
    }

    private static int enumIndex(List<String> names, String s) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(s)) return i; // libxl__enum_from_string: strcasecmp
        }
        return -1;
    }

    private static ArrayNode bits(boolean[] set) {
        ArrayNode a = F.arrayNode();
        for (int i = 0; i < set.length; i++) if (set[i]) a.add(i);
        return a;
    }

    private static ArrayNode strings(List<String> l) {
        ArrayNode a = F.arrayNode();
        l.forEach(a::add);
        return a;
    }

    private ConfigException err(String key, String msg) {
        return b.err(b.line(key), key, msg);
    }

    private void put(String path, JsonNode v) {
        out.add(new LibxlField(path, v));
    }

    private void putInt(String path, long v) {
        put(path, num(v));
    }

    /** An int node where the value fits, as a JSON parser builds it from xl's output (the trees must be equal). */
    static JsonNode num(long v) {
        return v == (int) v ? F.numberNode((int) v) : F.numberNode(v);
    }

    /** C strtoul(s + from, &ep, base) without a prefix (ioports, irqs) and sscanf("%x"), on 64-bit unsigned. */
    record Strtoul(long value, int start, int end) {
        static Strtoul parse(String s, int from, int base) {
            int i = from;
            while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
            if (base == 16 && i + 2 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) | 0x20) == 'x'
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                i += 2;
            }
            int start = i;
            long v = 0;
            boolean overflow = false;
            while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
                long next = v * base + Character.digit(s.charAt(i), base);
                if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, base)) > 0 || Long.compareUnsigned(next, v * base) < 0) {
                    overflow = true;
                }
                v = next;
                i++;
            }
            if (i == start) return new Strtoul(0, from, from);
            return new Strtoul(overflow ? -1L : v, from, i); // ERANGE: ULONG_MAX
        }

        /** sscanf %x: like strtoul base 16; null when no digit (the conversion fails). */
        static Strtoul scanHex(String s, int from) {
            Strtoul r = parse(s, from, 16);
            return r.end() == r.start() ? null : r;
        }
    }
}
