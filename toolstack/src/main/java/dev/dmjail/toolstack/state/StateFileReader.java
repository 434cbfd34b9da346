package dev.dmjail.toolstack.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link DomainRecord} from its state file with jackson-core's streaming parser, the plan as a
 * tree built node by node: no {@code ObjectMapper}. Every command that names a domain reads its state
 * file, and an ObjectMapper's construction plus its first record deserializer (reflection over the
 * record's components) cost ~40 ms of a cold CLI's start-up; this costs ~2 (issue 14,
 * docs/benchmark.md). It reads what {@link StateStore#write} writes (Jackson's default record
 * serialisation: one field per component, by its name), and refuses what Jackson's default
 * deserialisation refuses: a field the record does not have, a value of the wrong kind.
 */
final class StateFileReader {


    private StateFileReader() {}

    static DomainRecord read(byte[] json) throws IOException {
        try (JsonParser p = dev.dmjail.toolstack.text.JsonTrees.factory().createParser(json)) {
            expect(p, p.nextToken(), JsonToken.START_OBJECT, "the record");
            String name = null, key = null, config = null;
            int domid = 0, vcpus = 0;
            DomainState state = null;
            Integer pid = null, uid = null, gid = null;
            Long pidStartTime = null;
            long memoryMiB = 0, created = 0;
            JsonNode plan = null;
            Map<String, List<String>> prepared = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "name" -> name = text(p, t, field);
                    case "key" -> key = text(p, t, field);
                    case "config" -> config = text(p, t, field);
                    case "domid" -> domid = integer(p, t, field, 0);
                    case "vcpus" -> vcpus = integer(p, t, field, 0);
                    case "pid" -> pid = t == JsonToken.VALUE_NULL ? null : integer(p, t, field, 0);
                    case "uid" -> uid = t == JsonToken.VALUE_NULL ? null : integer(p, t, field, 0);
                    case "gid" -> gid = t == JsonToken.VALUE_NULL ? null : integer(p, t, field, 0);
                    case "pidStartTime" -> pidStartTime = t == JsonToken.VALUE_NULL ? null : longValue(p, t, field, 0);
                    case "memoryMiB" -> memoryMiB = longValue(p, t, field, 0);
                    case "createdEpochMillis" -> created = longValue(p, t, field, 0);
                    case "state" -> {
                        String s = text(p, t, field);
                        try {
                            state = s == null ? null : DomainState.valueOf(s);
                        } catch (IllegalArgumentException e) {
                            throw new IOException("state file: field \"state\": no state " + s);
                        }
                    }
                    case "plan" -> plan = dev.dmjail.toolstack.text.JsonTrees.read(p, t); // JSON null: a NullNode, as Jackson gives a JsonNode component
                    case "prepared" -> prepared = t == JsonToken.VALUE_NULL ? null : prepared(p, t);
                    default -> throw new IOException("state file: unknown field \"" + field + "\"");
                }
            }
            expect(p, p.currentToken(), JsonToken.END_OBJECT, "the record's end");
            return new DomainRecord(name, key, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, created,
                    plan, prepared);
        }
    }

    private static void expect(JsonParser p, JsonToken got, JsonToken want, String what) throws IOException {
        if (got != want) {
            throw new IOException("state file: " + what + ": expected " + want + ", found " + got + " at "
                    + p.currentLocation().getCharOffset());
        }
    }

    private static String text(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, t, JsonToken.VALUE_STRING, "field \"" + field + "\"");
        return p.getText();
    }

    /** A JSON null for a primitive component is its default, as Jackson's FAIL_ON_NULL_FOR_PRIMITIVES (off) has it. */
    private static int integer(JsonParser p, JsonToken t, String field, int ifNull) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return ifNull;
        }
        expect(p, t, JsonToken.VALUE_NUMBER_INT, "field \"" + field + "\"");
        return p.getIntValue(); // out of int range: jackson-core's InputCoercionException (an IOException)
    }

    private static long longValue(JsonParser p, JsonToken t, String field, long ifNull) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return ifNull;
        }
        expect(p, t, JsonToken.VALUE_NUMBER_INT, "field \"" + field + "\"");
        return p.getLongValue();
    }

    private static Map<String, List<String>> prepared(JsonParser p, JsonToken t) throws IOException {
        expect(p, t, JsonToken.START_OBJECT, "field \"prepared\"");
        Map<String, List<String>> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String layer = p.currentName();
            JsonToken a = p.nextToken();
            if (a == JsonToken.VALUE_NULL) {
                out.put(layer, null);
                continue;
            }
            expect(p, a, JsonToken.START_ARRAY, "field \"prepared\"." + layer);
            List<String> items = new ArrayList<>();
            for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
                items.add(text(p, i, "prepared." + layer));
            }
            out.put(layer, items);
        }
        return out;
    }
}
