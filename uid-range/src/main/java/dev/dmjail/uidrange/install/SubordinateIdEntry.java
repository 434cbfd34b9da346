package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One line of /etc/subuid or /etc/subgid (subuid(5): owner:start:count). */
public record SubordinateIdEntry(String owner, long start, long count) {
    public IdRange range() {
        return new IdRange(start, count);
    }

    /** Parses the file; a missing file has no entries, malformed lines are skipped. */
    public static List<SubordinateIdEntry> read(Path file) throws IOException {
        List<SubordinateIdEntry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] f = line.strip().split(":");
            if (f.length != 3 || f[0].startsWith("#")) {
                continue;
            }
            try {
                out.add(new SubordinateIdEntry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (NumberFormatException ignored) {
                // shadow's sub_uid parser rejects such lines too
            }
        }
        return out;
    }
}
