package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming state-file reader (issue 14: no ObjectMapper on the read path) gives exactly the
 * record Jackson's own record deserialisation gives for what {@link StateStore#write} wrote, and
 * refuses what it refuses.
 */
class StateFileReaderTest {

    private static final ObjectMapper JACKSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private static DomainRecord sample(String name, Integer pid, JsonNode plan, Map<String, List<String>> prepared) {
        return new DomainRecord(name, DomainKey.escape(name), 7, DomainState.RUNNING, pid, pid == null ? null : 123456789012L,
                pid == null ? null : 65543, pid == null ? null : 65543, 64, 2, "name = \"x\"\nvnc = 1\n", 1_733_000_000_000L,
                plan, prepared);
    }

    @Test
    void readsWhatTheWriterWroteAsJacksonDoes(@TempDir Path dir) throws IOException {
        JsonNode plan = JACKSON.readTree("""
                {"layers": [{"layer": "network", "settings": {"vnc": {"host": "::1", "port": 5901}}, "on": true},
                            {"layer": "selinux", "settings": {"c1": 3, "c2": 1023, "big": 12345678901234, "huge": 123456789012345678901234567890}},
                            {"layer": "x", "settings": null, "f": 1.5, "neg": -3, "no": false, "list": [[], {}, "caf\\u00e9 \\u001b[31m"]}],
                 "argv": ["qemu-system-x86_64", "-name", "a b"]}""");
        Map<String, List<String>> prepared = new LinkedHashMap<>();
        prepared.put("cgroup", List.of("memory:/dmjail/a", "pids:/dmjail/a"));
        prepared.put("filesystem", List.of());
        for (DomainRecord r : List.of(sample("café ☃", 4242, plan, prepared), sample("plain", null, null, null),
                sample("empty", 1, JACKSON.createObjectNode(), Map.of()))) {
            StateStore store = new StateStore(dir.resolve("run"), dir.resolve("log"));
            store.write(r);
            byte[] bytes = Files.readAllBytes(store.paths(r).stateFile());
            DomainRecord byJackson = JACKSON.readValue(bytes, DomainRecord.class);
            assertEquals(byJackson, StateFileReader.read(bytes), r.name());
            if (r.plan() != null) { // Jackson reads a null plan back as a NullNode, and so does the reader
                assertEquals(r, store.readKey(r.key()).orElseThrow(), r.name());
            }
        }
    }

    @Test
    void missingFieldsAreNullOrZeroAsWithJackson() throws IOException {
        byte[] bytes = "{\"name\": \"old\", \"domid\": 3, \"state\": \"CREATING\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(JACKSON.readValue(bytes, DomainRecord.class), StateFileReader.read(bytes));
    }

    @Test
    void refusesWhatJacksonRefuses() {
        for (String bad : List.of("{\"name\": \"a\", \"colour\": \"red\"}", "{\"domid\": \"one\"}", "{\"state\": \"FLYING\"}",
                "{\"domid\": 99999999999}", "[]", "{\"prepared\": {\"cgroup\": \"x\"}}", "{\"name\": \"a\"")) {
            byte[] bytes = bad.getBytes(StandardCharsets.UTF_8);
            assertThrows(IOException.class, () -> JACKSON.readValue(bytes, DomainRecord.class), bad);
            IOException e = assertThrows(IOException.class, () -> StateFileReader.read(bytes), bad);
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), bad);
        }
    }

    @Test
    void aBadStateFileIsNamedInTheError(@TempDir Path dir) throws IOException {
        StateStore store = new StateStore(dir.resolve("run"), dir.resolve("log"));
        DomainRecord r = sample("a", null, null, null);
        store.write(r);
        Files.writeString(store.paths(r).stateFile(), "{\"name\": \"a\", \"colour\": 1}");
        IOException e = assertThrows(IOException.class, () -> store.readKey(r.key()));
        assertTrue(e.getMessage().contains(store.paths(r).stateFile().toString()) && e.getMessage().contains("colour"),
                e.getMessage());
    }
}
