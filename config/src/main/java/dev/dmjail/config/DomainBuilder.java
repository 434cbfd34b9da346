package dev.dmjail.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Turns raw settings into a {@link DomainConfig} following xl_parse.c parse_config_data (Xen 4.17).
 * Where xl only warns about a bad value and then ignores the setting (a list where a single value
 * belongs, a non-number, += on a number, a bad vif option), dmjail refuses: a config that does not
 * mean what it says is an error here. Values xl itself rejects are rejected with xl's wording.
 */
final class DomainBuilder {

    /** The keys dmjail understands; any other key (except dmjail_*) is warned about. */
    /** libxl_bios_type's names (libxl_types.idl), as xl's bios= takes them (case-insensitively). */
    static final Set<String> BIOS_TYPES = Set.of("rombios", "seabios", "ovmf");
    /** Debian's Xen 4.17 XEN_LIB_DIR/boot, where xl finds the pvgrub images firmware= names. */
    static final String XEN_BOOT_DIR = "/usr/lib/xen-4.17/boot/";

    static final Set<String> KNOWN_KEYS = Set.of(
            "name", "type", "builder", "memory", "maxmem", "vcpus", "maxvcpus", "uuid", "kernel", "ramdisk",
            "cmdline", "extra", "root", "disk", "vif", "serial", "boot", "vnc", "sdl", "acpi",
            "vnclisten", "vncpasswd", "vncdisplay", "vncunused", "keymap", "vga", "stdvga", "videoram", "bios", "firmware",
            "on_poweroff", "on_reboot", "on_crash", "dm_restrict", "device_model_user", "device_model_override",
            "device_model_version", "device_model_args", "device_model_args_hvm", "device_model_args_pv");

    static boolean known(String key) {
        return KNOWN_KEYS.contains(key) || RecordedKeys.KEYS.contains(key);
    }

    /** dmjail's own per-domain switches: accepted silently, validated by the toolstack. */
    static final String DMJAIL_PREFIX = "dmjail_";

    // libxl_uuid_from_string → uuid_parse: 36 chars, dashes at 8/13/18/23, hex elsewhere.
    private static final Pattern UUID_RE =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final XlConfig cfg;
    private final Path file;
    private final List<String> warnings = new ArrayList<>();
    private final List<ParsedDomain.Ignored> ignored = new ArrayList<>();

    private final HostFacts facts;

    private DomainBuilder(XlConfig cfg, HostFacts facts) {
        this.cfg = cfg;
        this.file = cfg.source();
        this.facts = facts;
    }

    static ParsedDomain build(XlConfig cfg, HostFacts facts) throws ConfigException {
        DomainBuilder b = new DomainBuilder(cfg, facts);
        DomainConfig d = b.run();
        return new ParsedDomain(d, b.warnings, cfg, b.ignored);
    }

