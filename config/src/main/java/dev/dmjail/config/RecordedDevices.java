package dev.dmjail.config;

import static dev.dmjail.config.RecordedKeys.enumValue;
import static dev.dmjail.config.RecordedKeys.num;
import static dev.dmjail.config.RecordedKeys.strtok;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The device lists of {@link RecordedKeys}, read as xl_parse.c reads them (Xen 4.17): dtdev, p9, vtpm, vdispl,
 * vsnd, pvcalls, channel, pci, usbctrl, usbdev, vfb and vkb. Each spec xl refuses is refused with xl's message;
 * each accepted one becomes the libxl device JSON xl prints. dmjail's qemu backend honours none of them
 * (toolstack plan/UnhonouredKeys).
 */
final class RecordedDevices {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final DomainBuilder b;
    private final DomainType type;
    private final List<LibxlField> out;

    RecordedDevices(DomainBuilder b, DomainType type, List<LibxlField> out) {
        this.b = b;
        this.type = type;
        this.out = out;
    }

    /** In xl's order. */
    void read() throws ConfigException {
        devices();
        pci();
        usb();
        framebuffers();
    }

    private void put(String path, JsonNode v) {
        out.add(new LibxlField(path, v));
    }

    /**
     * xl's pci list (libxlu_pci.c xlu_pci_parse_spec_string): "[[DDDD:]BB:DD.F[@VSLOT][,KEY=VAL…]" or KEY=VAL
     * pairs with bdf= or name= (exactly one of them); permissive, msitranslate, seize, power_mgmt default to the
     * global pci_* keys. A PV guest with a PCI device gets e820_host (xl). Without rdm_policy= a device takes
     * the policy xl copied from rdm= ({@link RdmSpec}), read just before the list as xl does.
     */
    private void pci() throws ConfigException {
        String inherited = rdm();
        boolean[] globals = new boolean[4];
        String[] names = {"pci_msitranslate", "pci_power_mgmt", "pci_permissive", "pci_seize"};
        for (int i = 0; i < 4; i++) {
            globals[i] = b.number(names[i], Integer.MIN_VALUE, Integer.MAX_VALUE).map(v -> v != 0).orElse(false);
        }
        ArrayNode pcis = F.arrayNode();
        for (XlValue.Atom a : b.atomList("pci")) {
            com.fasterxml.jackson.databind.node.ObjectNode o = PciSpec.parse(a.text(), globals, inherited);
            if (o == null) {
                throw b.err(a.line(), "pci", "unable to parse PCI_SPEC_STRING `" + a.text() + "' for passthrough");
            }
            pcis.add(o);
        }
        if (!pcis.isEmpty()) {
            put("pcidevs", pcis);
            if (type == DomainType.PV) put("b_info/type.pv/e820_host", F.textNode("True"));
        }
    }

    /**
     * rdm= into b_info.u.hvm.rdm (printed for HVM only; xl writes the union whatever the type), with the warnings
     * for what xl drops or leaves uninitialised; returns the policy a PCI device without rdm_policy= inherits.
     */
    private String rdm() throws ConfigException {
        String fallback = type == DomainType.HVM ? "invalid" : "strict";
        java.util.Optional<String> v = b.string("rdm");
        if (v.isEmpty()) return fallback;
        int line = b.line("rdm");
        RdmSpec r = RdmSpec.parse(v.get());
        for (String c : r.complaints()) b.ignore(line, "rdm", c);
        if (!r.parsed()) {
            b.ignore(line, "rdm", r.dropped());
            return fallback;
        }
        b.ignore(line, "rdm", "xl 4.17 copies the policy" + (r.host() ? "" : " and the strategy")
                + " from memory it never initialised (xlu_rdm_parse): undefined, printed as null");
        if (type == DomainType.HVM) {
            com.fasterxml.jackson.databind.node.ObjectNode o = F.objectNode();
            if (r.host()) o.put("strategy", "host");
            else o.putNull("strategy");
            o.putNull("policy");
            put("b_info/type.hvm/rdm", o);
        }
        return null;
    }

