package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.layer.FdEnvBoundedOutput;
import dev.dmjail.toolstack.proof.ProofSupport;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serial console end to end, real QEMU under TCG: the guest's first serial line is a root-only
 * listening socket with QEMU's logfile tee onto the bounded console file. `dmjail console NAME` runs
 * as its own JVM here (stdin a pipe, stdout not a terminal), as a script would run it.
 * <ul>
 * <li>echo-guest.img (src/test/guest/echo.S) echoes what arrives on COM1: a line sent through
 *     `dmjail console` comes back on its stdout and is in the log; a second session is refused with
 *     one line while the first is attached, and accepted after it ended;</li>
 * <li>flood-guest.img (src/test/guest/flood.S) prints 3,000,000 bytes of numbered lines: the log
 *     keeps the first 2 MiB exactly, in order, and both `console -r` and destroy's kept copy say
 *     where it was truncated; QEMU is unharmed (the audit passes after the flood).</li>
 * </ul>
 * On a real pty the session is raw, filtered, ends on Ctrl-] or SIGTERM and restores the terminal.
 * All: audit PASS (its fds-env check finds the serial socket listening on its planned path), and
 * nothing left after destroy.
 */
class SerialConsoleTest {

    static final Path GUEST_DIR = ProofSupport.GUEST.getParent();

    @TempDir
    Path tmp;
    TestHost host;
    final List<String> created = new ArrayList<>();
    final List<Process> sessions = new ArrayList<>();

    @BeforeAll
    static void rangeProvisioned() {
        RangeUsers.ensureInstalled();
    }

    @AfterEach
    void cleanUp() {
        sessions.forEach(Process::destroyForcibly);
        created.forEach(n -> host.run("destroy", n));
    }

    @Test
    void aLineSentThroughTheConsoleComesBackAndOneSessionAtATime() throws Exception {
        host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg");
        String name = "co-echo";
        create(name, "echo-guest.img");
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).pathsOfKey(name);
        // logged with no client connected
        waitFor(() -> consoleLog(name).contains("echo-guest: ready"), 60, "the guest's ready line in the log");
        Map<String, Object> sock = Files.readAttributes(paths.serialSocket(), "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0140600, (int) sock.get("mode"), "a socket, 0600");
        assertEquals(0, sock.get("uid"), "owned by root");

        Session first = session(name);
        first.send("first line through dmjail console\n");
        waitFor(() -> first.out().contains("first line through dmjail console"), 30, "the echo of the first line: " + first);

        auditPassesWithTheSocket(name, paths); // QEMU keeps its listener while a client is attached

        Session second = session(name);
        assertTrue(second.process.waitFor(30, TimeUnit.SECONDS), "the second session ends at once");
        assertEquals(ExitCodes.FAILED, second.process.exitValue(), second.toString());
        assertTrue(second.err().contains("another console session is attached"), second.toString());
        assertEquals(1, second.err().strip().lines().count(), "one line: " + second);
        assertEquals("", second.out());

        first.endInput(); // stdin ends: it lingers 1 s after the guest's last byte and exits
        assertTrue(first.process.waitFor(30, TimeUnit.SECONDS), first.toString());
        assertEquals(0, first.process.exitValue(), first.toString());

        Session third = session(name);
        third.send("second line, after the first session ended\n");
        third.endInput();
        assertTrue(third.process.waitFor(30, TimeUnit.SECONDS), third.toString());
        assertEquals(0, third.process.exitValue(), third.toString());
        assertTrue(third.out().contains("second line, after the first session ended"), third.toString());

        String log = consoleLog(name);
        assertTrue(log.contains("first line through dmjail console") && log.contains("second line, after"), log);
        auditPassesWithTheSocket(name, paths);
        destroyLeavesNothing(name);
        assertTrue(Files.readString(host.logDir.resolve(name + ".console")).contains("second line, after"),
                "the kept copy has the session's echo");
    }