    private DomainConfig run() throws ConfigException {
        warnUnknownKeys();

        DomainType type = domainType();

        String name = string("name").orElseThrow(() -> err(0, "name", "Domain name must be specified."));
        UUID uuid = null;
        Optional<XlSetting> u = cfg.get("uuid");
        Optional<String> uuidText = string("uuid"); // a list: warned, ignored, a uuid generated (xl)
        if (uuidText.isPresent()) {
            String s = uuidText.get();
            if (!UUID_RE.matcher(s).matches()) throw err(u.get().line(), "uuid", "Failed to parse UUID: " + s);
            uuid = UUID.fromString(s);
        }

        // memory/maxmem in MiB (xl: *_memkb = l * 1024); maxmem defaults to memory.
        Long memory = number("memory", 0, Long.MAX_VALUE / 1024).orElse(null);
        Long maxmem = number("maxmem", 0, Long.MAX_VALUE / 1024).orElse(null);
        Integer vcpus = number("vcpus", 0, Integer.MAX_VALUE).map(Long::intValue).orElse(null);
        Integer maxVcpus = number("maxvcpus", 0, Integer.MAX_VALUE).map(Long::intValue).orElse(null);
        // xl parse_vnuma_config, before the defaults below: the vnodes set max_memkb and max_vcpus
        VnumaSpec.Result vnuma = VnumaSpec.read(this, maxVcpus == null ? 0 : maxVcpus, maxmem == null ? null : maxmem * 1024);
        if (vnuma.maxMemKiB() != null) maxmem = vnuma.maxMemKiB() / 1024; // a sum of MiB sizes: whole MiB
        if (vnuma.maxVcpus() != 0) maxVcpus = (int) vnuma.maxVcpus();
        if (maxmem == null) maxmem = memory; // xl: max_memkb = target_memkb when neither set it
        if (maxVcpus == null || maxVcpus == 0) maxVcpus = vcpus; // xl: if (max_vcpus == 0) max_vcpus = vcpus
        if (maxVcpus != null && vcpus != null && maxVcpus < vcpus) {
            throw err(line("maxvcpus"), "maxvcpus", "maxvcpus < vcpus (" + maxVcpus + " < " + vcpus + ")");
        }

        ShutdownAction onPoweroff = action("on_poweroff", ShutdownAction.DESTROY);
        ShutdownAction onReboot = action("on_reboot", ShutdownAction.RESTART);
        ShutdownAction onCrash = action("on_crash", ShutdownAction.DESTROY);

        String kernel = string("kernel").orElse(null);
        String ramdisk = string("ramdisk").orElse(null);
        String root = string("root").orElse(null);
        String extra = string("extra").orElse(null);
        String cmdline = cmdline(string("cmdline").orElse(null), root, extra);
        Boolean acpi = defbool("acpi");

        // basename by hand: Path.of throws on a NUL byte, which a quoted string may hold (found by
        // the parser fuzzer, config/src/test/java/dev/dmjail/config/fuzz)
        if (type == DomainType.HVM && kernel != null && "hvmloader".equals(baseName(kernel))) {
            warn(line("kernel"), "kernel", "you seem to be using \"kernel\" directive to override HVM guest firmware."
                    + " Ignore that. Use \"firmware_override\" instead if you really want a non-default firmware");
            kernel = null;
        }
        String bios = null, hvmFirmware = null;
        Optional<String> fw = string("firmware");
        if (type == DomainType.HVM) {
            bios = string("bios").map(String::toLowerCase).orElse(null);
            if (bios != null && !BIOS_TYPES.contains(bios)) {
                throw err(line("bios"), "bios", "invalid value \"" + string("bios").get() + "\" for \"bios\"");
            }
            // xl parse_config_data: firmware= wins over bios=; "bios" keeps bios=, "uefi" is ovmf, a bios
            // type name is that type, anything else is a firmware image (hvmloader) path
            if (fw.isPresent() && !fw.get().equals("bios")) {
                String f = fw.get().toLowerCase();
                if (f.equals("uefi")) {
                    bios = "ovmf";
                } else if (BIOS_TYPES.contains(f)) {
                    bios = f;
                } else {
                    hvmFirmware = fw.get();
                }
            }
        } else if (fw.isPresent()) {
            if (kernel != null) {
                throw err(line("firmware"), "firmware", "both kernel and firmware specified");
            }
            if (!fw.get().equals("pvgrub32") && !fw.get().equals("pvgrub64")) {
                throw err(line("firmware"), "firmware", "only pvgrub{32|64} supported as firmware options");
            }
            kernel = XEN_BOOT_DIR + fw.get() + ".bin"; // xl: the pvgrub image in libxl's XEN_LIB_DIR/boot
        }
        if (type != DomainType.HVM && kernel == null && string("bootloader").isEmpty()) {
            throw err(0, "kernel", "Neither kernel nor bootloader specified (a " + type.json() + " guest needs kernel= or bootloader=)");
        }

        List<DiskSpec> disks = disks();
        List<VifSpec> nics = nics();

        String dmOverride = string("device_model_override").orElse(null);
        DeviceModelVersion dmVersion = null;
        Optional<String> v = string("device_model_version");
        if (v.isPresent()) {
            dmVersion = DeviceModelVersion.fromXl(v.get());
            if (dmVersion == null) {
                throw err(line("device_model_version"), "device_model_version",
                        "Unknown device_model_version \"" + v.get() + "\" specified");
            }
        } else if (dmOverride != null) {
            warn(line("device_model_override"), "device_model_override",
                    "device model override given without specific DM version");
        }
        String dmUser = string("device_model_user").orElse(null);
        List<String> dmArgs = extraArgs("device_model_args");
        List<String> dmArgsPv = extraArgs("device_model_args_pv");
        List<String> dmArgsHvm = extraArgs("device_model_args_hvm");

        // xl: for PV "vnc" is read as a number (a vfb is added when non-zero), otherwise as defbools.
        Boolean vnc = defbool("vnc");
        Boolean sdl = defbool("sdl");
        Boolean dmRestrict = defbool("dm_restrict");
        DomainConfig.VncKeys vncKeys = vncKeys(type);
        String vga = type == DomainType.HVM ? vga() : null;
        // xl: b_info->video_memkb = l * 1024, for every type
        Long videoram = number("videoram", 0, Long.MAX_VALUE / 1024).orElse(null);

        List<String> serial = serial();
        List<LibxlField> recorded = new ArrayList<>(vnuma.fields());
        recorded.addAll(RecordedKeys.read(this, type, maxVcpus == null ? 0 : maxVcpus));
        String boot = string("boot").orElse(null);

        return new DomainConfig(name, type, memory, maxmem, vcpus, maxVcpus, uuid, kernel, ramdisk, cmdline, root,
                extra, disks, nics, serial, cfg.get("serial").map(x -> x.value().isList()).orElse(false), boot, vnc, sdl, acpi, vncKeys, vga, videoram, bios, hvmFirmware, onPoweroff, onReboot, onCrash, dmRestrict, dmUser,
                dmOverride, dmVersion, dmArgs, dmArgsHvm, dmArgsPv, recorded, file);
    }

