package dev.dmjail.toolstack.lifecycle;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The last lines of a device-model log, folded into one line for an error message. The device
 * model writes that log: only its last {@link #MAX_BYTES} are read (a 640 MiB line must not cost
 * the toolstack its heap), and the quote is cut to {@link #MAX_CHARS}. It becomes part of an error
 * message, which the CLI prints escaped ({@code Printable}, in {@code Main}) like every message.
 */
final class LogTail {
    static final int MAX_BYTES = 4096;
    static final int MAX_CHARS = 600;

    private LogTail() {}

    static String lastLines(Path log, int n) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long len = f.length();
            int take = (int) Math.min(len, MAX_BYTES);
            byte[] b = new byte[take];
            f.seek(len - take);
            f.readFully(b);
            List<String> lines = new String(b, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
            List<String> tail = lines.subList(Math.max(0, lines.size() - n), lines.size());
            String joined = String.join(" | ", tail).strip();
            if (joined.length() > MAX_CHARS) {
                joined = "..." + joined.substring(joined.length() - MAX_CHARS);
            }
            return tail.isEmpty() ? "" : " (last: " + joined + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
