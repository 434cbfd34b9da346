package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dmjail audit --all}: every domain's audit in one command (issue 14's 200-domain figure). */
class AuditAllTest {

    @TempDir
    Path tmp;
    TestHost host;
    final List<String> created = new ArrayList<>();

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @AfterEach
    void destroyLeftovers() {
        created.forEach(n -> host.run("destroy", n));
    }

    @Test
    void everyDomainIsAuditedAndTheArgumentsAreOneOrTheOther() throws Exception {
        host = new TestHost(tmp, "accel = tcg");
        CliRun none = host.run("audit", "--all");
        assertEquals(0, none.exit(), none.err());
        assertEquals("", none.out());
        assertEquals("[ ]", host.run("audit", "--all", "--json").out().trim());
        for (String n : List.of("pf-aa", "pf-ab")) {
            Path img = tmp.resolve(n + ".img");
            Files.copy(Path.of(System.getProperty("dmjail.guest.image")), img);
            Path cfg = host.domain(n + ".cfg", "name = \"" + n + "\"", "type = \"hvm\"", "memory = 32",
                    "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]", "dm_restrict = 1");
            created.add(n);
            CliRun c = host.run("create", cfg.toString());
            assertEquals(0, c.exit(), c.err());
        }
        CliRun all = host.run("audit", "--all");
        assertEquals(0, all.exit(), all.err());
        assertTrue(all.out().contains("Audit of pf-aa (") && all.out().contains("Audit of pf-ab ("), all.out());
        JsonNode j = new ObjectMapper().readTree(host.run("audit", "--all", "--json").out());
        assertEquals(2, j.size(), j.toString());
        assertTrue(j.get(0).path("verdict").asText().equals("PASS") && j.get(1).path("verdict").asText().equals("PASS"), j.toString());
        assertEquals(List.of("pf-aa", "pf-ab"), List.of(j.get(0).path("domain").asText(), j.get(1).path("domain").asText()));

        CliRun neither = host.run("audit");
        assertEquals(ExitCodes.BAD_CONFIG, neither.exit());
        assertEquals("dmjail: audit: name one domain, or --all\n", neither.err());
        assertEquals(ExitCodes.BAD_CONFIG, host.run("audit", "--all", "pf-aa").exit());
    }
}
