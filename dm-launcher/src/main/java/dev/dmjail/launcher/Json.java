package dev.dmjail.launcher;

import dev.dmjail.launcher.sys.Sys;

/** The launcher's one-line answers (written by hand: nothing to load after the pivot). */
public final class Json {
    private Json() {}

    public static String ok(int pid) {
        return ok(pid, null);
    }

    /** With what the landlock step proved (ASCII the launcher wrote itself), when it ran. */
    public static String ok(int pid, String landlock) {
        return "{\"ok\":true,\"pid\":" + pid + (landlock == null ? "" : ",\"landlock\":\"" + landlock + "\"") + "}";
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
