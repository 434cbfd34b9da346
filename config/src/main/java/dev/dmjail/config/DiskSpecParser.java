package dev.dmjail.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Disk spec parser, a rule-by-rule port of Xen 4.17's libxlu_disk_l.l (a flex scanner: at each
 * position the longest match wins, the earlier rule wins a tie, trailing context counts towards
 * the length) and of xlu_disk_parse's final checks in libxlu_disk.c.
 * <p>
 * Positional form: {@code [target],[format],[vdev[:devtype]],[access]}; with a legacy prefix
 * ({@code phy: file: tap: tap2: aio: ioemu: tapdisk: raw: qcow: qcow2: vhd: iscsi: nbd: enbd: drbd:})
 * the format slot is skipped. Keyword form: {@code format= vdev= access= devtype= backendtype=
 * backend= script= specification= cdrom direct-io-safe discard no-discard colo no-colo colo-host=
 * colo-port= colo-export= active-disk= hidden-disk=} and {@code target=}, which takes the whole
 * rest of the spec, commas included. 4.17 has no {@code trusted} or {@code grant_usage} keyword.
 */
final class DiskSpecParser {

    /** A disk spec error, in xl's words: "MESSAGE: near `X' in `SPEC'". */
    static final class DiskError extends Exception {
        private static final long serialVersionUID = 1L;
        DiskError(String msg) { super(msg, null, false, false); }
    }

    private enum Action {
        WHITESPACE, FORMAT, CDROM, DEVTYPE_CDROM, DEVTYPE_DISK, DEVTYPE_BAD, ACCESS, BACKEND, BACKENDTYPE,
        SPECIFICATION, VDEV, SCRIPT, DIRECT_IO_SAFE, DISCARD, NO_DISCARD, COLO, NO_COLO, COLO_HOST,
        COLO_PORT, COLO_EXPORT, ACTIVE_DISK, HIDDEN_DISK, TARGET, UNKNOWN_PARAM, PREFIX_FORMAT,
        PREFIX_SCRIPT, PREFIX_IGNORED, PREFIX_UNKNOWN, POSITIONAL, BAD
    }

    /** A rule: pattern (matched at the current position) and the length of its trailing context. */
    private record Rule(Pattern pattern, int contextGroup, Action action) {
        Rule(String regex, Action action) { this(Pattern.compile(regex, Pattern.DOTALL), 0, action); }
        Rule(String regex, int ctx, Action action) { this(Pattern.compile(regex, Pattern.DOTALL), ctx, action); }
    }