    /**
     * xl's usbctrl and usbdev lists (parse_usbctrl_config, parse_usbdev_config): strtok on ",", leading blanks
     * skipped, each item "KEY=VALUE" (MATCH_OPTION: a prefix match on "KEY="), numbers by atoi (hostbus and
     * hostaddr by strtoul base 0, into a uint8). A usbdev without type=hostdev prints no host address (the
     * keyed union is unset), and its controller, unset, is libxl's default.
     */
    private void usb() throws ConfigException {
        List<String> ctrlTypes = List.of("auto", "pv", "devicemodel", "qusb");
        ArrayNode ctrls = F.arrayNode();
        for (XlValue.Atom a : b.atomList("usbctrl")) {
            com.fasterxml.jackson.databind.node.ObjectNode o = F.objectNode();
            String type = "auto";
            long version = 0, ports = 0;
            for (String t : strtok(a.text(), ",")) {
                t = t.replaceFirst("^ +", "");
                if (t.startsWith("type=")) {
                    String v = t.substring(5);
                    type = enumValue(ctrlTypes, v)
                            .orElseThrow(() -> b.err(a.line(), "usbctrl", "Invalid usb controller type '" + v + "'"));
                } else if (t.startsWith("version=")) {
                    version = PciSpec.atoi(t.substring(8));
                } else if (t.startsWith("ports=")) {
                    ports = PciSpec.atoi(t.substring(6));
                } else {
                    throw b.err(a.line(), "usbctrl", "Unknown string `" + t + "' in usbctrl spec");
                }
            }
            if (!type.equals("auto")) o.put("type", type);
            o.put("devid", ctrls.size()); // ARRAY_EXTEND_INIT: the index
            if (version != 0) o.set("version", num(version));
            if (ports != 0) o.set("ports", num(ports));
            ctrls.add(o);
        }
        if (!ctrls.isEmpty()) put("usbctrls", ctrls);

        ArrayNode devs = F.arrayNode();
        for (XlValue.Atom a : b.atomList("usbdev")) {
            boolean hostdev = false;
            Long ctrl = null, port = null, hostbus = null, hostaddr = null;
            for (String t : strtok(a.text(), ",")) {
                t = t.replaceFirst("^ +", "");
                if (t.startsWith("type=")) {
                    // xl prints getopt's optarg (NULL: "(null)") where the value belongs; dmjail names the value
                    if (!t.substring(5).equalsIgnoreCase("hostdev")) {
                        throw b.err(a.line(), "usbdev", "Invalid usb device type: " + t.substring(5));
                    }
                    hostdev = true;
                } else if (t.startsWith("hostbus=")) {
                    hostbus = CNumbers.strtoulPrefix(t.substring(8)) & 0xff;
                } else if (t.startsWith("hostaddr=")) {
                    hostaddr = CNumbers.strtoulPrefix(t.substring(9)) & 0xff;
                } else if (t.startsWith("controller=")) {
                    ctrl = PciSpec.atoi(t.substring(11));
                } else if (t.startsWith("port=")) {
                    port = PciSpec.atoi(t.substring(5));
                } else {
                    throw b.err(a.line(), "usbdev", "Unknown string `" + t + "' in usbdev spec");
                }
            }
            com.fasterxml.jackson.databind.node.ObjectNode o = devs.addObject();
            if (ctrl != null && ctrl != -1) o.set("ctrl", num(ctrl)); // libxl_devid: -1 is its default
            if (port != null && port != 0) o.set("port", num(port));
            if (hostdev) {
                com.fasterxml.jackson.databind.node.ObjectNode h = o.putObject("type.hostdev");
                if (hostbus != null && hostbus != 0) h.set("hostbus", num(hostbus));
                if (hostaddr != null && hostaddr != 0) h.set("hostaddr", num(hostaddr));
            }
        }
        if (!devs.isEmpty()) put("usbdevs", devs);
    }

