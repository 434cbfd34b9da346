package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.SpecWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real launcher (the native binary the build made, target/bin/dm-launcher) and cleans up after it. The test JVM makes itself a child
 * subreaper, so a device model orphaned by the (exited) launcher is re-parented to it and can be
 * reaped here: this VM's pid 1 does not reap orphans.
 */
final class Harness {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path TARGET = Path.of(System.getProperty("user.dir")).resolve("target").toAbsolutePath();
    /** The native launcher the module's build makes (antrun: make -C src/main/c). */
    static final Path BINARY = TARGET.resolve("bin/dm-launcher");

    record Result(int exit, String stdout, String stderr, JsonNode json, long millis) {}

    private Harness() {}

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static void becomeSubreaper() {
        assertEquals(0, TestLibC.C.prctl(TestLibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    }

    static Result launch(LaunchSpec spec, String... args) throws Exception {
        return launch(SpecWriter.write(spec), args); // what the toolstack writes
    }

    /** @param args the launcher's own ({@code --dry-run}, {@code --validate}) */
    static Result launch(byte[] specJson, String... args) throws Exception {
        // exactly the toolstack's command line
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString()));
        cmd.addAll(List.of(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().write(specJson);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher did not exit");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String so = new String(out, StandardCharsets.UTF_8), se = new String(err, StandardCharsets.UTF_8);
        JsonNode json = so.isBlank() ? null : JSON.readTree(so);
        return new Result(p.exitValue(), so, se, json, ms);
    }

    /** SIGKILL and reap (the process is our child once the launcher exited: we are its subreaper). */
    static void killAndReap(int pid) throws InterruptedException {
        if (pid <= 0) return;
        TestLibC.C.kill(pid, TestLibC.SIGKILL);
        for (int i = 0; i < 500; i++) {
            int r = TestLibC.C.waitpid(pid, new int[1], TestLibC.WNOHANG);
            if (r == pid || r < 0) return;
            Thread.sleep(10);
        }
        throw new AssertionError("could not reap " + pid);
    }

    /**
     * Waits for our child {@code pid} to exit and reaps it; returns the raw wait status. Fails if it
     * is not our child or does not exit in time (the caller still kills it in its finally).
     */
    static int waitExit(int pid, long timeoutMillis) throws InterruptedException {
        int[] status = new int[1];
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        while (System.nanoTime() < end) {
            int r = TestLibC.C.waitpid(pid, status, TestLibC.WNOHANG);
            if (r == pid) return status[0];
            if (r < 0) throw new AssertionError("waitpid(" + pid + ") failed: not our child?");
            Thread.sleep(10);
        }
        throw new AssertionError(pid + " did not exit within " + timeoutMillis + " ms");
    }

    /** Pids whose parent is this JVM (after the launcher exited, only what it left behind). */
    static List<Integer> children() throws IOException {
        int self = TestLibC.C.getpid();
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) continue;
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Integer.parseInt(f[1]) == self) out.add(Integer.parseInt(n));
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return out;
    }

    /** Live (not zombie) processes of a uid anywhere on the host. */
    static List<Integer> processesOf(int uid) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) continue;
                try {
                    boolean zombie = false;
                    for (String l : Files.readAllLines(p.resolve("status"))) {
                        if (l.startsWith("State:") && l.contains("Z")) zombie = true;
                        if (l.startsWith("Uid:") && Integer.parseInt(l.split("\\s+")[1]) == uid && !zombie) {
                            out.add(Integer.parseInt(n));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone
                }
            }
        }
        return out;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** Compiles src/test/c/probe.c once into target/it/probe (dynamically or statically linked). */
    static synchronized Path probe(boolean statically) throws Exception {
        Path out = TARGET.resolve("it").resolve(statically ? "probe-static" : "probe");
        Path src = TARGET.getParent().resolve("src/test/c/probe.c");
        if (Files.exists(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(src)) > 0) {
            return out.toRealPath();
        }
        Files.createDirectories(out.getParent());
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-o", out.toString(), src.toString()));
        if (statically) cmd.add(2, "-static");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "gcc: " + log);
        return out.toRealPath();
    }
}
