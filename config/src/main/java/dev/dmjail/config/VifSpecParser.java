package dev.dmjail.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Vif spec parser after xl_parse.c parse_nic_config and libxlu_vif.c xlu_vif_parse_rate.
 * The spec is split with strtok(",") (empty items vanish), leading blanks of each item are
 * skipped, and each item must start with "key=". xl only prints a message and goes on for an
 * unknown key (a warning here too) or a bad mac/type (parse_nic_config's "Invalid parameter": the vif is
 * kept as far as xl got, and the message goes to {@code ignored}, which create refuses). "accel" is
 * ignored with a warning and "netdev" is the deprecated spelling of "gatewaydev", as in xl.
 */
final class VifSpecParser {

    static final class VifError extends Exception {
        private static final long serialVersionUID = 1L;
        VifError(String msg) { super(msg, null, false, false); }
    }

    private static final Pattern BYTES_PER_SEC = Pattern.compile("^[0-9]+[GMK]?[Bb]/s$");
    private static final Pattern INTERVAL = Pattern.compile("^[0-9]+[mu]?s?$");
    private static final long UINT32_MAX = 0xFFFF_FFFFL;

    private VifSpecParser() { }

    static VifSpec parse(String spec, int index, List<String> warnings, List<String> ignored) throws VifError {
        int devid = index;
        String mac = null, bridge = null, ip = null, model = null, type = null, vifname = null, script = null;
        String rate = null, gatewaydev = null, backend = null;
        long bytesPerInterval = 0, intervalUsecs = 0;
        int mtu = 0;
        Boolean trusted = null;
        for (String raw : spec.split(",")) {
            if (raw.isEmpty()) continue;
            String token = raw.replaceFirst("^ +", "");
            int eq = token.indexOf('=');
            String key = eq < 0 ? token : token.substring(0, eq);
            String val = eq < 0 ? null : token.substring(eq + 1);
            if (val == null && (token.equals("trusted") || token.equals("untrusted"))) {
                trusted = token.equals("trusted"); // xl 4.17: a flag, advice to the guest's PV frontend
                continue;
            }
            if (val == null) {
                // xl parse_nic_config: "unrecognized argument" on stderr, and the vif is kept
                warnings.add("unrecognized argument `" + token + "', ignored (as xl does)");
                continue;
            }
            switch (key) {
                case "type" -> {
                    if (val.equals("vif") || val.equals("ioemu")) {
                        type = val;
                    } else {
                        ignored.add("Invalid parameter `type'. in `" + token + "'"); // xl keeps the type it had
                    }
                }
                case "mac" -> mac = parseMac(val, mac, token, ignored);
                case "bridge" -> bridge = val;
                case "netdev" -> {
                    warnings.add("the netdev parameter is deprecated, please use gatewaydev instead");
                    gatewaydev = val;
                }
                case "gatewaydev" -> gatewaydev = val;
                case "ip" -> ip = val;
                case "script" -> script = val;
                case "backend" -> backend = val;
                case "vifname" -> vifname = val;
                case "model" -> model = val;
                case "rate" -> {
                    long[] r = parseRate(val);
                    rate = val;
                    bytesPerInterval = r[0];
                    intervalUsecs = r[1];
                }
                case "accel" -> warnings.add("the accel parameter for vifs is currently not supported");
                case "devid" -> devid = (int) parseUlong(val);
                case "mtu" -> mtu = (int) parseUlong(val);
                default -> warnings.add("unrecognized argument `" + token + "', ignored (as xl does)");
            }
        }
        return new VifSpec(devid, mac, bridge, ip, model, type, vifname, script, rate, bytesPerInterval,
                intervalUsecs, gatewaydev, backend, mtu, trusted);
    }

    /**
     * xl reads six strtoul(…, 16) numbers, each followed by any one separator character, into the mac it
     * has (zero, or an earlier mac=), byte by byte: at a group that is no hex byte it prints "Invalid
     * parameter `mac'." and stops, keeping the bytes it stored. Running out of groups is undefined behaviour
     * in xl (it reads past the string); refused here.
     */
    static String parseMac(String s, String previous, String token, List<String> ignored) throws VifError {
        int[] mac = new int[6];
        if (previous != null) {
            String[] g = previous.split(":");
            for (int i = 0; i < 6; i++) mac[i] = Integer.parseInt(g[i], 16);
        }
        int p = 0;
        for (int i = 0; i < 6; i++) {
            if (p > s.length()) throw new VifError("Invalid parameter `mac'.");
            long[] r = strtoul(s, p, 16);
            if (r[1] == p || r[0] < 0 || r[0] > 255) {
                ignored.add("Invalid parameter `mac'. in `" + token + "'");
                break;
            }
            mac[i] = (int) r[0];
            p = (int) r[1] + 1;
        }
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }

