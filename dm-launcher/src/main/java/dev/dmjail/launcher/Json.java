package dev.dmjail.launcher;

import dev.dmjail.launcher.sys.Sys;
import java.util.Map;

/** The launcher's one-line answers (written by hand: nothing to load after the pivot). */
public final class Json {
    private Json() {}

    public static String ok(int pid) {
        return ok(pid, Map.of());
    }

    /** With what the steps proved at spawn, by step name ({@code "proofs":{"landlock":"ABI 7; ..."}}). */
    public static String ok(int pid, Map<String, String> proofs) {
        StringBuilder b = new StringBuilder("{\"ok\":true,\"pid\":").append(pid);
        if (!proofs.isEmpty()) {
            b.append(",\"proofs\":{");
            String sep = "";
            for (Map.Entry<String, String> e : proofs.entrySet()) {
                b.append(sep).append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                sep = ",";
            }
            b.append('}');
        }
        return b.append('}').toString();
    }

    public static String dryRun() {
        return "{\"ok\":true,\"pid\":0,\"dryRun\":true}";
    }

    public static String error(LaunchException e) {
        return "{\"ok\":false,\"step\":" + quote(e.step()) + ",\"errno\":" + e.errno() + ",\"message\":"
                + quote(e.getMessage()) + "}";
    }

    public static String stderrLine(LaunchException e) {
        String msg = e.getMessage() == null ? "" : e.getMessage().replace('\n', ' ');
        return "dm-launcher: " + e.step() + ": " + msg + ": " + Sys.strerror(e.errno()) + " (errno " + e.errno() + ")";
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
