package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Line edits of a colon-separated account file (passwd, group, shadow, gshadow) that leave every
 * other byte untouched. Read as ISO-8859-1 so any byte (e.g. a non-UTF-8 GECOS) round-trips.
 */
final class AccountFile {
    private final Path path;

    AccountFile(Path path) {
        this.path = path;
    }

    boolean exists() {
        return Files.exists(path);
    }

    /** Each line's first field (the name). */
    List<String[]> entries() throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : read().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                out.add(line.split(":", -1));
            }
        }
        return out;
    }

    boolean hasName(String name) throws IOException {
        return entries().stream().anyMatch(f -> f[0].equals(name));
    }

    void append(String line) throws IOException {
        String content = read();
        if (!content.isEmpty() && !content.endsWith("\n")) {
            content += "\n";
        }
        write(content + line + "\n");
    }

    /** Removes the lines whose name field is {@code name}; returns whether anything was removed. */
    boolean remove(String name) throws IOException {
        String content = read();
        StringBuilder kept = new StringBuilder(content.length());
        boolean removed = false;
        int i = 0;
        while (i < content.length()) {
            int nl = content.indexOf('\n', i);
            int end = nl < 0 ? content.length() : nl + 1;
            String line = content.substring(i, end);
            if (line.startsWith(name + ":")) {
                removed = true;
            } else {
                kept.append(line);
            }
            i = end;
        }
        if (removed) {
            write(kept.toString());
        }
        return removed;
    }

    private String read() throws IOException {
        return new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
    }

    private void write(String content) throws IOException {
        AtomicFileWriter.replace(path, content.getBytes(StandardCharsets.ISO_8859_1), 0644);
    }
}