    /** xl's parse_ulong: strtoul base 10, refuses no digits and ULONG_MAX; trailing text ignored. */
    private static long parseUlong(String s) throws VifError {
        long[] r = strtoul(s, 0, 10);
        if (r[1] == 0 || r[0] < 0 || r[0] > Integer.MAX_VALUE) {
            throw new VifError("xl: failed to convert \"" + s + "\" to number");
        }
        return r[0];
    }

    /** xlu_vif_parse_rate: "N[GMK]{B,b}/s[@N[m|u]s]", default interval 50 ms. Returns {bytes per interval, usecs}. */
    static long[] parseRate(String rate) throws VifError {
        int at = rate.indexOf('@');
        String bytes = at < 0 ? rate : rate.substring(0, at);
        String interval = at < 0 ? null : rate.substring(at + 1);
        if (bytes.isEmpty()) throw new VifError("config parsing error in vif: no rate specified in `" + rate + "'");
        if (!BYTES_PER_SEC.matcher(bytes).matches()) {
            throw new VifError("config parsing error in vif: invalid rate in `" + bytes + "'");
        }
        long[] n = strtoul(bytes, 0, 0);
        if (n[0] == 0 || n[0] > UINT32_MAX) throw new VifError("config parsing error in vif: rate overflow in `" + bytes + "'");
        long bps = n[0];
        char u = bytes.charAt((int) n[1]);
        if (u == 'G') bps *= 1_000_000_000L;
        else if (u == 'M') bps *= 1_000_000L;
        else if (u == 'K') bps *= 1_000L;
        if (u == 'b' || bytes.charAt((int) n[1] + 1) == 'b') bps /= 8;
        long usecs = 50_000L;
        if (interval != null) {
            if (!INTERVAL.matcher(interval).matches()) {
                throw new VifError("config parsing error in vif: invalid replenishment interval in `" + interval + "'");
            }
            long[] m = strtoul(interval, 0, 0);
            if (m[0] == 0 || m[0] > UINT32_MAX) {
                throw new VifError("config parsing error in vif: replenishment interval overflow in `" + interval + "'");
            }
            usecs = m[0];
            char c = m[1] < interval.length() ? interval.charAt((int) m[1]) : '\0';
            if (c == 's' || c == '\0') usecs *= 1_000_000L;
            else if (c == 'm') usecs *= 1_000L;
            if (usecs > UINT32_MAX) {
                throw new VifError("config parsing error in vif: replenishment interval overflow in `" + interval + "'");
            }
        }
        // bytes_per_sec * usecs cannot overflow 64 bits here (both fit in 32 bits after scaling bounds).
        long bytesPerInterval = java.math.BigInteger.valueOf(bps).multiply(java.math.BigInteger.valueOf(usecs))
                .divide(java.math.BigInteger.valueOf(1_000_000L)).longValue();
        return new long[] {bytesPerInterval, usecs};
    }

    /**
     * C strtoul on s from index p: skips blanks, takes a sign, honours base 0 prefixes (0x, 0).
     * Returns {value (-1 on overflow / negative), index after the number (p when nothing parsed)}.
     */
    static long[] strtoul(String s, int p, int base) {
        int i = p;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) { neg = s.charAt(i) == '-'; i++; }
        int b = base;
        if ((b == 0 || b == 16) && i + 1 < s.length() && s.charAt(i) == '0'
                && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
            i += 2;
            b = 16;
        } else if (b == 0) {
            b = (i < s.length() && s.charAt(i) == '0') ? 8 : 10;
        }
        int start = i;
        java.math.BigInteger v = java.math.BigInteger.ZERO;
        while (i < s.length() && Character.digit(s.charAt(i), b) >= 0 && s.charAt(i) < 128) {
            v = v.multiply(java.math.BigInteger.valueOf(b)).add(java.math.BigInteger.valueOf(Character.digit(s.charAt(i), b)));
            i++;
        }
        if (i == start) return new long[] {0, p};
        if (neg && v.signum() != 0) return new long[] {-1, i};
        if (v.bitLength() > 63) return new long[] {-1, i};
        return new long[] {v.longValue(), i};
    }

    static List<String> splitTokens(String spec) {
        List<String> l = new ArrayList<>();
        for (String s : spec.split(",")) if (!s.isEmpty()) l.add(s);
        return l;
    }
}
