package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher as the toolstack starts it from the built module (the native binary in target/bin):
 * run by failsafe after the package phase, so it exists and nothing is skipped.
 */
class PackagedLauncherIT {

    @Test
    void packagedCommandLineAnswersOneCleanLine() throws Exception {
        assertTrue(Files.isExecutable(Harness.BINARY), "failsafe runs after the package phase");
        List<String> cmd = new java.util.ArrayList<>(List.of(Harness.BINARY.toString()));
        cmd.add("--dry-run");
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().write("{\"exec\":{\"path\":\"/bin/true\",\"argv\":[\"true\"]}}".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), err);
        assertEquals("{\"ok\":true,\"pid\":0,\"dryRun\":true}\n", out, "stdout carries only the answer; stderr: " + err);
    }
}
