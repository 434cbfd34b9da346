package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.launcher.spec.LaunchSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the dm-launcher as its own process (a second, small JVM: the toolstack never forks and
 * runs Java code in the child), hands it the spec on stdin and reads its one-line verdict.
 * The launcher's classpath holds only dm-launcher and its few libraries
 * ({@code dmjail.launcher.classpath}, set by bin/dmjail), and it starts from a class-data-sharing
 * archive when the build made one ({@code dmjail.launcher.cds}).
 */
public final class LauncherClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The launcher's verdict: the device model's host pid, or the failed step. */
    public record Result(boolean ok, int pid, String step, String message, String stderr) {}

    public static List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cds = System.getProperty("dmjail.launcher.cds");
        if (cds != null && Files.isReadable(Path.of(cds))) {
            cmd.add("-XX:SharedArchiveFile=" + cds);
            cmd.add("-Xshare:auto");
        }
        // A short-lived process: the interpreter plus C1 and a small serial heap start fastest.
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx64m");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-cp");
        cmd.add(System.getProperty("dmjail.launcher.classpath", System.getProperty("java.class.path")));
        cmd.add("dev.dmjail.launcher.LauncherMain");
        return cmd;
    }

    public static Result launch(LaunchSpec spec, long timeoutMillis) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            JSON.writeValue(in, spec);
        }
        byte[][] out = new byte[2][];
        Thread errReader = new Thread(() -> out[1] = readAll(p.getErrorStream()), "launcher-stderr");
        errReader.start();
        out[0] = readAll(p.getInputStream());
        try {
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("dm-launcher did not finish within " + timeoutMillis + " ms");
            }
            errReader.join(1000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for dm-launcher");
        }
        String stdout = new String(out[0], StandardCharsets.UTF_8).trim();
        String stderr = out[1] == null ? "" : new String(out[1], StandardCharsets.UTF_8).trim();
        JsonNode v;
        try {
            String last = stdout.isEmpty() ? "{}" : stdout.substring(stdout.lastIndexOf('\n') + 1);
            v = JSON.readTree(last);
        } catch (IOException e) {
            return new Result(false, 0, "protocol", "unreadable launcher output: " + stdout, stderr);
        }
        if (v.path("ok").asBoolean(false)) {
            return new Result(true, v.path("pid").asInt(), null, null, stderr);
        }
        return new Result(false, 0, v.path("step").asText("launcher"),
                v.has("message") ? v.path("message").asText() : "exit " + p.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr),
                stderr);
    }

    private static byte[] readAll(InputStream s) {
        try {
            return s.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