    /**
     * xl parse_top_level_vnc_options: vnclisten and vncpasswd as strings, vncdisplay a number,
     * vncunused a defbool; keymap a string. An HVM guest whose vnclisten holds a display (":N") and
     * that also sets a non-zero vncdisplay is refused with xl's message (xl checks this for HVM only).
     */
    private DomainConfig.VncKeys vncKeys(DomainType type) throws ConfigException {
        String listen = string("vnclisten").orElse(null);
        String passwd = string("vncpasswd").orElse(null);
        Integer display = number("vncdisplay", 0, Integer.MAX_VALUE).map(Long::intValue).orElse(null);
        Boolean findUnused = defbool("vncunused");
        String keymap = string("keymap").orElse(null);
        if (type == DomainType.HVM && listen != null && listen.indexOf(':') >= 0 && display != null && display != 0) {
            throw err(line("vncdisplay"), "vncdisplay", "Display specified both in vnclisten and vncdisplay!");
        }
        return new DomainConfig.VncKeys(listen, passwd, display, findUnused, keymap);
    }

    /** xl: vga= wins over the deprecated stdvga= (non-zero std, zero cirrus); any other vga= is xl's error. */
    private String vga() throws ConfigException {
        Optional<String> v = string("vga");
        if (v.isPresent()) {
            return switch (v.get()) {
                case "stdvga" -> "std";
                case "cirrus" -> "cirrus";
                case "none" -> "none";
                case "qxl" -> "qxl";
                default -> throw err(line("vga"), "vga", "Unknown vga \"" + v.get() + "\" specified");
            };
        }
        return defbool("stdvga") == null ? null : (defbool("stdvga") ? "std" : "cirrus");
    }

    private void warnUnknownKeys() {
        for (String key : cfg.keys()) {
            if (known(key) || key.startsWith(DMJAIL_PREFIX)) continue;
            XlSetting first = cfg.settings().stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
            warn(first.line(), key, "unknown key, ignored (not supported by dmjail)");
        }
    }