    /**
     * xl's vfb list (each vfb brings a vkb of its own), the vkb a PV guest's top-level vnc = N (N non-zero, no
     * vfb=) brings with its vfb ({@link LibxlJson} prints that vfb), then the vkb list (parse_vkb_list). A vfb
     * item: strtok on ",", an item without "=" ends it, unknown keys are skipped without a word, numbers by atoi.
     */
    private void framebuffers() throws ConfigException {
        ArrayNode vfbs = F.arrayNode();
        ArrayNode vkbs = F.arrayNode();
        for (XlValue.Atom a : b.atomList("vfb")) {
            com.fasterxml.jackson.databind.node.ObjectNode vfb = vfbs.addObject();
            vfb.put("devid", vfbs.size() - 1);
            com.fasterxml.jackson.databind.node.ObjectNode vnc = F.objectNode(), sdl = F.objectNode();
            String keymap = null;
            for (String t : strtok(a.text(), ",")) {
                t = t.replaceFirst("^ +", "");
                int eq = t.indexOf('=');
                if (eq < 0) break;
                String k = t.substring(0, eq), v = t.substring(eq + 1);
                switch (k) {
                    case "vnc" -> vnc.put("enable", PciSpec.atoi(v) != 0 ? "True" : "False");
                    case "vnclisten" -> vnc.put("listen", v);
                    case "vncpasswd" -> vnc.put("passwd", v);
                    case "vncdisplay" -> vnc.put("display", (int) PciSpec.atoi(v));
                    case "vncunused" -> vnc.put("findunused", PciSpec.atoi(v) != 0 ? "True" : "False");
                    case "keymap" -> keymap = v;
                    case "sdl" -> sdl.put("enable", PciSpec.atoi(v) != 0 ? "True" : "False");
                    case "opengl" -> sdl.put("opengl", PciSpec.atoi(v) != 0 ? "True" : "False");
                    case "display" -> sdl.put("display", v);
                    case "xauthority" -> sdl.put("xauthority", v);
                    default -> { } // xl: skipped silently
                }
            }
            if (vnc.has("display") && vnc.get("display").asInt() == 0) vnc.remove("display");
            orderFields(vnc, List.of("enable", "listen", "passwd", "display", "findunused"));
            orderFields(sdl, List.of("enable", "opengl", "display", "xauthority"));
            vfb.set("vnc", vnc);
            vfb.set("sdl", sdl);
            if (keymap != null) vfb.put("keymap", keymap);
            vkbs.addObject().put("devid", vkbs.size() - 1);
        }
        if (type == DomainType.PV && vfbs.isEmpty() && b.quietNumber("vnc").orElse(0L) != 0) {
            vkbs.addObject().put("devid", 0); // the top-level vnc's vkb (LibxlJson prints its vfb)
        }
        for (XlValue.Atom a : b.atomList("vkb")) vkbs.add(vkb(a, vkbs.size()));
        if (!vfbs.isEmpty()) put("vfbs", vfbs);
        if (!b.atomList("vfb").isEmpty() || !b.atomList("vkb").isEmpty()) put("vkbs", vkbs);
    }