    /**
     * On a terminal (a real pty from script(1)): raw, so the typed line shows once (the guest's echo,
     * no local echo); what the guest sends back passes the terminal-safety filter (an OSC title
     * sequence does not reach the terminal); Ctrl-] ends the session with exit 0 and the terminal's
     * settings are as before. A session ended by SIGTERM restores them too.
     */
    @Test
    void aTerminalSessionIsRawFilteredEndsOnCtrlBracketAndRestoresTheTerminal() throws Exception {
        host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg");
        String name = "co-tty";
        create(name, "echo-guest.img");
        waitFor(() -> consoleLog(name).contains("echo-guest: ready"), 60, "the guest's ready line in the log");

        Session t = terminalSession(name, "ctrl");
        waitFor(() -> t.out().contains("Ctrl-] ends the session"), 30, "the session to attach: " + t);
        t.send("typed line\r");
        waitFor(() -> t.out().contains("typed line"), 30, "the echo: " + t);
        t.send("\033]0;pwned-title\007after the title\r");
        waitFor(() -> t.out().contains("after the title"), 30, "the second echo: " + t);
        t.send("\035"); // Ctrl-]
        assertTrue(t.process.waitFor(30, TimeUnit.SECONDS), t.toString());
        String out = t.out();
        assertTrue(out.contains("rc=0"), "Ctrl-] ends it, exit 0: " + out);
        assertEquals(1, out.split("typed line", -1).length - 1, "no local echo (raw -echo): " + out);
        assertTrue(!out.contains("\033]") && !out.contains("pwned-title"), "the OSC sequence was dropped: " + out);
        assertTrue(consoleLog(name).contains("\033]0;pwned-title\007after the title"), "the log keeps the guest's bytes");
        assertTerminalRestored("ctrl");

        Session k = terminalSession(name, "term");
        waitFor(() -> k.out().contains("Ctrl-] ends the session"), 30, "the second session to attach: " + k);
        ProcessHandle jvm = k.process.descendants().filter(h -> h.info().command().orElse("").endsWith("/java"))
                .findFirst().orElseThrow();
        new ProcessBuilder("kill", "-TERM", Long.toString(jvm.pid())).start().waitFor();
        assertTrue(k.process.waitFor(30, TimeUnit.SECONDS), k.toString());
        assertTrue(k.out().contains("rc=143"), "ended by SIGTERM: " + k);
        assertTerminalRestored("term");

        auditPassesWithTheSocket(name, new StateStore(host.stateDir, host.logDir).pathsOfKey(name));
        destroyLeavesNothing(name);
    }

    private void assertTerminalRestored(String tag) throws IOException {
        String before = Files.readString(tmp.resolve(tag + ".before")).strip();
        String after = Files.readString(tmp.resolve(tag + ".after")).strip();
        assertTrue(before.matches("[0-9a-f:]+"), before);
        assertEquals(before, after, tag + ": the terminal's settings after the session");
    }

    @Test
    void aFloodKeepsTheFirstTwoMiBAndSaysWhereItWasTruncated() throws Exception {
        host = new TestHost(ProofSupport.openDir(tmp), "accel = tcg");
        String name = "co-flood";
        create(name, "flood-guest.img");
        DomainPaths paths = new StateStore(host.stateDir, host.logDir).pathsOfKey(name);
        waitFor(() -> FdEnvBoundedOutput.full(paths.liveConsole()), 180, "the console tmpfs to fill");
        long bound = 2048 * 1024;
        CliRun r = host.run("console", "-r", name);
        assertEquals(0, r.exit(), r.err());
        assertEquals(bound, r.out().length(), "the default console_max_kib (2048) is kept whole");
        assertTrue(r.err().contains("truncated at " + bound + " bytes"), r.err());
        numberedFromZero(r.out());
        auditPassesWithTheSocket(name, paths); // the device model goes on after ENOSPC

        destroyLeavesNothing(name);
        String kept = Files.readString(host.logDir.resolve(name + ".console"));
        String note = "\n" + FdEnvBoundedOutput.truncationNote(bound) + "\n";
        assertTrue(kept.endsWith(note), kept.substring(Math.max(0, kept.length() - 300)));
        assertEquals(bound, kept.length() - note.length());
        numberedFromZero(kept.substring(0, (int) bound));
        CliRun after = host.run("console", "-r", name);
        assertTrue(after.out().endsWith(note), "console -r after destroy ends with the note");
    }