    /**
     * type= and the deprecated builder=. xl compares with strncmp(buf, NAME, strlen(buf)), so any
     * prefix of a name selects it ("h" is hvm, "" is hvm, "p" is pv); builder accepts hvm or generic (pv).
     */
    private DomainType domainType() throws ConfigException {
        DomainType type = null;
        Optional<String> t = string("type");
        if (t.isPresent()) {
            String s = t.get();
            if ("hvm".startsWith(s)) type = DomainType.HVM;
            else if ("pv".startsWith(s)) type = DomainType.PV;
            else if ("pvh".startsWith(s)) type = DomainType.PVH;
            else throw err(line("type"), "type", "Invalid domain type " + s + ".");
        }
        Optional<String> b = string("builder");
        if (b.isPresent()) {
            String s = b.get();
            DomainType bt;
            if ("hvm".startsWith(s)) bt = DomainType.HVM;
            else if ("generic".startsWith(s)) bt = DomainType.PV;
            else throw err(line("builder"), "builder", "Invalid domain type " + s + ".");
            if (type != null && type != bt) {
                throw err(line("builder"), "builder", "Contradicting \"builder\" and \"type\" options specified.");
            }
            type = bt;
        }
        return type == null ? DomainType.PV : type; // x86 default
    }

    /** xl parse_cmdline: cmdline= wins; else "root=ROOT EXTRA", "root=ROOT" or EXTRA. */
    private String cmdline(String cmdline, String root, String extra) {
        if (cmdline != null) {
            if (root != null || extra != null) {
                warn(line("cmdline"), "cmdline", "ignoring root= and extra= in favour of cmdline=");
            }
            return cmdline;
        }
        if (root != null && extra != null) return "root=" + root + " " + extra;
        if (root != null) return "root=" + root;
        return extra;
    }

    ShutdownAction action(String key, ShutdownAction dflt) throws ConfigException {
        Optional<String> s = string(key);
        if (s.isEmpty()) return dflt;
        ShutdownAction a = ShutdownAction.fromXl(s.get());
        if (a == null) {
            throw err(line(key), key, "Unknown " + key + " action \"" + s.get() + "\" specified"
                    + " (one of destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart, soft-reset)");
        }
        return a;
    }

    private List<DiskSpec> disks() throws ConfigException {
        List<DiskSpec> out = new ArrayList<>();
        for (XlValue.Atom item : atomList("disk")) {
            try {
                out.add(DiskSpecParser.parse(item.text()));
            } catch (DiskSpecParser.DiskError e) {
                throw err(item.line(), "disk", "config parsing error in disk specification: " + e.getMessage());
            }
        }
        return out;
    }

    private List<VifSpec> nics() throws ConfigException {
        List<VifSpec> out = new ArrayList<>();
        List<XlValue.Atom> items = atomList("vif");
        for (int i = 0; i < items.size(); i++) {
            XlValue.Atom item = items.get(i);
            List<String> w = new ArrayList<>();
            List<String> dropped = new ArrayList<>();
            try {
                out.add(VifSpecParser.parse(item.text(), i, w, dropped));
            } catch (VifSpecParser.VifError e) {
                throw err(item.line(), "vif", e.getMessage() + " in `" + item.text() + "'");
            }
            for (String m : w) warn(item.line(), "vif", m);
            for (String m : dropped) ignore(item.line(), "vif", m);
        }
        return out;
    }

    /** serial= for HVM: a list, or a single string (xl tries the list first, then the atom). */
    private List<String> serial() throws ConfigException {
        Optional<XlSetting> s = cfg.get("serial");
        if (s.isEmpty()) return List.of();
        if (s.get().value() instanceof XlValue.Atom a) return List.of(a.text());
        return stringList("serial");
    }

    /** The host facts libxl would give xl while it parses (cpu bitmap width, NUMA nodes). */
    HostFacts facts() {
        return facts;
    }

    // ---- typed access, after libxlu_cfg.c ----

    int line(String key) {
        return cfg.get(key).map(XlSetting::line).orElse(0);
    }

    Optional<XlSetting> setting(String key) {
        return cfg.get(key);
    }

    /**
     * xlu_cfg_get_long with dont_warn = 1: the number when the value is one (an atom, not +=, all of it read
     * by strtol without ERANGE), else empty without a word, so the caller can read it as a string instead.
     */
    Optional<Long> quietNumber(String key) {
        Optional<XlSetting> s = cfg.get(key);
        if (s.isEmpty() || !(s.get().value() instanceof XlValue.Atom a) || s.get().append()) return Optional.empty();
        CNumbers.Result r = CNumbers.strtol(a.text());
        return r.complete() && !r.overflow() ? Optional.of(r.value()) : Optional.empty();
    }

