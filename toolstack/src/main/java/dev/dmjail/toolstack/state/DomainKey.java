package dev.dmjail.toolstack.state;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The host-side key of a domain: the one word every host path of the domain is named by (its state
 * dir {@code STATE_DIR/domains/KEY}, its cgroups {@code dmjail/KEY}, its logs {@code LOG_DIR/KEY.log}
 * and {@code .console}, the device model's hostname {@code dm-KEY}), while the name xl accepts —
 * spaces, quotes, backslashes, UTF-8, control characters, a leading '-' — is kept in the state
 * record and shown (escaped) wherever a person reads it.
 *
 * <p>The key is chosen once, at create, under the host lock, and never changes: {@code rename}
 * changes the name only (as xl keeps writing {@code qemu-dm-OLDNAME.log} after {@code xl rename}).
 *
 * <ul>
 *   <li>{@link #escape}: the name's UTF-8 bytes, letters and digits as they are, {@code _ . -} as
 *       they are except first, every other byte as {@code %XX} (upper-case hex). Injective, so
 *       two names never share a key; a name dmjail accepted before (letters, digits, {@code _.-},
 *       not starting with a symbol) is its own key, so the state dirs, cgroups and logs of an earlier
 *       version are found where they are and an admin sees the paths as before.</li>
 *   <li>When that key is empty, longer than {@link #MAX_ESCAPED} or held by a live domain (one
 *       renamed away from that name keeps it), the key is {@code DOMID~} and the escape cut to
 *       {@link #MAX_ESCAPED} at an escape boundary: the domid makes it unique among live domains,
 *       the rest keeps it readable. {@code ~} is never left as it is by the escape, so the two forms
 *       cannot meet.</li>
 * </ul>
 * Every key is ASCII from {@code [A-Za-z0-9_.%~-]}, starts with a letter, a digit or {@code %}
 * (never {@code -}, so no tool takes it for an option, nor {@code .}: never {@code .} or {@code ..}), and has at most {@link #MAX_LENGTH} characters: a file and cgroup name on
 * every filesystem, a host name ({@code dm-KEY} fits HOST_NAME_MAX, 64), no shell glob and no
 * QEMU option syntax.
 */
public final class DomainKey {
    private DomainKey() {}

    /** The longest escaped name used as it is. */
    public static final int MAX_ESCAPED = 48;

    /** The longest key: a domid of 5 digits, '~' and the escape cut to {@link #MAX_ESCAPED}. */
    public static final int MAX_LENGTH = 5 + 1 + MAX_ESCAPED;

    /** The domid placeholder of a dry run's key, which has no domid yet (as the dry run's vifN.0). */
    public static final String NO_DOMID = "N";

    /** The escape of {@code name} (see the class comment); empty for the empty name. */
    public static String escape(String name) {
        StringBuilder sb = new StringBuilder();
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean alnum = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
            boolean inner = i > 0 && (b == '_' || b == '.' || b == '-');
            if (alnum || inner) {
                sb.append((char) b);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /**
     * The key for a new domain {@code name} with {@code domid} (null in a dry run), given the keys
     * live domains hold ({@code taken}, legacy ones included).
     */
    public static String choose(String name, Integer domid, Set<String> taken) {
        String e = escape(name);
        if (!e.isEmpty() && e.length() <= MAX_ESCAPED && !taken.contains(e)) {
            return e;
        }
        return (domid == null ? NO_DOMID : Integer.toString(domid)) + "~" + cut(e, MAX_ESCAPED);
    }

    /** {@code e} cut to at most {@code max} characters, never inside a {@code %XX}. */
    static String cut(String e, int max) {
        if (e.length() <= max) {
            return e;
        }
        int end = max;
        int pct = e.lastIndexOf('%', end - 1);
        if (pct >= 0 && pct + 3 > end) {
            end = pct;
        }
        return e.substring(0, end);
    }

    /**
     * Whether {@code s} can name a domain's state dir: a key this class makes, or the name of an
     * earlier version's state dir (letters, digits, {@code _.-}, not starting with a symbol, at most 64).
     */
    public static boolean isKey(String s) {
        return s != null && !s.isEmpty() && s.length() <= 64 && s.matches("[A-Za-z0-9%][A-Za-z0-9_.%~-]*");
    }
}
