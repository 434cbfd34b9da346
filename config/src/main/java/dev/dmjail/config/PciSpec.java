package dev.dmjail.config;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One PCI_SPEC_STRING as Xen 4.17's libxlu_pci.c reads it, into libxl_device_pci's JSON (IDL field order,
 * zero and false fields not printed). sscanf's {@code %x} (blanks, a sign, an optional 0x) and atoi are
 * reproduced; null means xl's "unable to parse PCI_SPEC_STRING".
 */
final class PciSpec {
    private PciSpec() { }

    private int func, dev, bus, domain, vdevfn, vfuncMask;
    private final boolean[] flags = new boolean[4]; // msitranslate, power_mgmt, permissive, seize
    private String name;
    /**
     * xl sets rdm_policy from b_info->u.hvm.rdm.policy whatever the type: for HVM that is libxl's default
     * (invalid, not printed), for PV and PVH the union's other member reads as 0, "strict" (seen with xl 4.17),
     * after a parsed rdm= memory xl never initialised (null: see {@link RdmSpec}).
     */
    private String inherited;
    /** rdm_policy= when given ("invalid", "strict", "relaxed"), else null. */
    private String policy;
    private int pos;

    /**
     * {@code globals}: pci_msitranslate, pci_power_mgmt, pci_permissive, pci_seize; {@code inherited}: the policy
     * a device without rdm_policy= gets ("invalid", "strict", or null where xl reads uninitialised memory).
     */
    static ObjectNode parse(String s, boolean[] globals, String inherited) {
        PciSpec p = new PciSpec();
        p.inherited = inherited;
        System.arraycopy(globals, 0, p.flags, 0, 4);
        return p.run(s) ? p.json() : null;
    }

    private boolean run(String s) {
        boolean bdf = false, named = false;
        int[] end = new int[1];
        if (bdf(s, 0, end)) {
            bdf = true;
            pos = end[0];
            if (pos < s.length() && s.charAt(pos) == '@') {
                if (!vslot(s, pos + 1, end)) return false;
                pos = end[0];
            }
            if (pos < s.length() && s.charAt(pos) == ',') pos++;
            else if (pos < s.length()) return false;
        }
        while (pos < s.length()) {
            int eq = s.indexOf('=', pos);
            if (eq < 0) return false;
            String key = s.substring(pos, eq);
            int comma = s.indexOf(',', eq + 1);
            String val = s.substring(eq + 1, comma < 0 ? s.length() : comma);
            pos = comma < 0 ? s.length() : comma + 1;
            switch (key) {
                case "bdf" -> { if (bdf(val, 0, end)) bdf = true; } // xl: a bad bdf= value is not an error by itself
                case "vslot" -> { if (!vslot(val, 0, end)) return false; }
                case "msitranslate" -> flags[0] = atoi(val) != 0;
                case "power_mgmt" -> flags[1] = atoi(val) != 0;
                case "permissive" -> flags[2] = atoi(val) != 0;
                case "seize" -> flags[3] = atoi(val) != 0;
                case "name" -> { named = true; name = val; }
                case "rdm_policy" -> {
                    // libxl_rdm_reserve_policy_from_string (strcasecmp); "invalid" is the IDL default, not printed
                    String v = val.toLowerCase(java.util.Locale.ROOT);
                    if (!v.equals("invalid") && !v.equals("strict") && !v.equals("relaxed")) return false;
                    policy = v;
                }
                default -> { return false; }
            }
        }
        return bdf ^ named;
    }

    /** parse_bdf: [DDDD:]BB:DD. then F or '*' (all functions); end[0] is where it stopped. */
    private boolean bdf(String s, int from, int[] end) {
        int colons = 0;
        for (int i = from; i < s.length() && (Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 128 || s.charAt(i) == ':'); i++) {
            if (s.charAt(i) == ':') colons++;
        }
        if (colons != 1 && colons != 2) return false;
        long[] v = new long[3];
        int i = from;
        for (int k = colons == 2 ? 0 : 1; k < 3; k++) {
            long[] r = scanHex(s, i);
            if (r == null) return false;
            v[k] = r[0];
            i = (int) r[1];
            char want = k < 2 ? ':' : '.';
            if (i >= s.length() || s.charAt(i) != want) return false;
            i++;
        }
        if (Long.compareUnsigned(v[0], 0xffff) > 0 || Long.compareUnsigned(v[1], 0xff) > 0 || Long.compareUnsigned(v[2], 0x1f) > 0) {
            return false;
        }
        int f;
        int mask;
        if (i < s.length() && s.charAt(i) == '*') {
            mask = 0xff; // LIBXL_PCI_FUNC_ALL (~0U) printed as a uint32
            f = 0;
            i++;
        } else {
            long[] r = scanHex(s, i);
            if (r == null || Long.compareUnsigned(r[0], 7) > 0) return false;
            f = (int) r[0];
            mask = 1;
            i = (int) r[1];
        }
        domain = (int) v[0];
        bus = (int) v[1];
        dev = (int) v[2];
        func = f;
        vfuncMask = mask == 0xff ? -1 : 1;
        end[0] = i;
        return true;
    }

    private boolean vslot(String s, int from, int[] end) {
        long[] r = scanHex(s, from);
        if (r == null || Long.compareUnsigned(r[0], 0x1f) > 0) return false;
        vdevfn = (int) r[0] << 3;
        end[0] = (int) r[1];
        return true;
    }

    /** sscanf "%x" into an unsigned int: {value, end}, or null when no digit. */
    static long[] scanHex(String s, int from) {
        int i = from;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) { neg = s.charAt(i) == '-'; i++; }
        int start = i;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) | 0x20) == 'x') {
            i += 2; // glibc's %x takes "0x" even with no digit after it: the 0 was one (so "01:00.0x" parses)
            start = i - 2;
        }
        long v = 0;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), 16) >= 0) {
            v = (v * 16 + Character.digit(s.charAt(i), 16)) & 0xffffffffL;
            i++;
        }
        if (i == start) return null;
        if (i == start + 2 && s.charAt(start) == '0' && (s.charAt(start + 1) | 0x20) == 'x') v = 0;
        if (neg) v = (-v) & 0xffffffffL;
        return new long[] {v, i};
    }

    /** C atoi: blanks, a sign, the decimal digits that follow (int overflow wraps as strtol's long does in practice). */
    static long atoi(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) { neg = s.charAt(i) == '-'; i++; }
        long v = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') v = v * 10 + (s.charAt(i++) - '0');
        return (int) (neg ? -v : v);
    }

    private ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        if (func != 0) o.put("func", func);
        if (dev != 0) o.put("dev", dev);
        if (bus != 0) o.put("bus", bus);
        if (domain != 0) o.put("domain", domain);
        if (vdevfn != 0) o.put("vdevfn", vdevfn);
        if (vfuncMask == -1) o.put("vfunc_mask", 4294967295L); // a long only where an int cannot hold it
        else if (vfuncMask != 0) o.put("vfunc_mask", vfuncMask);
        String[] names = {"msitranslate", "power_mgmt", "permissive", "seize"};
        for (int i = 0; i < 4; i++) if (flags[i]) o.put(names[i], true);
        String p = policy != null ? policy : inherited;
        if (p == null) o.putNull("rdm_policy");
        else if (!p.equals("invalid")) o.put("rdm_policy", p);
        if (name != null) o.put("name", name);
        return o;
    }
}
