package dev.dmjail.toolstack.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The last lines of a device-model log, folded into one line for an error message. */
final class LogTail {
    private LogTail() {}

    static String lastLines(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - n), lines.size());
            return tail.isEmpty() ? "" : " (last: " + String.join(" | ", tail).strip() + ")";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
