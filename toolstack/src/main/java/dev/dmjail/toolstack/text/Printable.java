package dev.dmjail.toolstack.text;

/**
 * Text that a tenant or a device model wrote, made safe to print on an admin's terminal as one
 * line: every control character (C0 but none, DEL, C1 — ESC among them, so no escape sequence
 * survives), every Unicode format character (bidi overrides such as U+202E, which reorder what the
 * admin reads) and every unassigned or surrogate code point is shown as {@code \xNN} or
 * {@code \\u{NNNN}}; a backslash is doubled so the result cannot be mistaken for an escape.
 */
public final class Printable {
    private Printable() {}

    public static String line(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            String rep = replacement(cp);
            if (rep != null && b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (b != null) {
                if (rep != null) b.append(rep);
                else b.appendCodePoint(cp);
            }
            i += n;
        }
        return b == null ? s : b.toString();
    }

    private static String replacement(int cp) {
        if (cp == '\\') {
            return "\\\\";
        }
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
            return String.format("\\x%02x", cp);
        }
        int type = Character.getType(cp);
        if (type == Character.FORMAT || type == Character.UNASSIGNED || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || cp == 0x2028 || cp == 0x2029) {
            return String.format("\\u{%04x}", cp);
        }
        return null;
    }
}
