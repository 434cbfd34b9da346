package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The state file written with jackson-core alone (issue 14: no ObjectMapper in destroy) is byte for
 * byte what ObjectMapper with INDENT_OUTPUT wrote before, for records with every field null or set,
 * strings that need escaping, a real stored plan and empty and null prepared lists; and it reads back
 * to the same record.
 */
class StateFileWriterTest {

    private static final ObjectMapper JACKSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static JsonNode realPlan() throws IOException {
        try (InputStream in = StateFileWriterTest.class.getResourceAsStream("/state/main-8e932ac-state.json")) {
            return JACKSON.readTree(in).get("plan");
        }
    }

    @Test
    void writesWhatObjectMapperWrote() throws IOException {
        Map<String, List<String>> prepared = new LinkedHashMap<>();
        prepared.put("cgroup", List.of("memory:/dmjail/a", "pids:/dmjail/a"));
        prepared.put("filesystem", List.of());
        prepared.put("odd \"key\"\n", new ArrayList<>(Arrays.asList("x", null)));
        prepared.put("none", null);
        JsonNode small = JACKSON.readTree("{\"a\": [1, 12345678901234, 123456789012345678901234567890, 1.5, -0.0, true, null,"
                + " {}, []], \"s\": \"caf\\u00e9 \\u001b[31m \\u2028\"}");
        List<DomainRecord> records = List.of(
                new DomainRecord("café ☃", "caf%C3%A9", 7, DomainState.RUNNING, 4242, 123456789012L, 65543, 65543, 64, 2,
                        "name = \"x\"\nvnc = 1\n\t\\", 1_733_000_000_000L, realPlan(), prepared),
                new DomainRecord("plain", "plain", 1, DomainState.CREATING, null, null, null, null, 0, 0, null, 0, small, Map.of()),
                new DomainRecord(null, null, 0, null, null, null, null, null, Long.MAX_VALUE, Integer.MIN_VALUE, "", -1, null, null),
                new DomainRecord("e", "e", 3, DomainState.DESTROYING, 1, 2L, 3, 4, 5, 6, "c", 7, JACKSON.createObjectNode(),
                        new LinkedHashMap<>()));
        for (DomainRecord r : records) {
            byte[] ours = StateFileWriter.write(r);
            assertEquals(new String(JACKSON.writeValueAsBytes(r), StandardCharsets.UTF_8), new String(ours, StandardCharsets.UTF_8),
                    String.valueOf(r.name()));
            assertArrayEquals(JACKSON.writeValueAsBytes(r), ours, String.valueOf(r.name()));
            assertEquals(JACKSON.readValue(ours, DomainRecord.class), StateFileReader.read(ours), String.valueOf(r.name()));
        }
    }
}
