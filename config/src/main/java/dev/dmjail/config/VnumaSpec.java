package dev.dmjail.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * xl's vnuma = [ [ "pnode=N", "size=MiB", "vcpus=RANGES", "vdistances=D0,D1,…" ], … ] as Xen 4.17's
 * xl_parse.c parse_vnuma_config reads it, into b_info.vnuma_nodes (libxl_vnode_info: memkb, distances, pnode,
 * vcpus). The vnodes also set max_memkb (their sizes' sum) and max_vcpus (how many vcpus they name), which
 * maxmem= and maxvcpus= must then equal. Host facts: pnode below the node count, and without maxvcpus= no more
 * vcpus than online CPUs ({@link HostFacts}).
 * <p>
 * xl's quirks kept: each option is split at "=" by strtok (leading '=' skipped, anything after a second '='
 * dropped) and trimmed; numbers are strtoul base 10 with only a prefix read ("1abc" is 1); a vcpus range that
 * does not parse still counts (parse_range's result is not checked: "x" is vcpu 0); every vcpu named counts, a
 * repeated one too; "size" given twice adds both to max_memkb. Where xl's C goes wrong dmjail refuses with the
 * reason: a vcpus= or vdistances= with no item (xl: strdup(NULL), SIGSEGV), a range ending at ULONG_MAX (xl's
 * loop never ends), more vdistances than vnodes (xl writes past its array), sizes that overflow a 64-bit KiB
 * count. An unknown option and a nested list inside a vnode are skipped by xl without a word: here a warning,
 * and the setting is recorded as ignored.
 */
final class VnumaSpec {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** dmjail's bound on the vcpus a vnuma names (xl has none; Xen's HVM limit is 128): keeps the JSON finite. */
    static final long MAX_VCPUS = 65536;

    /** What vnuma gives: its fields, and b_info's max_vcpus (0: not set by vnuma) and max_memkb (null: none). */
    record Result(List<LibxlField> fields, long maxVcpus, Long maxMemKiB) {
        static final Result NONE = new Result(List.of(), 0, null);
    }

    private final DomainBuilder b;
    private final HostFacts facts;

    private VnumaSpec(DomainBuilder b) {
        this.b = b;
        this.facts = b.facts();
    }

    /**
     * {@code maxVcpus}: maxvcpus= as given (0 when not), {@code maxMemKiB}: maxmem= in KiB (null when not given).
     */
    static Result read(DomainBuilder b, long maxVcpus, Long maxMemKiB) throws ConfigException {
        return new VnumaSpec(b).run(maxVcpus, maxMemKiB);
    }

    private Result run(long userMaxVcpus, Long userMaxMemKiB) throws ConfigException {
        Optional<XlSetting> s = b.setting("vnuma");
        if (s.isEmpty()) return Result.NONE;
        if (!(s.get().value() instanceof XlValue.XlList list)) {
            // xlu_cfg_get_list(…, dont_warn = 1): EINVAL, and parse_vnuma_config returns without a word
            return b.<Result>ignore(s.get().line(), "vnuma", "parameter `vnuma' is a single value but should be a list")
                    .orElse(Result.NONE);
        }
        int n = list.items().size();
        if (n == 0) return Result.NONE;
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) nodes.add(new Node(n, new CpuBitmap(facts.cpuBits(userMaxVcpus))));
        long vcpus = 0;
        long memKiB = 0;
        boolean placement = true;
        for (int i = 0; i < n; i++) {
            XlValue spec = list.items().get(i);
            if (!(spec instanceof XlValue.XlList options)) {
                // xl: "warning: value is not a list", then vnode_config_list is left unset and xl exits
                throw b.err(spec.line(), "vnuma", "xl: cannot get vnode config option list (vnode " + i
                        + " is a string, not a list)");
            }
            Node p = nodes.get(i);
            for (XlValue o : options.items()) {
                if (!(o instanceof XlValue.Atom a)) {
                    b.ignore(o.line(), "vnuma", "a list inside vnode " + i + " is skipped, as xl skips it");
                    continue;
                }
                List<String> pair = RecordedKeys.strtok(a.text(), "=");
                if (pair.size() < 2) throw err(a, "xl: failed to split \"" + a.text() + "\" into pair");
                String option = trim(pair.get(0));
                String value = trim(pair.get(1));
                switch (option) {
                    case "pnode" -> {
                        long v = parseUlong(a, value);
                        if (Long.compareUnsigned(v, facts.nodes()) >= 0) {
                            throw err(a, "xl: invalid pnode number: " + Long.toUnsignedString(v)
                                    + " (this host has " + facts.nodes() + " NUMA node" + (facts.nodes() == 1 ? "" : "s") + ")");
                        }
                        p.pnode = v;
                        placement = false;
                    }
                    case "size" -> {
                        long v = parseUlong(a, value);
                        if (Long.compareUnsigned(v, 1L << 53) >= 0) {
                            throw err(a, "vnode size " + Long.toUnsignedString(v) + " MiB overflows libxl's KiB count");
                        }
                        p.memKiB = v << 10;
                        memKiB += p.memKiB;
                        if (memKiB < 0) throw err(a, "the vnode sizes overflow libxl's KiB count");
                    }
                    case "vcpus" -> vcpus = vcpus(a, value, p.vcpus, vcpus);
                    case "vdistances" -> {
                        List<String> items = items(a, value);
                        if (items.size() > n) {
                            throw err(a, items.size() + " vdistances for " + n + " vnodes (xl 4.17 writes past its array)");
                        }
                        for (int j = 0; j < items.size(); j++) p.distances[j] = parseUlong(a, items.get(j)) & 0xffffffffL;
                    }
                    default -> b.ignore(a.line(), "vnuma", "unknown vnode option `" + option + "' (xl skips it)");
                }
            }
        }

        long maxVcpus = userMaxVcpus;
        if (userMaxVcpus != 0) {
            if (userMaxVcpus != vcpus) throw b.err(s.get().line(), "vnuma", "xl: vnuma vcpus and maxvcpus= mismatch");
        } else {
            if (facts.onlineCpus() < vcpus) {
                throw b.err(s.get().line(), "vnuma", "xl: vnuma specifies more vcpus than pcpus, use maxvcpus= to override"
                        + " this check. (" + vcpus + " vcpus, " + facts.onlineCpus() + " online CPUs here)");
            }
            maxVcpus = vcpus;
        }
        if (userMaxMemKiB != null && userMaxMemKiB != memKiB) {
            throw b.err(s.get().line(), "vnuma", "xl: maxmem and vnuma memory size mismatch");
        }

        List<LibxlField> fields = new ArrayList<>();
        if (!placement) fields.add(new LibxlField("b_info/numa_placement", F.textNode("False")));
        ArrayNode json = F.arrayNode();
        for (Node p : nodes) json.add(p.json());
        fields.add(new LibxlField("b_info/vnuma_nodes", json));
        return new Result(fields, maxVcpus, memKiB);
    }

    /** "vcpus=": each range's vcpus set in the node's bitmap (past its width: dropped) and counted. */
    private long vcpus(XlValue.Atom a, String value, CpuBitmap set, long count) throws ConfigException {
        for (String item : items(a, value)) {
            // parse_range, its result unchecked: *a = *b = strtoul(…); it returns there when no digit was read or
            // the value is ULONG_MAX, else reads "-M" (no digit: 0) whatever follows
            CNumbers.Unsigned first = CNumbers.strtoul(item, 0, 10);
            long lo = first.value();
            long hi = lo;
            if (!first.none(0) && lo != -1L && first.end() < item.length() && item.charAt(first.end()) == '-') {
                hi = CNumbers.strtoul(item, first.end() + 1, 10).value();
            }
            if (Long.compareUnsigned(lo, hi) > 0) continue;
            if (hi == -1L) throw err(a, "vcpus range `" + item + "' ends at ULONG_MAX: xl 4.17 loops forever there");
            long more = hi - lo + 1;
            if (Long.compareUnsigned(more, MAX_VCPUS) > 0 || count + more > MAX_VCPUS) {
                throw err(a, "vnuma names more than " + MAX_VCPUS + " vcpus (dmjail's bound)");
            }
            set.range(lo, hi, true);
            count += more;
        }
        return count;
    }

    /** split_string_into_string_list(value, ","): strtok items; none at all is xl's strdup(NULL) crash. */
    private List<String> items(XlValue.Atom a, String value) throws ConfigException {
        List<String> items = RecordedKeys.strtok(value, ",");
        if (items.isEmpty()) throw err(a, "`" + a.text() + "' names no item (xl 4.17 crashes here: SIGSEGV)");
        return items;
    }

    /** xl parse_ulong: strtoul base 10, a prefix is enough; no digit or ULONG_MAX is xl's error. */
    private long parseUlong(XlValue.Atom a, String value) throws ConfigException {
        CNumbers.Unsigned u = CNumbers.strtoul(value, 0, 10);
        if (u.none(0) || u.value() == -1L) throw err(a, "xl: failed to convert \"" + value + "\" to number");
        return u.value();
    }

    /** xl trim(isspace, …). */
    private static String trim(String s) {
        int i = 0, j = s.length();
        while (i < j && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        while (j > i && " \t\n\u000b\f\r".indexOf(s.charAt(j - 1)) >= 0) j--;
        return s.substring(i, j);
    }

    private ConfigException err(XlValue.Atom a, String msg) {
        return b.err(a.line(), "vnuma", msg);
    }

    /** One libxl_vnode_info; fields at their IDL default (memkb unset, pnode 0, an empty bitmap) are not printed. */
    private static final class Node {
        Long memKiB; // MemKB: LIBXL_MEMKB_DEFAULT (not printed) until a size= is given, even size=0
        final long[] distances;
        long pnode;
        final CpuBitmap vcpus;

        Node(int nodes, CpuBitmap vcpus) {
            this.distances = new long[nodes];
            this.vcpus = vcpus;
        }

        ObjectNode json() {
            ObjectNode o = F.objectNode();
            if (memKiB != null) o.set("memkb", RecordedKeys.num(memKiB));
            ArrayNode d = o.putArray("distances");
            for (long x : distances) d.add(RecordedKeys.num(x));
            if (pnode != 0) o.set("pnode", RecordedKeys.num(pnode));
            if (!vcpus.isEmpty()) o.set("vcpus", vcpus.json());
            return o;
        }
    }
}
