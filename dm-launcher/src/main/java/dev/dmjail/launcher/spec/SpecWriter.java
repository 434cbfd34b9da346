package dev.dmjail.launcher.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link LaunchSpec} as the JSON the native launcher's reader (dm-launcher/src/main/c/spec.c) reads (the one contract between the
 * toolstack and the launcher), generically from the section records: one field per record
 * component, enums by name.
 */
public final class SpecWriter {
    /** The one top-level field that is not a section. */
    public static final String DOMAIN_NAME = "domainName";

    private static final JsonFactory FACTORY = new JsonFactory();

    private SpecWriter() {}

    public static byte[] write(LaunchSpec spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField(DOMAIN_NAME, spec.domainName());
            for (Map.Entry<String, Section> e : spec.sections().entrySet()) {
                g.writeFieldName(e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // into memory: cannot happen
        }
        return out.toByteArray();
    }

    private static void value(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Enum<?> en) {
            g.writeString(en.name());
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object o : l) {
                value(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                g.writeFieldName((String) e.getKey());
                value(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v.getClass().isRecord()) {
            g.writeStartObject();
            for (RecordComponent rc : v.getClass().getRecordComponents()) {
                g.writeFieldName(rc.getName());
                try {
                    value(g, rc.getAccessor().invoke(v));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(rc + ": " + e, e);
                }
            }
            g.writeEndObject();
        } else {
            throw new IllegalArgumentException("not a spec value: " + v.getClass().getName());
        }
    }
}
