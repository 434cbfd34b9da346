package dev.dmjail.toolstack.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import org.junit.jupiter.api.Test;

/** The launcher binary the toolstack runs, and what it says when that binary is not there. */
class LauncherClientTest {

    @Test
    void aMissingLauncherIsOneLineOfHostNotReady() {
        String before = System.getProperty(LauncherClient.PROPERTY);
        System.setProperty(LauncherClient.PROPERTY, "/nonexistent/dm-launcher");
        try {
            DmjailException e = assertThrows(DmjailException.class, LauncherClient::start);
            assertEquals(ExitCodes.HOST_NOT_READY, e.exitCode());
            assertEquals("cannot run the launcher /nonexistent/dm-launcher: No such file or directory (-Ddmjail.launcher "
                    + "names it; the package installs it at /usr/lib/dmjail/dm-launcher)", e.getMessage());
        } finally {
            if (before == null) System.clearProperty(LauncherClient.PROPERTY);
            else System.setProperty(LauncherClient.PROPERTY, before);
        }
    }

    /** The tests' launcher is the binary dm-launcher's build made (toolstack/pom.xml), and it runs. */
    @Test
    void theBuiltLauncherListsItsSteps() throws Exception {
        Process p = new ProcessBuilder(LauncherClient.command().get(0), "--steps").start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("fds-env fds-env\n") && out.endsWith("spawn exec\n"), out);
    }
}