    // flex "." and ".*" do not match '\n'; hence [^\n].
    private static final List<Rule> RULES = List.of(
            new Rule("[ \\t\\n]+(([^ \\t\\n][^\\n]*)?)", 1, Action.WHITESPACE),
            new Rule("format=[^,]*,?", Action.FORMAT),
            new Rule("cdrom,?", Action.CDROM),
            new Rule("devtype=cdrom,?", Action.DEVTYPE_CDROM),
            new Rule("devtype=disk,?", Action.DEVTYPE_DISK),
            new Rule("devtype=[^,]*,?", Action.DEVTYPE_BAD),
            new Rule("access=[^,]*,?", Action.ACCESS),
            new Rule("backend=[^,]*,?", Action.BACKEND),
            new Rule("backendtype=[^,]*,?", Action.BACKENDTYPE),
            new Rule("specification=[^,]*,?", Action.SPECIFICATION),
            new Rule("vdev=[^,]*,?", Action.VDEV),
            new Rule("script=[^,]*,?", Action.SCRIPT),
            new Rule("direct-io-safe,?", Action.DIRECT_IO_SAFE),
            new Rule("discard,?", Action.DISCARD),
            new Rule("no-discard,?", Action.NO_DISCARD),
            new Rule("colo,?", Action.COLO),
            new Rule("no-colo,?", Action.NO_COLO),
            new Rule("colo-host=[^,]*,?", Action.COLO_HOST),
            new Rule("colo-port=[^,]*,?", Action.COLO_PORT),
            new Rule("colo-export=[^,]*,?", Action.COLO_EXPORT),
            new Rule("active-disk=[^,]*,?", Action.ACTIVE_DISK),
            new Rule("hidden-disk=[^,]*,?", Action.HIDDEN_DISK),
            new Rule("target=[^\\n]*", Action.TARGET),
            // Sic: the value part is a single character, as in the 4.17 scanner.
            new Rule("[a-z][-a-z0-9]*=[^,],?", Action.UNKNOWN_PARAM),
            new Rule("(?:raw|qcow2?|vhd):([^\\n]*)", 1, Action.PREFIX_FORMAT),
            new Rule("(?:iscsi|e?nbd|drbd):([^\\n]*)", 1, Action.PREFIX_SCRIPT),
            new Rule("tapdisk:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("tap2?:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("aio:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("ioemu:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("file:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("phy:([^\\n]*)", 1, Action.PREFIX_IGNORED),
            new Rule("[a-z][a-z0-9]*:(([^a-z0-9\\n][^\\n]*)?)", 1, Action.PREFIX_UNKNOWN),
            new Rule("[^=,]*,", Action.POSITIONAL),
            new Rule("[^=,]+,?", Action.POSITIONAL),
            new Rule("[^\\n][^ \\t\\n]*", Action.BAD) // '.' then <LEXERR>.* ; see below
    );

    private final String spec;
    private String target;
    private String vdev;
    private String format;            // null = unknown
    private boolean readWrite = true; // xlu_disk_parse starts with readwrite = 1
    private boolean cdrom;
    private String backendtype;
    private String script;
    private String backendDomain;
    private boolean directIoSafe;
    private Boolean discard;
    private String specification;
    private Boolean coloEnable;
    private String coloHost;
    private int coloPort;
    private String coloExport;
    private String activeDisk;
    private String hiddenDisk;
    private boolean hadDeprPrefix;
    private boolean accessSet;

    private DiskSpecParser(String spec) { this.spec = spec; }

    static DiskSpec parse(String spec) throws DiskError {
        return new DiskSpecParser(spec).run();
    }

    private DiskSpec run() throws DiskError {
        int pos = 0;
        while (pos < spec.length()) {
            Rule best = null;
            int bestLen = -1;
            int bestTextLen = 0;
            for (Rule r : RULES) {
                Matcher m = r.pattern().matcher(spec).region(pos, spec.length());
                if (!m.lookingAt()) continue;
                int len = m.end() - pos;
                if (r.action() == Action.BAD) len = 1; // flex '.' rule: one character
                if (len > bestLen && len > 0) {
                    best = r;
                    bestLen = len;
                    bestTextLen = r.contextGroup() > 0 ? m.start(r.contextGroup()) - pos : len;
                }
            }
            if (best == null) break; // only a lone '\n' can get here
            String text = spec.substring(pos, pos + bestTextLen);
            if (best.action() == Action.BAD) {
                // <LEXERR>.* : the rest of the line, reported as "bad disk syntax"
                int nl = spec.indexOf('\n', pos + 1);
                throw err(spec.substring(pos, nl < 0 ? spec.length() : nl), "bad disk syntax");
            }
            apply(best.action(), text);
            pos += bestTextLen;
        }
        return finish();
    }

    private static String strip(String t, char delim) {
        return !t.isEmpty() && t.charAt(t.length() - 1) == delim ? t.substring(0, t.length() - 1) : t;
    }

    private static String fromEquals(String t) { return strip(t, ',').substring(t.indexOf('=') + 1); }

    private void apply(Action a, String text) throws DiskError {
        switch (a) {
            case WHITESPACE -> { }
            case FORMAT -> setFormat(fromEquals(text));
            case CDROM, DEVTYPE_CDROM -> cdrom = true;
            case DEVTYPE_DISK -> cdrom = false;
            case DEVTYPE_BAD -> throw err(text, "unknown value for type");
            case ACCESS -> setAccess(fromEquals(text));
            case BACKEND -> backendDomain = save("backend", backendDomain, fromEquals(text));
            case BACKENDTYPE -> setBackendtype(fromEquals(text));
            case SPECIFICATION -> setSpecification(fromEquals(text));
            case VDEV -> vdev = save("vdev", vdev, fromEquals(text));
            case SCRIPT -> script = save("script", script, fromEquals(text));
            case DIRECT_IO_SAFE -> directIoSafe = true;
            case DISCARD -> discard = true;
            case NO_DISCARD -> discard = false;
            case COLO -> coloEnable = true;
            case NO_COLO -> coloEnable = false;
            case COLO_HOST -> coloHost = save("colo-host", coloHost, fromEquals(text));
            case COLO_PORT -> {
                int port = atoi(fromEquals(text));
                if (port == 0) throw err(fromEquals(text), "unknown value for colo_port");
                coloPort = port;
            }
            case COLO_EXPORT -> coloExport = save("colo-export", coloExport, fromEquals(text));
            case ACTIVE_DISK -> activeDisk = save("active-disk", activeDisk, fromEquals(text));
            case HIDDEN_DISK -> hiddenDisk = save("hidden-disk", hiddenDisk, fromEquals(text));
            case TARGET -> target = save("target", target, fromEquals(text));
            case UNKNOWN_PARAM -> throw err(text, "unknown parameter");
            case PREFIX_FORMAT -> { hadDeprPrefix = true; setFormat(strip(text, ':')); }
            case PREFIX_SCRIPT -> { hadDeprPrefix = true; script = save("script", script, "block-" + strip(text, ':')); }
            case PREFIX_IGNORED -> hadDeprPrefix = true;
            case PREFIX_UNKNOWN -> throw err(text, "unknown deprecated disk prefix");
            case POSITIONAL -> positional(strip(text, ','));
            case BAD -> throw new IllegalStateException();
        }
    }

    private void positional(String t) throws DiskError {
        if (target == null) {
            target = save("target", target, t);
        } else if (!hadDeprPrefix && format == null) {
            // an empty target followed by "vdev:devtype" is the ",,hdc:cdrom,r" empty-cdrom form
            if (target.isEmpty() && vdevAndDevtype(t)) format = "empty";
            else setFormat(t);
        } else if (vdev == null) {
            if (!vdevAndDevtype(t)) vdev = save("vdev", vdev, t);
        } else if (!accessSet) {
            accessSet = true;
            setAccess(t);
        } else {
            throw err(t, "too many positional parameters");
        }
    }

    /** "vdev:cdrom" / "vdev:disk" (split at the last ':'); false when there is no ':'. */
    private boolean vdevAndDevtype(String t) throws DiskError {
        int colon = t.lastIndexOf(':');
        if (colon < 0) return false;
        vdev = save("vdev", vdev, t.substring(0, colon));
        String type = t.substring(colon + 1);
        if (type.equals("cdrom")) cdrom = true;
        else if (type.equals("disk")) cdrom = false;
        else throw err(type, "unknown deprecated type");
        return true;
    }

    /** SAVESTRING: a second non-empty value is an error; an empty one may be overwritten. */
    private String save(String what, String current, String value) throws DiskError {
        if (current != null && !current.isEmpty()) throw err(value, what + " respecified");
        return value;
    }

    private void setAccess(String s) throws DiskError {
        switch (s) {
            case "r", "ro" -> readWrite = false;
            case "rw", "w", "" -> readWrite = true;
            default -> throw err(s, "unknown value for access");
        }
    }

    private void setFormat(String s) throws DiskError {
        String f = switch (s) {
            case "", "raw" -> "raw";
            case "qcow", "qcow2", "vhd", "empty", "qed" -> s;
            default -> throw err(s, "unknown value for format");
        };
        if (format != null && !format.equals(f)) throw err(s, "format respecified");
        format = f;
    }

    private void setBackendtype(String s) throws DiskError {
        if (!List.of("phy", "tap", "qdisk", "standalone").contains(s)) throw err(s, "unknown value for backendtype");
        if (backendtype != null && !backendtype.equals(s)) throw err(s, "backend respecified");
        backendtype = s;
    }

    private void setSpecification(String s) throws DiskError {
        if (!s.equals("xen") && !s.equals("virtio")) throw err(s, "unknown value for specification");
        if (specification != null && !specification.equals(s)) throw err(s, "specification respecified");
        specification = s;
    }

    private static int atoi(String s) {
        Matcher m = Pattern.compile("^[ \\t\\n\\x0B\\f\\r]*([+-]?[0-9]+)").matcher(s);
        if (!m.find()) return 0;
        try {
            return Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** xlu_disk_parse after the scan: defaults, cdrom rules, required fields. */
    private DiskSpec finish() throws DiskError {
        if (format == null) format = "raw";
        if (cdrom) {
            readWrite = false;
            if (target == null || target.isEmpty()) format = "empty";
        }
        if (vdev == null) throw new DiskError("no vdev specified in `" + spec + "'");
        if (target == null && !cdrom) {
            throw new DiskError("no target specified (and device not removable) in `" + spec + "'");
        }
        DiskSpec.Colo colo = coloEnable == null && coloHost == null && coloPort == 0 && coloExport == null
                && activeDisk == null && hiddenDisk == null
                ? null : new DiskSpec.Colo(coloEnable, coloHost, coloPort, coloExport, activeDisk, hiddenDisk);
        return new DiskSpec(target, vdev, format, readWrite, cdrom, backendtype, script, backendDomain,
                directIoSafe, discard, specification, colo);
    }

    private DiskError err(String near, String message) {
        return new DiskError(message + ": near `" + near + "' in `" + spec + "'");
    }

    /** For tests: every rule compiles. */
    static List<String> ruleNames() {
        List<String> l = new ArrayList<>();
        for (Rule r : RULES) l.add(r.action().name());
        return l;
    }
}
