package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code create -n} on the parity corpus (config/src/test/resources/xl-corpus, each checked against the real
 * xl by XlParityTest): every config xl accepts ({@code ok-*}, {@code warn-*}) is a dry run with exit 0 — what
 * this host lacks is in {@code plan.problems}, not in the exit status — and every config xl refuses
 * ({@code bad-*}) exits 2. The few exceptions are dmjail's own refusals, each with its reason.
 */
class DryRunCorpusTest {

    static final Path CORPUS = Path.of("../config/src/test/resources/xl-corpus");
    static final ObjectMapper JSON = new ObjectMapper();

    /** Configs xl accepts that dmjail's dry run refuses on purpose, and why. */
    static final Map<String, String> REFUSED_ON_PURPOSE = Map.of(
            "ok-unknown-keys.cfg", "dmjail_landlock: dmjail's own switch with a value other than 0/1",
            "ok-zeroes.cfg", "memory: 0 MiB is outside QEMU's range, refused before any size arithmetic");

    @TempDir
    static Path tmp;

    @BeforeAll
    static void rangeProvisioned() throws Exception {
        RangeUsers.ensureInstalled();
    }

    @TestFactory
    Stream<DynamicTest> everyConfigXlAcceptsIsADryRunWithExitZero() throws IOException {
        TestHost host = new TestHost(tmp);
        List<Path> configs;
        try (Stream<Path> s = Files.list(CORPUS)) {
            configs = s.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
        assertTrue(configs.size() >= 100, "the corpus is there: " + configs.size());
        return configs.stream().map(cfg -> DynamicTest.dynamicTest(cfg.getFileName().toString(), () -> {
            String name = cfg.getFileName().toString();
            List<String> args = new ArrayList<>(List.of("create", "-n", cfg.toString()));
            Path overrides = cfg.resolveSibling(name.replaceFirst("\\.cfg$", ".args"));
            if (Files.exists(overrides)) {
                Files.readAllLines(overrides, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).forEach(args::add);
            }
            CliRun r = host.run(args.toArray(String[]::new));
            if (name.startsWith("bad-") || REFUSED_ON_PURPOSE.containsKey(name)) {
                assertEquals(ExitCodes.BAD_CONFIG, r.exit(), "refused: " + r.out());
                assertEquals(1, r.err().strip().lines().count(), r.err());
                if (REFUSED_ON_PURPOSE.containsKey(name)) {
                    String key = REFUSED_ON_PURPOSE.get(name).substring(0, REFUSED_ON_PURPOSE.get(name).indexOf(':'));
                    assertTrue(r.err().contains(": " + key + ": "), r.err());
                }
                return;
            }
            assertEquals(0, r.exit(), "xl accepts " + name + "; the dry run said: " + r.err());
            JsonNode plan = JSON.readTree(r.out()).get("plan");
            assertTrue(plan.get("problems").isArray(), r.out());
            if (name.startsWith("warn-")) {
                // the value xl dropped is a problem: create would not run the guest without it
                assertTrue(plan.get("problems").toString().contains("xl ignores this setting"), plan.get("problems").toString());
            }
            assertFalse(Files.exists(host.stateDir), "a dry run made the state dir");
        }));
    }
}
