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

    /** A fake device model: C source compiled into the test dir, started through device_model_override. */
    private Path fakeDeviceModel(String name, String source) throws Exception {
        Path src = tmp.resolve(name + ".c");
        Files.writeString(src, source);
        Path bin = tmp.resolve(name);
        Process gcc = new ProcessBuilder("gcc", "-O", "-o", bin.toString(), src.toString()).inheritIO().start();
        assertTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc " + src);
        return bin;
    }

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    /**
     * Class 4: the log and console fds cannot fill the host's disk. The fake device model gets a
     * 64 MiB sparse writable disk (which raises its RLIMIT_FSIZE to 64 MiB), fallocates 512 and 32 MiB
     * past EOF on its log and console fds (FALLOC_FL_KEEP_SIZE: on ext4 RLIMIT_FSIZE never applies)
     * and writes 8 MiB to each. Both stay within their bounded tmpfs; the host's log dir gets at most that.
     */
    @Test
    void logAndConsoleCannotReachTheHostDisk() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        Path bin = fakeDeviceModel("filler", """
                #define _GNU_SOURCE
                #include <errno.h>
                #include <fcntl.h>
                #include <stdio.h>
                #include <stdlib.h>
                #include <string.h>
                #include <unistd.h>
                static void fill(const char *what, int fd) {
                    for (long mib = 512; mib >= 32; mib /= 16) { /* past RLIMIT_FSIZE (64 MiB), then within it */
                        int rc = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, mib << 20);
                        dprintf(2, "FILLER %s fallocate %ld MiB %s\\n", what, mib, rc == 0 ? "OK" : strerrorname_np(errno));
                    }
                    static char buf[65536];
                    memset(buf, 'x', sizeof buf);
                    long done = 0;
                    for (int i = 0; i < 128; i++) { if (write(fd, buf, sizeof buf) > 0) done += sizeof buf; else break; }
                    dprintf(2, "FILLER %s wrote %ld KiB (%s)\\n", what, done / 1024, strerrorname_np(errno));
                }
                int main(int argc, char **argv) {
                    int console = -1;
                    for (int i = 1; i + 1 < argc; i++)
                        if (!strcmp(argv[i], "-add-fd") && strstr(argv[i + 1], "opaque=console")) console = atoi(argv[i + 1] + 3);
                    fill("console", console);
                    fill("log", 1);
                    return 3;
                }
                """);
        Path disk = tmp.resolve("sparse.img");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength(64L << 20);
        }
        Path cfg = host.domain("filler.cfg", "name = \"pf-filler\"", "type = \"hvm\"", "dm_restrict = 1", "serial = \"pty\"",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + disk + "\" ]",
                "device_model_override = \"" + bin + "\"");
        long freeBefore = Files.getFileStore(host.dir).getUsableSpace();
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        String log = Files.readString(host.logDir.resolve("pf-filler.log"));
        // tmpfs checks RLIMIT_FSIZE even with KEEP_SIZE (shmem_fallocate: EFBIG past it); within the
        // limit its size= refuses (ENOSPC) what ext4 would have reserved on the host's disk
        for (String what : List.of("console", "log")) {
            assertTrue(log.contains("FILLER " + what + " fallocate 32 MiB ENOSPC"), log);
            assertTrue(!log.contains("FILLER " + what + " fallocate 512 MiB OK"), log);
        }
        // (each kept copy of a full tmpfs ends with a one-line truncation note)
        assertTrue(Files.size(host.logDir.resolve("pf-filler.log")) <= 256 * 1024 + 256, "log kept bounded");
        assertTrue(Files.size(host.logDir.resolve("pf-filler.console")) <= 2048 * 1024 + 256, "console kept bounded");
        long freeAfter = Files.getFileStore(host.dir).getUsableSpace();
        assertTrue(freeBefore - freeAfter < 16L << 20, "the host filesystem lost " + (freeBefore - freeAfter) + " bytes");
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-filler", null));
    }

    /** Class 6: what the device model says on QMP is read with a bound too (a greeting that never ends). */
    @Test
    void anEndlessQmpLineIsCutOffNotBuffered() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp), "qmp_timeout_ms = 3000");
        Path bin = fakeDeviceModel("chatty", """
                #include <string.h>
                #include <sys/socket.h>
                #include <unistd.h>
                int main(void) {
                    static char buf[65536];
                    memset(buf, 'A', sizeof buf);
                    for (;;) {
                        int c = accept(3, 0, 0);
                        if (c < 0) continue;
                        (void)!write(c, "{\\"QMP\\": \\"", 9);
                        while (write(c, buf, sizeof buf) > 0) {}
                        close(c);
                    }
                }
                """);
        Path cfg = host.domain("chatty.cfg", "name = \"pf-chatty\"", "type = \"hvm\"", "dm_restrict = 1",
                "device_model_override = \"" + bin + "\"");
        CliRun r = host.run("create", cfg.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r.out());
        // unbounded, this in-process toolstack would have buffered gigabytes in 3 s of a local socket;
        // the last attempt's reason may be the cut-off or a reconnect the device model never greets
        assertTrue(r.err().contains("did not answer QMP within 3000 ms"), r.err());
        assertTrue(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory() < 512L << 20, "heap in use");
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-chatty", null));
    }

    @Test
    void createQuotesTheLogTailEscapedAndBounded() throws Exception {
        TestHost host = new TestHost(ProofSupport.openDir(tmp));
        Path bin = fakeDeviceModel("noisy", """
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
