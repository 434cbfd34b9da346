package dev.dmjail.launcher.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tests' Java model of the spec reader (test code: the one reader in production is the native
 * launcher's, dm-launcher/src/main/c/spec.c, and its step list the one list of sections): reads a
 * {@link LaunchSpec} back into the section records, so the tests read back what {@link SpecWriter}
 * writes and hold the native reader to the same refusals (SpecReaderTest, SectionRulesTest). Jackson's streaming parser,
 * generically: a JSON field is the record component of that
 * name, an enum is its name, absent or null is null/empty/false/0. Strict: an unknown section, an
 * unknown field of a section, a wrong type or an out-of-range integer is refused with its place
 * ({@code namespaces.uts: expected a boolean}). The sections' own rules are theirs
 * ({@link LaunchSpec#validate}). What {@link SpecWriter} writes reads back equal.
 */
public final class SpecReader {
    private static final JsonFactory FACTORY = new JsonFactory();
    static final String DOMAIN_NAME = SpecWriter.DOMAIN_NAME;

    /**
     * The sections a spec may hold, by name, in the order the launcher applies their steps (the
     * section column of {@code dm-launcher --steps}; SpecReaderTest holds the two equal).
     */
    public static final Map<String, Class<? extends Section>> SECTIONS = sections();

    private static Map<String, Class<? extends Section>> sections() {
        Map<String, Class<? extends Section>> m = new LinkedHashMap<>();
        m.put(FdsEnvSection.NAME, FdsEnvSection.class);
        m.put(CgroupSection.NAME, CgroupSection.class);
        m.put(NamespacesSection.NAME, NamespacesSection.class);
        m.put(FilesystemSection.NAME, FilesystemSection.class);
        m.put(RlimitsSection.NAME, RlimitsSection.class);
        m.put(DacSection.NAME, DacSection.class);
        m.put(SelinuxSection.NAME, SelinuxSection.class);
        m.put(LandlockSection.NAME, LandlockSection.class);
        m.put(SeccompSection.NAME, SeccompSection.class);
        m.put(ExecSection.NAME, ExecSection.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    private SpecReader() {}

    /** Reads a spec of the {@link #SECTIONS}. */
    public static LaunchSpec read(byte[] json) throws IOException {
        return read(json, SECTIONS);
    }

    /** @param types the section record of each section name the reader accepts */
    public static LaunchSpec read(byte[] json, Map<String, Class<? extends Section>> types) throws IOException {
        Object v;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() == null) {
                throw new IOException("empty input");
            }
            v = value(p);
            if (p.nextToken() != null) {
                throw new IOException("trailing data after the spec");
            }
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IOException("the spec must be a JSON object");
        }
        String domainName = null;
        List<Section> sections = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals(DOMAIN_NAME)) {
                domainName = (String) convert(String.class, e.getValue(), key);
                continue;
            }
            Class<? extends Section> type = types.get(key);
            if (type == null) {
                throw new IOException("unknown section \"" + key + "\" (known: " + String.join(", ", types.keySet()) + ")");
            }
            if (e.getValue() != null) {
                sections.add(type.cast(convert(type, e.getValue(), key)));
            }
        }
        return new LaunchSpec(domainName, sections);
    }

    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    if (m.put(k, value(p)) != null) {
                        throw new IOException("field \"" + k + "\" given twice");
                    }
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING: return p.getText();
            case VALUE_NUMBER_INT: return p.getLongValue();
            case VALUE_NUMBER_FLOAT: return p.getDoubleValue(); // refused where an integer is expected
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            case VALUE_NULL: return null;
            default: throw new IOException("unexpected token " + t);
        }
    }

    /** The JSON value {@code v} at {@code where} as an instance of {@code type}. */
    private static Object convert(Type type, Object v, String where) throws IOException {
        if (type instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type[] args = pt.getActualTypeArguments();
            if (v == null) {
                return null; // the record's constructor makes it empty
            }
            if (raw == List.class) {
                if (!(v instanceof List<?> l)) throw new IOException(where + ": expected an array");
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < l.size(); i++) {
                    out.add(convert(args[0], l.get(i), where + "[" + i + "]"));
                }
                return out;
            }
            if (raw == Map.class && args[0] == String.class) {
                if (!(v instanceof Map<?, ?> om)) throw new IOException(where + ": expected an object");
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : om.entrySet()) {
                    out.put((String) e.getKey(), convert(args[1], e.getValue(), where + "." + e.getKey()));
                }
                return out;
            }
            throw new IOException(where + ": unsupported type " + type);
        }
        Class<?> c = (Class<?>) type;
        if (c == boolean.class) {
            if (v == null) return false;
            if (v instanceof Boolean b) return b;
            throw new IOException(where + ": expected a boolean");
        }
        if (c == long.class || c == int.class) {
            if (v == null) return c == long.class ? (Object) 0L : (Object) 0;
            if (!(v instanceof Long l)) throw new IOException(where + ": expected an integer");
            if (c == long.class) return l;
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw new IOException(where + ": out of range: " + l);
            return (int) (long) l;
        }
        if (c == Integer.class) {
            if (!(v instanceof Long l) || l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw new IOException(where + ": expected an integer, got " + v);
            }
            return (int) (long) l;
        }
        if (v == null) {
            return null;
        }
        if (c == String.class) {
            if (v instanceof String s) return s;
            throw new IOException(where + ": expected a string");
        }
        if (c.isEnum()) {
            if (v instanceof String s) {
                for (Object k : c.getEnumConstants()) {
                    if (((Enum<?>) k).name().equals(s)) return k;
                }
            }
            throw new IOException(where + ": unknown " + c.getSimpleName().toLowerCase() + " " + v);
        }
        if (c.isRecord()) {
            return record(c, v, where);
        }
        throw new IOException(where + ": unsupported type " + c.getName());
    }

    private static Object record(Class<?> c, Object v, String where) throws IOException {
        if (!(v instanceof Map<?, ?> m)) throw new IOException(where + ": expected an object");
        RecordComponent[] comps = c.getRecordComponents();
        Class<?>[] types = new Class<?>[comps.length];
        Object[] args = new Object[comps.length];
        for (int i = 0; i < comps.length; i++) {
            types[i] = comps[i].getType();
            args[i] = convert(comps[i].getGenericType(), m.get(comps[i].getName()), where + "." + comps[i].getName());
        }
        for (Object k : m.keySet()) {
            boolean known = false;
            for (RecordComponent rc : comps) known |= rc.getName().equals(k);
            if (!known) throw new IOException(where + ": unknown field \"" + k + "\"");
        }
        try {
            Constructor<?> ctor = c.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IOException(where + ": " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IOException(where + ": cannot build " + c.getSimpleName() + ": " + e, e);
        }
    }
}
