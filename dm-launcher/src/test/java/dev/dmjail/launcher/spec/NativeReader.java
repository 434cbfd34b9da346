package dev.dmjail.launcher.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The same spec through the native launcher's reader and rules ({@code dm-launcher --validate}: no
 * host access), so every case of the Java rules is also a case of the binary the toolstack runs.
 */
final class NativeReader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The binary the module's build makes (antrun: make -C src/main/c). */
    static final Path BINARY = Path.of(System.getProperty("user.dir")).resolve("target/bin/dm-launcher").toAbsolutePath();

    private NativeReader() {}

    /** The launcher's one-line answer, after checking its exit status matches it. */
    static JsonNode validate(byte[] spec) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--validate"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().write(spec);
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "dm-launcher --validate did not exit");
        JsonNode v = JSON.readTree(out);
        assertEquals(v.path("ok").asBoolean() ? 0 : 1, p.exitValue(), out);
        assertEquals(1, out.strip().lines().count(), out);
        return v;
    }

    /** The section column of {@code dm-launcher --steps}, in order. */
    static List<String> stepSections() throws Exception {
        Process p = new ProcessBuilder(BINARY.toString(), "--steps").start();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .map(l -> l.split(" ")[1]).toList();
        assertEquals(0, p.waitFor());
        return out;
    }

    static void accepts(byte[] spec) throws Exception {
        JsonNode v = validate(spec);
        assertTrue(v.path("ok").asBoolean(), new String(spec, StandardCharsets.UTF_8) + " -> " + v);
    }

    /** Refused by the named step (section) with this errno and a message holding {@code words}. */
    static void refuses(byte[] spec, String step, int errno, String words) throws Exception {
        JsonNode v = validate(spec);
        String what = new String(spec, StandardCharsets.UTF_8) + " -> " + v;
        assertEquals(false, v.path("ok").asBoolean(), what);
        assertEquals(step, v.path("step").asText(), what);
        assertEquals(errno, v.path("errno").asInt(), what);
        assertTrue(v.path("message").asText().contains(words), what);
    }
}
