package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The id-allocation settings of /etc/login.defs, with shadow's built-in defaults (shadow's
 * lib/find_new_uid.c, find_new_sub_uids.c) when a key is absent or the file is missing.
 */
public final class LoginDefs {
    private final Map<String, String> values;

    private LoginDefs(Map<String, String> values) {
        this.values = values;
    }

    public static LoginDefs read(Path file) throws IOException {
        Map<String, String> map = new HashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                String[] kv = t.split("\\s+", 2);
                map.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
            }
        }
        return new LoginDefs(map);
    }

    public static LoginDefs empty() {
        return new LoginDefs(Map.of());
    }

    long num(String key, long dflt) {
        String v = values.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.decode(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** Ids useradd/groupadd may hand out to ordinary users: [UID_MIN, UID_MAX]. */
    public IdRange userIds(boolean gid) {
        String p = gid ? "GID" : "UID";
        return IdRange.inclusive(num(p + "_MIN", 1000), num(p + "_MAX", 60000));
    }

    /** Ids useradd/groupadd --system may hand out: [SYS_UID_MIN, SYS_UID_MAX (default UID_MIN-1)]. */
    public IdRange systemIds(boolean gid) {
        String p = gid ? "GID" : "UID";
        long min = num(p + "_MIN", 1000);
        return IdRange.inclusive(num("SYS_" + p + "_MIN", 101), num("SYS_" + p + "_MAX", min - 1));
    }

    /** Ids useradd may hand out as subordinate ranges: [SUB_UID_MIN, SUB_UID_MAX]. */
    public IdRange subordinateIds(boolean gid) {
        String p = gid ? "GID" : "UID";
        return IdRange.inclusive(num("SUB_" + p + "_MIN", 100000), num("SUB_" + p + "_MAX", 600100000));
    }
}
