package dev.dmjail.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The libxl_domain_config JSON that Xen 4.17's {@code xl -N create} prints, for the keys dmjail
 * models. libxl's generated *_gen_json omits every field still at its IDL default (so an unset
 * string, a 0 int, a "default" defbool, destroy for on_* actions are absent) but always prints
 * nested structs, even empty ones. Field order follows libxl_types.idl. Defbools print as
 * "True"/"False", memory in KiB, enums in libxl's lower-case spelling.
 * <p>
 * What xl itself fills in at parse time is reproduced: c_info.run_hotplug_scripts and
 * b_info.claim_mode ("True": xl.conf defaults), a generated uuid when none is given,
 * on_reboot "restart" and on_soft_reset "soft_reset".
 */
public final class LibxlJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private LibxlJson() { }

    public static ObjectNode toJson(DomainConfig d) {
        ObjectNode root = F.objectNode();

        ObjectNode c = root.putObject("c_info");
        c.put("type", d.type().json());
        c.put("name", d.name());
        c.put("uuid", (d.uuid() != null ? d.uuid() : UUID.randomUUID()).toString());
        c.put("run_hotplug_scripts", "True");

        ObjectNode b = root.putObject("b_info");
        if (d.maxVcpus() != null && d.maxVcpus() != 0) b.put("max_vcpus", d.maxVcpus());
        if (d.vcpus() != null && d.vcpus() > 0) {
            ArrayNode avail = b.putArray("avail_vcpus");
            for (int i = 0; i < d.vcpus(); i++) avail.add(i);
        }
        if (d.maxMemMiB() != null) putNumber(b, "max_memkb", d.maxMemMiB() * 1024);
        if (d.memoryMiB() != null) putNumber(b, "target_memkb", d.memoryMiB() * 1024);
        if (d.videoramMiB() != null) putNumber(b, "video_memkb", d.videoramMiB() * 1024);
        if (d.deviceModelVersion() != null) b.put("device_model_version", d.deviceModelVersion().json());
        putString(b, "device_model", d.deviceModelOverride());
        putString(b, "device_model_user", d.deviceModelUser());
        putList(b, "extra", d.deviceModelArgs());
        putList(b, "extra_pv", d.deviceModelArgsPv());
        putList(b, "extra_hvm", d.deviceModelArgsHvm());
        b.putObject("sched_params");
        b.put("claim_mode", "True");
        putString(b, "kernel", d.kernel());
        putString(b, "cmdline", d.cmdline());
        putString(b, "ramdisk", d.ramdisk());
        putDefbool(b, "acpi", d.acpi());
        putDefbool(b, "dm_restrict", d.dmRestrict());
        ObjectNode u = b.putObject("type." + d.type().json());
        if (d.type() == DomainType.HVM) {
            putString(u, "firmware", d.hvmFirmware());
            putString(u, "bios", d.bios());
            putString(u.putObject("vga"), "kind", d.vga());
            vnc(u.putObject("vnc"), d);
            putString(u, "keymap", d.vncDisplay().keymap());
            putDefbool(u.putObject("sdl"), "enable", d.sdl());
            u.putObject("spice");
            if (!d.serial().isEmpty() && !d.serialListForm()) u.put("serial", d.serial().get(0));
            putString(u, "boot", d.boot());
            if (d.serialListForm()) putList(u, "serial_list", d.serial());
            u.putObject("rdm");
        }
        b.putObject("arch_arm");
        b.putObject("arch_x86");

        if (!d.disks().isEmpty()) {
            ArrayNode disks = root.putArray("disks");
            for (DiskSpec disk : d.disks()) disks.add(disk(disk));
        }
        if (!d.nics().isEmpty()) {
            ArrayNode nics = root.putArray("nics");
            for (VifSpec nic : d.nics()) nics.add(nic(nic));
        }
        // xl: a PV guest with vnc=<non-zero> (and no vfb=) gets one vfb plus one vkb
        if (d.type() == DomainType.PV && Boolean.TRUE.equals(d.vnc())) {
            ObjectNode vfb = root.putArray("vfbs").addObject();
            vfb.put("devid", 0);
            vnc(vfb.putObject("vnc"), d);
            putDefbool(vfb.putObject("sdl"), "enable", d.sdl());
            putString(vfb, "keymap", d.vncDisplay().keymap());
            root.putArray("vkbs").addObject().put("devid", 0);
        }
        putAction(root, "on_poweroff", d.onPoweroff());
        putAction(root, "on_reboot", d.onReboot());
        putAction(root, "on_crash", d.onCrash());
        root.put("on_soft_reset", ShutdownAction.SOFT_RESET.json());
        LibxlOrder.apply(root, d.recorded());
        return root;
    }

    /** libxl_vnc_info in IDL order: enable, listen, passwd (printed even when ""), display (0 omitted), findunused. */
    private static void vnc(ObjectNode o, DomainConfig d) {
        DomainConfig.VncKeys k = d.vncDisplay();
        putDefbool(o, "enable", d.vnc());
        putString(o, "listen", k.listen());
        putString(o, "passwd", k.passwd());
        if (k.display() != null && k.display() != 0) o.put("display", k.display());
        putDefbool(o, "findunused", k.findUnused());
    }

    private static ObjectNode disk(DiskSpec disk) {
        ObjectNode o = F.objectNode();
        putString(o, "backend_domname", disk.backendDomain());
        putString(o, "pdev_path", disk.target());
        putString(o, "vdev", disk.vdev());
        putString(o, "backend", disk.backendtype());
        o.put("format", disk.format());
        putString(o, "script", disk.script());
        if (disk.removable()) o.put("removable", 1);
        if (disk.readWrite()) o.put("readwrite", 1);
        if (disk.cdrom()) o.put("is_cdrom", 1);
        if (disk.directIoSafe()) o.put("direct_io_safe", true);
        putDefbool(o, "discard_enable", disk.discard());
        putString(o, "specification", disk.specification());
        if (disk.colo() != null) {
            DiskSpec.Colo colo = disk.colo();
            putDefbool(o, "colo_enable", colo.enable());
            putString(o, "colo_host", colo.host());
            if (colo.port() != 0) o.put("colo_port", colo.port());
            putString(o, "colo_export", colo.export());
            putString(o, "active_disk", colo.activeDisk());
            putString(o, "hidden_disk", colo.hiddenDisk());
        }
        return o;
    }

    private static ObjectNode nic(VifSpec nic) {
        ObjectNode o = F.objectNode();
        putString(o, "backend_domname", nic.backend());
        o.put("devid", nic.devid());
        if (nic.mtu() != 0) o.put("mtu", nic.mtu());
        putString(o, "model", nic.model());
        if (nic.mac() != null && !nic.mac().equals("00:00:00:00:00:00")) o.put("mac", nic.mac());
        putString(o, "ip", nic.ip());
        putString(o, "bridge", nic.bridge());
        putString(o, "ifname", nic.vifname());
        putString(o, "script", nic.script());
        if (nic.type() != null) o.put("nictype", nic.type().equals("ioemu") ? "vif_ioemu" : "vif");
        if (nic.rate() != null) {
            putNumber(o, "rate_bytes_per_interval", nic.rateBytesPerInterval());
            putNumber(o, "rate_interval_usecs", nic.rateIntervalUsecs());
        }
        putString(o, "gatewaydev", nic.gatewaydev());
        putDefbool(o, "trusted", nic.trusted());
        return o;
    }

    /** Ints where they fit, so the tree equals what a JSON parser builds from xl's output. */
    private static void putNumber(ObjectNode o, String k, long v) {
        if (v == (int) v) o.put(k, (int) v); else o.put(k, v);
    }

    private static void putString(ObjectNode o, String k, String v) {
        if (v != null) o.put(k, v);
    }

    private static void putList(ObjectNode o, String k, List<String> l) {
        if (l.isEmpty()) return;
        ArrayNode a = o.putArray(k);
        l.forEach(a::add);
    }

    private static void putDefbool(ObjectNode o, String k, Boolean v) {
        if (v != null) o.put(k, v ? "True" : "False");
    }

    private static void putAction(ObjectNode o, String k, ShutdownAction a) {
        if (a != ShutdownAction.DESTROY) o.put(k, a.json());
    }

    /**
     * Prints the tree as xl does: yajl_gen with yajl_gen_beautify, 4-space indent, "key": value,
     * an empty map or array as an opening line, a blank line and the closing line, and a final newline.
     */
    public static String render(ObjectNode node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0);
        return sb.append('\n').toString();
    }

    private static void write(StringBuilder sb, JsonNode n, int depth) {
        if (n.isObject()) {
            sb.append("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                indent(sb, depth + 1);
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), depth + 1);
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            if (n.isEmpty()) sb.append('\n');
            indent(sb, depth);
            sb.append('}');
        } else if (n.isArray()) {
            sb.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                indent(sb, depth + 1);
                write(sb, n.get(i), depth + 1);
                sb.append(i + 1 < n.size() ? ",\n" : "\n");
            }
            if (n.isEmpty()) sb.append('\n');
            indent(sb, depth);
            sb.append(']');
        } else if (n.isTextual()) {
            string(sb, n.asText());
        } else {
            sb.append(n.toString());
        }
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.append("    ".repeat(depth));
    }

    /** yajl_string_encode: \" \\ \b \f \n \r \t, other control characters as backslash-u00XX (upper-case hex); '/' and non-ASCII as is. */
    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04X", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