    /** xlu_cfg_get_string: a list here is warned about and ignored, as xl does (find_atom). */
    Optional<String> string(String key) {
        Optional<XlSetting> s = cfg.get(key);
        if (s.isEmpty()) return Optional.empty();
        if (s.get().value() instanceof XlValue.Atom a) return Optional.of(a.text());
        return ignore(s.get().line(), key, "parameter `" + key + "' is a list but should be a single value");
    }

    /** xlu_cfg_get_long with strtol(…, 0), plus dmjail's range check. */
    Optional<Long> number(String key, long min, long max) throws ConfigException {
        Optional<XlSetting> s = cfg.get(key);
        if (s.isEmpty()) return Optional.empty();
        XlSetting set = s.get();
        // libxlu_cfg.c xlu_cfg_get_bounded_long: each of these is a warning, and the caller goes on without the value
        if (!(set.value() instanceof XlValue.Atom a)) {
            return ignore(set.line(), key, "parameter `" + key + "' is a list but should be a single value");
        }
        if (set.append()) return ignore(set.line(), key, "can't use += with numbers for parameter `" + key + "'");
        CNumbers.Result r = CNumbers.strtol(a.text());
        if (r.overflow()) {
            return ignore(set.line(), key, "parameter `" + key + "' could not be parsed as a number: "
                    + "Numerical result out of range");
        }
        if (!r.complete()) {
            return ignore(set.line(), key, "parameter `" + key + "' is not a valid number (`" + a.text() + "')");
        }
        if (r.value() < min || r.value() > max) {
            throw err(set.line(), key, "value " + r.value() + " out of range [" + min + ", " + max + "]");
        }
        return Optional.of(r.value());
    }

    /** xlu_cfg_get_defbool: a number, any non-zero value is true. */
    Boolean defbool(String key) throws ConfigException {
        return number(key, Long.MIN_VALUE, Long.MAX_VALUE).map(l -> l != 0).orElse(null);
    }

    /** A list of strings (device_model_args*, serial): a single value or a nested list is an error. */
    List<String> stringList(String key) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (XlValue.Atom a : atomList(key)) out.add(a.text());
        return out;
    }

    /**
     * xl's parse_extra_args: a single value is "xl: Unable to parse device_model_args…" and exit, unlike
     * the other lists (xlu_cfg_get_list_as_string_list's EINVAL is fatal there); a nested list ends it.
     */
    private List<String> extraArgs(String key) throws ConfigException {
        Optional<XlSetting> s = cfg.get(key);
        if (s.isPresent() && !(s.get().value() instanceof XlValue.XlList)) {
            throw err(s.get().line(), key, "parameter `" + key + "' is a single value but should be a list "
                    + "(xl: Unable to parse " + key + ".)");
        }
        return stringList(key);
    }

    List<XlValue.Atom> atomList(String key) throws ConfigException {
        Optional<XlSetting> s = cfg.get(key);
        if (s.isEmpty()) return List.of();
        if (!(s.get().value() instanceof XlValue.XlList l)) {
            ignore(s.get().line(), key, "parameter `" + key + "' is a single value but should be a list");
            return List.of();
        }
        List<XlValue.Atom> out = new ArrayList<>();
        for (XlValue item : l.items()) {
            if (!(item instanceof XlValue.Atom a)) {
                // xl stops reading the list at a nested list (xlu_cfg_get_listitem returns NULL), silently
                ignore(item.line(), key, "a nested list ends the list here, as in xl: this item and the rest are dropped");
                break;
            }
            out.add(a);
        }
        return out;
    }

    ConfigException err(int line, String key, String msg) {
        return new ConfigException(file, line, key, msg + cfg.overrideNote(line));
    }

    /** xl's warning, the value dropped as xl drops it, and the setting recorded for create to refuse. */
    <T> Optional<T> ignore(int line, String key, String msg) {
        warn(line, key, "warning: " + msg + "; xl ignores it");
        ignored.add(new ParsedDomain.Ignored(key, line, msg));
        return Optional.empty();
    }

    void warn(int line, String key, String msg) {
        warnings.add(ConfigException.where(file, line, key) + msg + cfg.overrideNote(line));
    }

    /** The last path element, as Path.getFileName() gives it (trailing slashes ignored), for any string. */
    static String baseName(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
