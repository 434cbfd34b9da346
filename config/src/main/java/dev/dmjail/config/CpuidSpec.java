package dev.dmjail.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * xl's cpuid= as Xen 4.17.7 reads it (xl_parse.c, libxl_cpuid.c) into b_info.cpuid, printed as
 * libxl_cpuid_policy_list_gen_json prints it: {@code {"cpuid": [{leaf, subleaf, eax…edx}…], "msr": [{index, policy}…]}}.
 * <ul>
 *   <li>A string: strtok on ",", the first word must be "host", then each "NAME=VALUE" (libxl_cpuid_parse_config):
 *   NAME from libxl's own table (maxleaf, family, model, stepping, brandid, …) or Xen's feature names
 *   (resource xen-4.17-cpu-features.txt); VALUE a number (strtoul base 0, its low bits) or one of x, k, s for
 *   every bit. The arch-caps MSR's bits (rdcl-no, …) go into "msr" (0x10a), where s is k.</li>
 *   <li>A list (the xend form): each "LEAF[,SUBLEAF]:eXx=32 chars,…" (libxl_cpuid_parse_config_xend).</li>
 * </ul>
 * A bad item is xl's message and xl goes on (an entry it had already made for the leaf stays, empty): the same
 * warning here, and the setting is recorded as ignored. A leaf 0xffffffff (XEN_CPUID_INPUT_UNUSED) ends libxl's
 * list where it is stored, so it never shows. A register string that is not ASCII is refused (xl counts its 32 in
 * bytes; dmjail does not split characters).
 */
final class CpuidSpec {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final long UNUSED = 0xffffffffL; // XEN_CPUID_INPUT_UNUSED, XC_MSR_INPUT_UNUSED
    private static final int EAX = 0, EBX = 1, ECX = 2, EDX = 3;

    /** libxl_cpuid_parse_config's cpuid_flags: name, leaf, subleaf, register, first bit, length. */
    private record Flag(String name, long leaf, long subleaf, int reg, int bit, int length) { }

    private static final List<Flag> FLAGS = List.of(
            new Flag("maxleaf", 0x0, UNUSED, EAX, 0, 32),
            new Flag("stepping", 0x1, UNUSED, EAX, 0, 4),
            new Flag("model", 0x1, UNUSED, EAX, 4, 8),
            new Flag("family", 0x1, UNUSED, EAX, 8, 8),
            new Flag("brandid", 0x1, UNUSED, EBX, 0, 8),
            new Flag("clflush", 0x1, UNUSED, EBX, 8, 8),
            new Flag("proccount", 0x1, UNUSED, EBX, 16, 8),
            new Flag("localapicid", 0x1, UNUSED, EBX, 24, 8),
            new Flag("est", 0x1, UNUSED, ECX, 7, 1),
            new Flag("cntxid", 0x1, UNUSED, ECX, 10, 1),
            new Flag("cmpxchg16", 0x1, UNUSED, ECX, 13, 1),
            new Flag("sse4_1", 0x1, UNUSED, ECX, 19, 1),
            new Flag("sse4.1", 0x1, UNUSED, ECX, 19, 1),
            new Flag("sse4_2", 0x1, UNUSED, ECX, 20, 1),
            new Flag("sse4.2", 0x1, UNUSED, ECX, 20, 1),
            new Flag("aes", 0x1, UNUSED, ECX, 25, 1),
            new Flag("cmpxchg8", 0x1, UNUSED, EDX, 8, 1),
            new Flag("sysenter", 0x1, UNUSED, EDX, 11, 1),
            new Flag("psn", 0x1, UNUSED, EDX, 18, 1),
            new Flag("clfsh", 0x1, UNUSED, EDX, 19, 1),
            new Flag("tm", 0x1, UNUSED, EDX, 29, 1),
            new Flag("ia64", 0x1, UNUSED, EDX, 30, 1),
            new Flag("pbe", 0x1, UNUSED, EDX, 31, 1),
            new Flag("arat", 0x6, UNUSED, EAX, 2, 1),
            new Flag("tsc_adjust", 0x7, 0, EBX, 1, 1),
            new Flag("cmt", 0x7, 0, EBX, 12, 1),
            new Flag("lahfsahf", 0x80000001L, UNUSED, ECX, 0, 1),
            new Flag("cmplegacy", 0x80000001L, UNUSED, ECX, 1, 1),
            new Flag("altmovcr8", 0x80000001L, UNUSED, ECX, 4, 1),
            new Flag("nodeid", 0x80000001L, UNUSED, ECX, 19, 1),
            new Flag("perfctr_core", 0x80000001L, UNUSED, ECX, 23, 1),
            new Flag("perfctr_nb", 0x80000001L, UNUSED, ECX, 24, 1),
            new Flag("procpkg", 0x4, 0, EAX, 26, 6),
            new Flag("invtsc", 0x80000007L, UNUSED, EDX, 8, 1),
            new Flag("ppin", 0x80000008L, UNUSED, EBX, 23, 1),
            new Flag("btc-no", 0x80000008L, UNUSED, EBX, 29, 1),
            new Flag("nc", 0x80000008L, UNUSED, ECX, 0, 8),
            new Flag("apicidsize", 0x80000008L, UNUSED, ECX, 12, 4),
            new Flag("svm_npt", 0x8000000aL, UNUSED, EDX, 0, 1),
            new Flag("svm_lbrv", 0x8000000aL, UNUSED, EDX, 1, 1),
            new Flag("svm_nrips", 0x8000000aL, UNUSED, EDX, 3, 1),
            new Flag("svm_tscrate", 0x8000000aL, UNUSED, EDX, 4, 1),
            new Flag("svm_vmcbclean", 0x8000000aL, UNUSED, EDX, 5, 1),
            new Flag("svm_decode", 0x8000000aL, UNUSED, EDX, 7, 1),
            new Flag("svm_pausefilt", 0x8000000aL, UNUSED, EDX, 10, 1),
            new Flag("lfence+", 0x80000021L, UNUSED, EAX, 2, 1),
            new Flag("maxhvleaf", 0x40000000L, UNUSED, EAX, 0, 8));

