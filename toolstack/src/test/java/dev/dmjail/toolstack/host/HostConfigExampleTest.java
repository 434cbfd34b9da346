package dev.dmjail.toolstack.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/dmjail.conf.example is installed as /etc/dmjail/dmjail.conf by the Debian package: it must
 * set every key the loader knows, each at its built-in default, so installing it changes nothing.
 */
class HostConfigExampleTest {

    static final Path EXAMPLE = Path.of(System.getProperty("dmjail.examples", "../examples"))
            .resolveSibling("docs").resolve("dmjail.conf.example");

    @Test
    void exampleLoadsAsTheDefaults() throws Exception {
        assertTrue(Files.isRegularFile(EXAMPLE), EXAMPLE.toAbsolutePath().toString());
        assertEquals(HostPolicy.defaults(), HostConfigLoader.load(EXAMPLE, true));
    }

    @Test
    void exampleSetsEveryKey() throws Exception {
        // Every key HostConfigLoader reads appears in the loader's source as v.TYPE("key", ...).
        Path loader = Path.of("src/main/java/dev/dmjail/toolstack/host/HostConfigLoader.java");
        Matcher m = Pattern.compile("v\\.\\w+\\(\"([a-z0-9_]+)\"").matcher(Files.readString(loader));
        Set<String> known = new LinkedHashSet<>();
        while (m.find()) {
            known.add(m.group(1));
        }
        assertEquals(HostPolicy.class.getRecordComponents().length, known.size(), "one key per HostPolicy field");
        Set<String> set = new LinkedHashSet<>();
        for (String line : Files.readAllLines(EXAMPLE)) {
            Matcher k = Pattern.compile("^([a-z0-9_]+)\\s*=").matcher(line);
            if (k.find()) {
                set.add(k.group(1));
            }
        }
        assertEquals(known, set, "keys of docs/dmjail.conf.example, in the loader's order");
    }
}