    /** parse_vkb_config's keys (MATCH_OPTION prefixes, numbers by strtoul base 0) and parse_vkb_list's checks. */
    private JsonNode vkb(XlValue.Atom a, int devid) throws ConfigException {
        String backend = null, type = null, uniqueId = null;
        List<String> numKeys = List.of("feature-disable-keyboard", "feature-disable-pointer", "feature-abs-pointer",
                "feature-raw-pointer", "feature-multi-touch", "width", "height", "multi-touch-width",
                "multi-touch-height", "multi-touch-num-contacts");
        long[] v = new long[numKeys.size()];
        for (String t : strtok(a.text(), ",")) {
            t = t.replaceFirst("^ +", "");
            if (t.startsWith("backend=")) {
                backend = t.substring(8);
            } else if (t.startsWith("backend-type=")) {
                String bt = t.substring(13);
                type = enumValue(List.of("unknown", "qemu", "linux"), bt)
                        .orElseThrow(() -> b.err(a.line(), "vkb", "Unknown backend_type \"" + bt + "\" in vkb spec"));
            } else if (t.startsWith("unique-id=")) {
                uniqueId = t.substring(10);
            } else {
                int k = -1;
                for (int i = 0; i < numKeys.size(); i++) if (t.startsWith(numKeys.get(i) + "=")) { k = i; break; }
                if (k < 0) throw b.err(a.line(), "vkb", "Unknown string \"" + t + "\" in vkb spec");
                long x = CNumbers.strtoulPrefix(t.substring(numKeys.get(k).length() + 1));
                v[k] = k < 5 ? (x != 0 ? 1 : 0) : x & 0xffffffffL; // bool fields, then uint32
            }
        }
        if (type == null || type.equals("unknown")) throw b.err(a.line(), "vkb", "backend-type should be set in vkb spec");
        boolean mt = v[7] != 0 || v[8] != 0 || v[9] != 0;
        if (mt) v[4] = 1;
        if (v[4] != 0 && !mt) {
            throw b.err(a.line(), "vkb", "multi-touch-width, multi-touch-height, multi-touch-num-contacts should be set "
                    + "for multi touch in vkb spec");
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = F.objectNode();
        if (backend != null) o.put("backend_domname", backend);
        o.put("devid", devid);
        o.put("backend_type", type);
        if (uniqueId != null) o.put("unique_id", uniqueId);
        String[] fields = {"feature_disable_keyboard", "feature_disable_pointer", "feature_abs_pointer",
                "feature_raw_pointer", "feature_multi_touch", "width", "height", "multi_touch_width",
                "multi_touch_height", "multi_touch_num_contacts"};
        for (int i = 0; i < fields.length; i++) {
            if (v[i] == 0) continue;
            if (i < 5) o.put(fields[i], true); else o.set(fields[i], num(v[i]));
        }
        return o;
    }

    private static void orderFields(com.fasterxml.jackson.databind.node.ObjectNode o, List<String> order) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = o.deepCopy();
        o.removeAll();
        for (String k : order) if (copy.has(k)) o.set(k, copy.get(k));
    }

