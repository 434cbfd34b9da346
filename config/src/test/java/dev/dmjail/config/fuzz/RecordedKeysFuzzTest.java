package dev.dmjail.config.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.LibxlJson;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.RecordedKeys;
import dev.dmjail.config.XlConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys read only to print xl's JSON (RecordedKeys, RecordedDevices, PciSpec, VsndSpec) take tenant text with
 * their own small grammars: fed random values built from those grammars' characters, as a string, a list and a
 * list of lists, for every domain type, each config is either read (and its JSON printed) or refused with a
 * ConfigException, never another exception.
 */
class RecordedKeysFuzzTest {

    @TempDir
    Path dir;

    private static final String ALPHABET = ",=:;^-*@x.0123456789abcdefABCDEF \t!+lmcehostnpu_";

    @Test
    void randomValuesAreReadOrRefusedNeverACrash() throws Exception {
        Random r = new Random(13);
        Path cfg = dir.resolve("f.cfg");
        int runs = 0;
        for (String key : RecordedKeys.KEYS) {
            for (String type : List.of("hvm", "pv", "pvh")) {
                for (int i = 0; i < 12; i++) {
                    String v1 = random(r), v2 = random(r);
                    String value = switch (i % 3) {
                        case 0 -> quote(v1);
                        case 1 -> "[ " + quote(v1) + ", " + quote(v2) + " ]";
                        default -> "[ [ " + quote(v1) + ", " + quote(v2) + " ], " + quote(v2) + " ]";
                    };
                    String text = "name = \"fz\"\ntype = \"" + type + "\"\nkernel = \"/k\"\nvcpus = 2\n" + key + " = " + value + "\n";
                    Files.writeString(cfg, text);
                    try {
                        ParsedDomain p = XlConfigLoader.load(cfg, List.of());
                        LibxlJson.render(LibxlJson.toJson(p.domain()));
                    } catch (ConfigException e) {
                        if (e.getMessage().lines().count() != 1) fail("not one line for " + text + ": " + e.getMessage());
                    } catch (RuntimeException e) {
                        throw new AssertionError("crash on:\n" + text, e);
                    }
                    runs++;
                }
            }
        }
        if (runs < 1000) fail("only " + runs + " runs");
    }

    private static String random(Random r) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(24);
        for (int i = 0; i < n; i++) sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
