package dev.dmjail.toolstack.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** JsonTrees (issue 14: no ObjectMapper on the short commands' paths) reads and writes as ObjectMapper does. */
class JsonTreesTest {

    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void readsAndWritesAsObjectMapper() throws IOException {
        for (String json : List.of(
                "{\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}}",
                "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, \"package\": \"Debian 1:7.2\"}, \"capabilities\": [\"oob\"]}}",
                "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-shutdown\"}, \"timestamp\": {\"seconds\": 1733000000, \"microseconds\": 12}}",
                "[1, -2, 3000000000, 123456789012345678901234567890, 1.5, -0.0, 1e300, null, true, \"caf\\u00e9 \\u001b[2J \\\"q\\\" \\\\\", [], {}]",
                "\"just a string\"", "42", "null", "", "   ", "{\"a\": 1} trailing")) {
            JsonNode mine = JsonTrees.parse(json);
            JsonNode theirs = JACKSON.readTree(json);
            assertEquals(theirs, mine, json);
            assertEquals(theirs.getNodeType(), mine.getNodeType(), json);
            if (!theirs.isMissingNode()) {
                assertEquals(JACKSON.writeValueAsString(theirs), JsonTrees.write(mine), json);
            }
        }
    }

    /** The CLI's JSON answers (create -n): indented, non-ASCII escaped, as its ObjectMapper wrote them. */
    @Test
    void writesPrettyAsTheCliMapper() throws IOException {
        ObjectMapper cli = new ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
        for (String json : List.of("{\"name\": \"caf\\u00e9 \\u202e \\u0085 \\u001b[2J\", \"n\": [1, 3000000000, 1.5, null, true, [], {}],"
                + " \"o\": {\"a\": {\"b\": []}}}", "[]", "{}", "\"\\u2028\"", "[[1], {\"x\": null}]")) {
            JsonNode t = JACKSON.readTree(json);
            assertEquals(cli.writeValueAsString(t), JsonTrees.writePretty(t), json);
        }
    }

    @Test
    void refusesWhatObjectMapperRefuses() {
        for (String bad : List.of("{\"a\": ", "[1, 2", "{\"a\" 1}", "{'a': 1}", "[1,]x", "{\"a\": tru}",
                "[".repeat(2000) + "]".repeat(2000))) {
            assertThrows(IOException.class, () -> JACKSON.readTree(bad), bad.length() > 40 ? "deep nesting" : bad);
            assertThrows(IOException.class, () -> JsonTrees.parse(bad), bad.length() > 40 ? "deep nesting" : bad);
        }
    }
}