    /** The simple device lists, in xl's order: dtdev, p9, vtpm, pvcalls, channel. */
    private void devices() throws ConfigException {
        ArrayNode dtdevs = F.arrayNode();
        for (XlValue.Atom a : b.atomList("dtdev")) dtdevs.addObject().put("path", a.text());
        if (!dtdevs.isEmpty()) put("dtdevs", dtdevs);

        ArrayNode p9s = F.arrayNode();
        for (XlValue.Atom a : b.atomList("p9")) {
            java.util.Map<String, String> kv = strtokPairs(a, "p9", "9pfs", List.of("security_model", "path", "tag", "backend"));
            if (!kv.containsKey("path") || !kv.containsKey("security_model") || !kv.containsKey("tag")) {
                throw b.err(a.line(), "p9", "9pfs spec missing required field!");
            }
            // libxl_device_p9_init again after ARRAY_EXTEND_INIT: devid back at its default, not printed
            com.fasterxml.jackson.databind.node.ObjectNode o = p9s.addObject();
            if (kv.containsKey("backend")) o.put("backend_domname", kv.get("backend"));
            o.put("tag", kv.get("tag"));
            o.put("path", kv.get("path"));
            o.put("security_model", kv.get("security_model"));
        }
        if (!p9s.isEmpty()) put("p9s", p9s);

        ArrayNode vtpms = F.arrayNode();
        for (XlValue.Atom a : b.atomList("vtpm")) {
            java.util.Map<String, String> kv = strtokPairs(a, "vtpm", "vtpm", List.of("backend", "uuid"));
            if (kv.containsKey("uuid") && !kv.get("uuid").matches(
                    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
                throw b.err(a.line(), "vtpm", "Failed to parse vtpm UUID: " + kv.get("uuid"));
            }
            if (!kv.containsKey("backend")) throw b.err(a.line(), "vtpm", "vtpm spec missing required backend field!");
            com.fasterxml.jackson.databind.node.ObjectNode o = vtpms.addObject();
            o.put("backend_domname", kv.get("backend"));
            o.put("devid", vtpms.size() - 1); // ARRAY_EXTEND_INIT: the index
            if (kv.containsKey("uuid")) o.put("uuid", kv.get("uuid").toLowerCase(java.util.Locale.ROOT));
        }
        if (!vtpms.isEmpty()) put("vtpms", vtpms);

        ArrayNode vdispls = F.arrayNode();
        for (XlValue.Atom a : b.atomList("vdispl")) vdispls.add(vdispl(a, vdispls.size()));
        if (!vdispls.isEmpty()) put("vdispls", vdispls);

        vsnds();

        ArrayNode pvcalls = F.arrayNode();
        for (XlValue.Atom a : b.atomList("pvcalls")) {
            java.util.Map<String, String> kv = strtokPairs(a, "pvcalls", "pvcalls", List.of("backend"));
            com.fasterxml.jackson.databind.node.ObjectNode o = pvcalls.addObject();
            if (kv.containsKey("backend")) o.put("backend_domname", kv.get("backend"));
            o.put("devid", pvcalls.size() - 1);
        }
        if (!pvcalls.isEmpty()) put("pvcallsifs", pvcalls);

        ArrayNode channels = F.arrayNode();
        for (XlValue.Atom a : b.atomList("channel")) channels.add(channel(a, channels.size()));
        if (!channels.isEmpty()) put("channels", channels);
    }

    /**
     * The p9/vtpm/pvcalls spec loop: strtok on ",", leading blanks skipped, an item without "=" ends the spec
     * silently (xl's break), a key outside {@code keys} is "Unknown string `K' in WHAT spec" and exit.
     */
    private java.util.Map<String, String> strtokPairs(XlValue.Atom a, String key, String what, List<String> keys)
            throws ConfigException {
        java.util.Map<String, String> kv = new java.util.HashMap<>();
        for (String p : strtok(a.text(), ",")) {
            p = p.replaceFirst("^ +", "");
            int eq = p.indexOf('=');
            if (eq < 0) break;
            String k = p.substring(0, eq);
            if (!keys.contains(k)) throw b.err(a.line(), key, "Unknown string `" + k + "' in " + what + " spec");
            kv.put(k, p.substring(eq + 1));
        }
        return kv;
    }

    /** xl's channel spec: "," separated key=value pairs (each trimmed), connection pty or socket (with path=). */
    private JsonNode channel(XlValue.Atom a, int devid) throws ConfigException {
        String backend = null, name = null, path = null, connection = null;
        for (String pair : strtok(a.text(), ",")) {
            List<String> kv = strtok(pair, "=");
            if (kv.size() < 2) {
                throw b.err(a.line(), "channel", "failed to parse channel configuration: " + pair);
            }
            String k = kv.get(0).strip(), v = kv.get(1).strip(); // split_string_into_pair: the second token only
            switch (k) {
                case "backend" -> backend = v;
                case "name" -> name = v;
                case "path" -> path = v;
                case "connection" -> {
                    if (!v.equals("pty") && !v.equals("socket")) {
                        throw b.err(a.line(), "channel", "unknown channel connection '" + v + "'");
                    }
                    connection = v;
                }
                default -> b.ignore(a.line(), "channel", "unknown channel parameter '" + k + "', ignoring");
            }
        }
        if (connection == null) throw b.err(a.line(), "channel", "channel has unknown 'connection'");
        if (connection.equals("socket") && path == null) {
            throw b.err(a.line(), "channel", "channel connection 'socket' requires path=..");
        }
        com.fasterxml.jackson.databind.node.ObjectNode o = F.objectNode();
        if (backend != null) o.put("backend_domname", backend);
        o.put("devid", devid);
        if (name != null) o.put("name", name);
        com.fasterxml.jackson.databind.node.ObjectNode u = o.putObject("connection." + connection);
        if (connection.equals("socket")) u.put("path", path);
        return o;
    }

    /**
     * xl parse_vdispl_config: backend=, be-alloc= (strtoul, a bool), connectors=ID:WxH;ID:WxH… (sscanf "%ux%u");
     * at least one connector. A connector without ":" or an empty connectors= makes xl read memory it never set
     * (it crashes or fails): refused here with the reason.
     */
    private JsonNode vdispl(XlValue.Atom a, int devid) throws ConfigException {
        String backend = null;
        boolean beAlloc = false;
        ArrayNode connectors = F.arrayNode();
        for (String t : strtok(a.text(), ",")) {
            t = t.replaceFirst("^ +", "");
            if (t.startsWith("backend=")) {
                backend = t.substring(8);
            } else if (t.startsWith("be-alloc=")) {
                beAlloc = CNumbers.strtoulPrefix(t.substring(9)) != 0;
            } else if (t.startsWith("connectors=")) {
                connectors = F.arrayNode();
                List<String> list = strtok(t.substring(11), ";");
                if (list.isEmpty()) throw b.err(a.line(), "vdispl", "connectors= is empty (xl dereferences a NULL string here)");
                for (String c : list) {
                    List<String> pair = strtok(c, ":");
                    if (pair.size() < 2) {
                        throw b.err(a.line(), "vdispl", "connector `" + c + "' has no ID:WIDTHxHEIGHT form "
                                + "(xl reads an unset resolution here)");
                    }
                    long[] w = scanUnsigned(pair.get(1), 0);
                    long[] h = w == null || w[1] >= pair.get(1).length() || pair.get(1).charAt((int) w[1]) != 'x'
                            ? null : scanUnsigned(pair.get(1), (int) w[1] + 1);
                    if (h == null) throw b.err(a.line(), "vdispl", "Can't parse connector resolution");
                    com.fasterxml.jackson.databind.node.ObjectNode o = connectors.addObject();
                    o.put("unique_id", pair.get(0));
                    if (w[0] != 0) o.set("width", num(w[0]));
                    if (h[0] != 0) o.set("height", num(h[0]));
                }
            } else {
                throw b.err(a.line(), "vdispl", "Unknown string \"" + t + "\" in vdispl spec");
            }
        }
        if (connectors.isEmpty()) throw b.err(a.line(), "vdispl", "At least one connector should be specified.");
        com.fasterxml.jackson.databind.node.ObjectNode o = F.objectNode();
        if (backend != null) o.put("backend_domname", backend);
        o.put("devid", devid);
        if (beAlloc) o.put("be_alloc", true);
        o.set("connectors", connectors);
        return o;
    }

    /** sscanf "%u": blanks, a sign, decimal digits, as an unsigned int; {value, end} or null when no digit. */
    private static long[] scanUnsigned(String s, int from) {
        int i = from;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) { neg = s.charAt(i) == '-'; i++; }
        int start = i;
        long v = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') v = (v * 10 + (s.charAt(i++) - '0')) & 0xffffffffL;
        if (i == start) return null;
        return new long[] {neg ? (-v) & 0xffffffffL : v, i};
    }

