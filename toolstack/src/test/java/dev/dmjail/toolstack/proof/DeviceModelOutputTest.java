package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, the compromised device model: what it writes to its log reaches the admin only escaped
 * and bounded. A fake device model (started through device_model_override) writes terminal escape
 * sequences (OSC 52 clipboard write, title report, clear screen) and a long line without a newline
 * into its log, then exits during start-up; create's one-line error quotes the log's tail.
 */
class DeviceModelOutputTest {

    @TempDir
    Path tmp;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    @Test
    void createQuotesTheLogTailEscapedAndBounded() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        Path src = tmp.resolve("noisy.c");
        Files.writeString(src, """
                #include <stdio.h>
                #include <string.h>
                int main(void) {
                    printf("starting\\n\\033]52;c;ZXZpbA==\\007\\033[21t\\033[2J owned\\n");
                    static char big[200000];
                    memset(big, 'A', sizeof big - 1);
                    fputs(big, stdout);
                    printf("\\nlast words \\033]0;title\\007\\n");
                    fflush(stdout);
                    return 3;
                }
                """);
        Path bin = tmp.resolve("noisy");
        Process gcc = new ProcessBuilder("gcc", "-O", "-o", bin.toString(), src.toString()).inheritIO().start();
        assertTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0);
        Path cfg = host.domain("noisy.cfg", "name = \"pf-noisy\"", "type = \"hvm\"", "dm_restrict = 1",
                "device_model_override = \"" + bin + "\"");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        String err = r.err();
        assertFalse(err.chars().anyMatch(c -> c == 0x1b || c == 0x07), "a raw escape reached the terminal: " + err);
        assertTrue(err.contains("last words \\x1b]0;title\\x07"), err);
        assertTrue(err.length() < 4096, "the quoted tail is bounded: " + err.length() + " chars");
        assertEquals(1, err.lines().filter(l -> !l.startsWith("dmjail: WARN")).count(), err);
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-noisy", null));
    }
}
