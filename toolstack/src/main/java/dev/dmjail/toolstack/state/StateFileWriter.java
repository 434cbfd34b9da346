package dev.dmjail.toolstack.state;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.dmjail.toolstack.text.JsonTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link DomainRecord} as its state file with jackson-core's generator, no {@code ObjectMapper}:
 * the bytes {@code new ObjectMapper().enable(INDENT_OUTPUT).writeValueAsBytes(record)} writes (one field
 * per component, in the record's order, the default pretty printer), which {@code StateFileWriterTest}
 * holds it to. Every destroy writes its domain's state (DESTROYING, then each released item), and an
 * ObjectMapper's construction and its record serializer were ~40 ms of it (issue 14); the reader is
 * {@link StateFileReader}.
 */
final class StateFileWriter {

    private StateFileWriter() {}

    static byte[] write(DomainRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JsonTrees.factory().createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            string(g, "name", r.name());
            string(g, "key", r.key());
            g.writeNumberField("domid", r.domid());
            string(g, "state", r.state() == null ? null : r.state().name());
            integer(g, "pid", r.pid());
            g.writeFieldName("pidStartTime");
            if (r.pidStartTime() == null) g.writeNull(); else g.writeNumber(r.pidStartTime());
            integer(g, "uid", r.uid());
            integer(g, "gid", r.gid());
            g.writeNumberField("memoryMiB", r.memoryMiB());
            g.writeNumberField("vcpus", r.vcpus());
            string(g, "config", r.config());
            g.writeNumberField("createdEpochMillis", r.createdEpochMillis());
            g.writeFieldName("plan");
            if (r.plan() == null) g.writeNull(); else JsonTrees.write(g, r.plan());
            g.writeFieldName("prepared");
            prepared(g, r.prepared());
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void string(JsonGenerator g, String field, String v) throws IOException {
        g.writeFieldName(field);
        if (v == null) g.writeNull(); else g.writeString(v);
    }

    private static void integer(JsonGenerator g, String field, Integer v) throws IOException {
        g.writeFieldName(field);
        if (v == null) g.writeNull(); else g.writeNumber(v);
    }

    private static void prepared(JsonGenerator g, Map<String, List<String>> prepared) throws IOException {
        if (prepared == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        for (Map.Entry<String, List<String>> e : prepared.entrySet()) {
            g.writeFieldName(e.getKey());
            if (e.getValue() == null) {
                g.writeNull();
                continue;
            }
            g.writeStartArray();
            for (String item : e.getValue()) {
                if (item == null) g.writeNull(); else g.writeString(item);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }
}