    /** Lines "flood 0000000", "flood 0000001", ... with nothing missing: the first bytes, in order. */
    private static void numberedFromZero(String text) {
        String[] lines = text.split("\r\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            assertEquals(String.format("flood %07d", i), lines[i], "line " + i);
        }
        assertTrue(lines.length > 130_000, lines.length + " lines");
    }

    private void create(String name, String image) throws IOException {
        Path img = tmp.resolve(name + ".img");
        Files.copy(GUEST_DIR.resolve(image), img);
        Files.setPosixFilePermissions(img, PosixFilePermissions.fromString("rw-r-----"));
        Path cfg = host.domain(name + ".cfg", "name = \"" + name + "\"", "type = \"hvm\"", "memory = 32", "vcpus = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]", "serial = \"pty\"",
                "vnc = 0", "boot = \"c\"", "dm_restrict = 1");
        created.add(name);
        CliRun r = host.run("create", cfg.toString());
        assertEquals(0, r.exit(), r.err());
    }

    private String consoleLog(String name) {
        return host.run("console", "-r", name).out();
    }

    private void auditPassesWithTheSocket(String name, DomainPaths paths) {
        CliRun a = host.run("audit", "--json", name);
        assertEquals(0, a.exit(), a.out() + a.err());
        assertTrue(a.out().contains("listening on " + paths.serialSocket()), "fds-env checks the serial socket: " + a.out());
        assertTrue(a.out().contains("listening on " + paths.qmpSocket()), a.out());
    }

    private void destroyLeavesNothing(String name) throws IOException {
        CliRun d = host.run("destroy", name);
        assertEquals(0, d.exit(), d.err());
        created.remove(name);
        assertEquals(List.of(), ProofSupport.leftovers(host, name, null));
    }

    private static void waitFor(BooleanSupplier done, int seconds, String what) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for " + what);
            Thread.sleep(200);
        }
    }

    /** `dmjail console NAME` in a JVM of its own, stdin and stdout pipes. */
    private Session session(String name) throws IOException {
        Process p = new ProcessBuilder(consoleCommand(name)).start();
        sessions.add(p);
        return new Session(p);
    }

    /**
     * `dmjail console NAME` on a pty: script(1) runs it in a shell that saves the terminal's
     * settings before (TAG.before) and after (TAG.after) and prints its exit status.
     */
    private Session terminalSession(String name, String tag) throws IOException {
        String cmd = "stty -g > " + tmp.resolve(tag + ".before") + "; " + String.join(" ", consoleCommand(name))
                + "; echo rc=$?; stty -g > " + tmp.resolve(tag + ".after");
        Process p = new ProcessBuilder("script", "-qec", cmd, "/dev/null").start();
        sessions.add(p);
        return new Session(p);
    }

    private List<String> consoleCommand(String name) {
        return dev.dmjail.toolstack.proof.SubprocessCli.command(host, "console", name);
    }

    static final class Session {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final StringBuffer err = new StringBuffer();
        private final OutputStream in;

        Session(Process p) {
            this.process = p;
            this.in = p.getOutputStream();
            drain(p.getInputStream(), out);
            drain(p.getErrorStream(), err);
        }

        private static void drain(InputStream s, StringBuffer to) {
            Thread t = new Thread(() -> {
                byte[] b = new byte[8192];
                try {
                    for (int n; (n = s.read(b)) > 0; ) {
                        to.append(new String(b, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // process gone
                }
            });
            t.setDaemon(true);
            t.start();
        }

        void send(String s) throws IOException {
            in.write(s.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        void endInput() throws IOException {
            in.close();
        }

        String out() { return out.toString(); }

        String err() { return err.toString(); }

        @Override
        public String toString() {
            return "[out: " + out + "] [err: " + err + "]";
        }
    }
}