    /**
     * libxl_cpuid.c feature_to_policy: featureset word i's leaf, subleaf and register; words 16 and 17 are the
     * two halves of MSR_ARCH_CAPABILITIES (0x10a), marked by a negative leaf.
     */
    private static final long[][] WORDS = {
            {0x1, UNUSED, EDX}, {0x1, UNUSED, ECX}, {0x80000001L, UNUSED, EDX}, {0x80000001L, UNUSED, ECX},
            {0xd, 1, EAX}, {0x7, 0, EBX}, {0x7, 0, ECX}, {0x80000007L, UNUSED, EDX}, {0x80000008L, UNUSED, EBX},
            {0x7, 0, EDX}, {0x7, 1, EAX}, {0x80000021L, UNUSED, EAX}, {0x7, 1, EBX}, {0x7, 2, EDX}, {0x7, 1, ECX},
            {0x7, 1, EDX}, {-1, 0x10a, EAX}, {-1, 0x10a, EDX}, {0x80000021L, UNUSED, ECX}};

    /** INIT_FEATURE_NAMES of Xen 4.17.7: name → featureset bit. */
    static final Map<String, Integer> FEATURES = features();

    private static Map<String, Integer> features() {
        Map<String, Integer> m = new HashMap<>();
        try (InputStream in = CpuidSpec.class.getResourceAsStream("xen-4.17-cpu-features.txt")) {
            if (in == null) throw new IllegalStateException("xen-4.17-cpu-features.txt missing from the classpath");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String l; (l = r.readLine()) != null; ) {
                if (l.isBlank() || l.startsWith("#")) continue;
                String[] f = l.trim().split(" ");
                m.put(f[0], Integer.parseInt(f[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(m);
    }

    /** struct xc_xend_cpuid: leaf, subleaf, the four register strings (null: not given). */
    private static final class Entry {
        final long leaf, subleaf;
        final char[][] regs = new char[4][];

        Entry(long leaf, long subleaf) {
            this.leaf = leaf;
            this.subleaf = subleaf;
        }
    }

    /** struct xc_msr: index and 64 policy characters, all 'x' at first. */
    private record Msr(long index, char[] policy) { }

    private final DomainBuilder b;
    private final List<Entry> entries = new ArrayList<>();
    private final List<Msr> msrs = new ArrayList<>();

    private CpuidSpec(DomainBuilder b) {
        this.b = b;
    }

    /** The b_info/cpuid field, when the policy xl builds is not empty (libxl__cpuid_policy_is_empty). */
    static Optional<LibxlField> read(DomainBuilder b) throws ConfigException {
        Optional<XlSetting> s = b.setting("cpuid");
        if (s.isEmpty()) return Optional.empty();
        CpuidSpec c = new CpuidSpec(b);
        if (s.get().value() instanceof XlValue.XlList) {
            for (XlValue.Atom a : b.atomList("cpuid")) {
                int e = c.xend(a.text(), a.line());
                if (e != 0) c.bad(a.line(), "while parsing CPUID line: \"" + a.text() + "\": error #" + e + ": " + switch (e) {
                    case 1 -> "illegal leaf number";
                    case 2 -> "illegal subleaf number";
                    case 3 -> "missing colon";
                    case 4 -> "invalid register name (must be e[abcd]x)";
                    case 5 -> "policy string must be exactly 32 characters long";
                    default -> "unknown error";
                });
            }
        } else {
            String text = ((XlValue.Atom) s.get().value()).text();
            int line = s.get().line();
            List<String> words = RecordedKeys.strtok(text, ",");
            if (!words.isEmpty() && !words.get(0).equals("host")) {
                c.bad(line, "while parsing CPUID string: \"" + text + "\": error: first word must be \"host\"");
            } else {
                for (String p : words.subList(Math.min(1, words.size()), words.size())) {
                    int e = c.flag(p);
                    if (e != 0) c.bad(line, "while parsing CPUID flag: \"" + p + "\": error #" + e + ": " + switch (e) {
                        case 1 -> "missing \"=\" in key=value";
                        case 2 -> "unknown CPUID flag name";
                        case 3 -> "illegal CPUID value (must be: [0|1|x|k|s])";
                        default -> "unknown error";
                    });
                }
            }
        }
        return c.entries.isEmpty() && c.msrs.isEmpty() ? Optional.empty() : Optional.of(new LibxlField("b_info/cpuid", c.json()));
    }

    private void bad(int line, String msg) {
        b.ignore(line, "cpuid", msg);
    }

    /** cpuid_find_match: the entry for leaf/subleaf, made at the end when there is none. */
    private Entry entry(long leaf, long subleaf) {
        for (Entry e : entries) if (e.leaf == leaf && e.subleaf == subleaf) return e;
        Entry e = new Entry(leaf, subleaf);
        // a leaf equal to XEN_CPUID_INPUT_UNUSED is stored as the list's end marker: it never shows
        if (leaf != UNUSED) entries.add(e);
        return e;
    }

    /** libxl_cpuid_parse_config: one NAME=VALUE of the string form; 0 or xl's error number. */
    private int flag(String str) {
        int sep = str.indexOf('=');
        if (sep < 0) return 1;
        String name = str.substring(0, sep);
        String val = str.substring(sep + 1);
        for (Flag f : FLAGS) if (f.name().equals(name)) return add(f, val);
        Integer bit = FEATURES.get(name);
        if (bit == null) return 2;
        long[] w = WORDS[bit / 32];
        if (w[0] < 0) return msr(w[1], bit % 32 + (w[2] == EDX ? 32 : 0), val);
        return add(new Flag(name, w[0], w[1], (int) w[2], bit % 32, 1), val);
    }

    /** cpuid_add: VALUE's bits (or x/k/s) into the register string, "x" everywhere else. */
    private int add(Flag flag, String val) {
        Entry entry = entry(flag.leaf(), flag.subleaf());
        int len = flag.length();
        char[] flags = new char[8 > len ? 8 : len];
        CNumbers.Unsigned u = CNumbers.strtoul(val, 0, 0);
        long num = u.value();
        if (!u.none(0)) {
            for (int i = 0; i < len; i++) flags[len - 1 - i] = ((num >>> i) & 1) == 1 ? '1' : '0';
        } else if (!val.isEmpty() && "xks".indexOf(val.charAt(0)) >= 0) {
            Arrays.fill(flags, 0, len, val.charAt(0));
        } else {
            return 3;
        }
        char[] res = entry.regs[flag.reg()];
        if (res == null) {
            res = new char[32];
            Arrays.fill(res, 'x');
        }
        // family and model are split across two fields of leaf 1's EAX (base and extended)
        if (flag.name().equals("family")) {
            if (Long.compareUnsigned(num, 16) < 0) {
                System.arraycopy(flags, 4, res, 28 - flag.bit(), 4);
                Arrays.fill(res, 4, 12, '0');
            } else {
                num -= 15;
                Arrays.fill(res, 28 - flag.bit(), 32 - flag.bit(), '1');
                for (int i = 0; i < 7; i++) {
                    flags[7 - i] = (num & 1) == 1 ? '1' : '0';
                    num >>>= 1;
                }
                System.arraycopy(flags, 0, res, 4, 8);
            }
        } else if (flag.name().equals("model")) {
            System.arraycopy(flags, 0, res, 12, 4);
            System.arraycopy(flags, 4, res, 28 - flag.bit(), 4);
        } else {
            System.arraycopy(flags, 0, res, 32 - len - flag.bit(), len);
        }
        entry.regs[flag.reg()] = res;
        return 0;
    }

    /** msr_add: one character (0, 1, x, k; s is k) at the bit of the MSR's 64-character policy. */
    private int msr(long index, int bit, String val) {
        Msr m = msrs.stream().filter(x -> x.index() == index).findFirst().orElse(null);
        if (m == null) {
            char[] p = new char[64];
            Arrays.fill(p, 'x');
            m = new Msr(index, p);
            msrs.add(m);
        }
        if (val.length() != 1 || "01xks".indexOf(val.charAt(0)) < 0) return 3;
        m.policy()[63 - bit] = val.charAt(0) == 's' ? 'k' : val.charAt(0);
        return 0;
    }

    /** libxl_cpuid_parse_config_xend: "LEAF[,SUBLEAF]:eXx=<32 chars>[, eXx=…]"; 0 or xl's error number. */
    private int xend(String s, int line) throws ConfigException {
        CNumbers.Unsigned leaf = CNumbers.strtoul(s, 0, 0);
        if (leaf.none(0)) return 1;
        int end = leaf.end();
        long subleaf = UNUSED;
        if (end < s.length() && s.charAt(end) == ',') {
            CNumbers.Unsigned sub = CNumbers.strtoul(s, end + 1, 0);
            if (sub.none(end + 1)) return 2;
            subleaf = sub.value() & 0xffffffffL;
            end = sub.end();
        }
        if (end >= s.length() || s.charAt(end) != ':') return 3;
        Entry entry = entry(leaf.value() & 0xffffffffL, subleaf);
        int i = end + 1;
        while (i < s.length()) {
            // str[2] past a one-character rest is past the string in xl too; never 'x' that way here
            if (s.charAt(i) != 'e' || i + 2 >= s.length() || s.charAt(i + 2) != 'x') return 4;
            int reg = s.charAt(i + 1) - 'a';
            int eq = s.indexOf('=', i);
            if (reg < 0 || reg > 3 || eq < 0) return 4;
            int from = eq + 1;
            int comma = s.indexOf(',', from);
            int to = comma < 0 ? s.length() : comma;
            String value = s.substring(from, to);
            if (value.length() != 32 || !value.chars().allMatch(c -> c < 128)) {
                if (value.getBytes(StandardCharsets.UTF_8).length == 32) {
                    throw b.err(line, "cpuid", "a cpuid register string that is not ASCII: xl counts its 32 in bytes,"
                            + " dmjail does not split characters");
                }
                return 5;
            }
            entry.regs[reg] = value.toCharArray();
            if (comma < 0) break;
            i = comma + 1;
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n')) i++;
        }
        return 0;
    }

    private ObjectNode json() {
        ObjectNode o = F.objectNode();
        ArrayNode list = o.putArray("cpuid");
        String[] names = {"eax", "ebx", "ecx", "edx"};
        for (Entry e : entries) {
            ObjectNode j = list.addObject();
            j.set("leaf", RecordedKeys.num(e.leaf));
            if (e.subleaf != UNUSED) j.set("subleaf", RecordedKeys.num(e.subleaf));
            for (int r = 0; r < 4; r++) if (e.regs[r] != null) j.put(names[r], new String(e.regs[r]));
        }
        ArrayNode msr = o.putArray("msr");
        for (Msr m : msrs) {
            ObjectNode j = msr.addObject();
            j.set("index", RecordedKeys.num(m.index()));
            j.put("policy", new String(m.policy()));
        }
        return o;
    }
}