    /**
     * xl parse_vsnd_config: vsnd is a list of cards, each card a list of item strings ({@link VsndSpec}); a card
     * that is not a list ends xl ("Failed to get vsnd card list"), a nested list inside a card ends that card.
     */
    private void vsnds() throws ConfigException {
        Optional<XlSetting> s = b.setting("vsnd");
        if (s.isEmpty()) return;
        if (!(s.get().value() instanceof XlValue.XlList cards)) {
            b.atomList("vsnd"); // xl's warning: a single value where a list belongs, and the key is skipped
            return;
        }
        ArrayNode out = F.arrayNode();
        for (XlValue card : cards.items()) {
            if (!(card instanceof XlValue.XlList items)) {
                throw b.err(card.line(), "vsnd", "Failed to get vsnd card list: Invalid argument");
            }
            List<String> texts = new ArrayList<>();
            for (XlValue item : items.items()) {
                if (!(item instanceof XlValue.Atom a)) break; // xlu_cfg_get_listitem: NULL at a nested list
                texts.add(a.text());
            }
            try {
                out.add(VsndSpec.parse(texts, out.size()));
            } catch (VsndSpec.VsndError e) {
                throw b.err(card.line(), "vsnd", e.getMessage());
            }
        }
        if (!out.isEmpty()) put("vsnds", out);
    }
}
