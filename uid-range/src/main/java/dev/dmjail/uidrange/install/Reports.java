package dev.dmjail.uidrange.install;

import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;

/** Shared text/JSON rendering for the report records. */
public final class Reports {
    private Reports() {
    }

    static void section(StringBuilder sb, String title, List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        sb.append("  ").append(title).append(":\n");
        lines.forEach(l -> sb.append("    - ").append(l).append('\n'));
    }

    /** Any report record as indented JSON (field names = record components). */
    public static String toJson(Object report) {
        try {
            return ManifestStore.JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
