package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.SpecWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts the dm-launcher as its own process (the native binary dm-launcher/src/main/c builds: the
 * toolstack never forks and runs Java code in the child), hands it the spec on stdin and reads its
 * one-line verdict.
 */
public final class LauncherClient {


    /**
     * The launcher's verdict: the device model's host pid, or the failed step.
     *
     * @param proofs what launcher steps proved at spawn, by layer name (Landlock's probe), never null */
    public record Result(boolean ok, int pid, String step, String message, String stderr, Map<String, String> proofs) {
        /** The proof of the layer's launcher step, or null. */
        public String proof(String layer) {
            return proofs.get(layer);
        }

        public Result(boolean ok, int pid, String step, String message, String stderr) {
            this(ok, pid, step, message, stderr, Map.of());
        }
    }

    /** The system property naming the launcher binary (bin/dmjail and the toolstack's tests set it). */
    public static final String PROPERTY = "dmjail.launcher";
    /** Where the Debian package installs it (packaging/pom.xml). */
    public static final String INSTALLED = "/usr/lib/dmjail/dm-launcher";

    /** The launcher's command line: the binary alone ({@value #PROPERTY}, else {@value #INSTALLED}). */
    public static List<String> command() {
        return List.of(System.getProperty(PROPERTY, INSTALLED));
    }

    /**
     * Starts a launcher that waits for its spec on stdin, so the toolstack can start it before
     * planning and overlap its exec with its own work.
     *
     * @throws DmjailException (host not ready) when the binary cannot be run: nothing was done yet
     */
    public static Started start() throws DmjailException {
        ProcessBuilder pb = new ProcessBuilder(command());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        String fault = System.getenv("DMJAIL_LAUNCHER_FAULT");
        if (fault != null) {
            pb.environment().put("DMJAIL_LAUNCHER_FAULT", fault);  // fault tests only (dm-launcher main.c)
        }
        try {
            return new Started(pb.start());
        } catch (IOException e) {
            // ProcessImpl: 'Cannot run program "P": error=2, No such file or directory'
            String why = e.getMessage() == null ? e.toString() : e.getMessage().replaceFirst("^.*error=\\d+, ", "");
            throw new DmjailException(ExitCodes.HOST_NOT_READY, "cannot run the launcher " + command().get(0) + ": " + why
                    + " (-D" + PROPERTY + " names it; the package installs it at " + INSTALLED + ")");
        }
    }

    /** A launcher waiting for its spec. */
    public static final class Started {
        private final Process p;

        private Started(Process p) { this.p = p; }

        /** Gives it the spec and waits for its one-line verdict. */
        public Result send(LaunchSpec spec, long timeoutMillis) throws IOException {
            try (OutputStream in = p.getOutputStream()) {
                in.write(SpecWriter.write(spec)); // the one wire format, read back by the launcher's spec.c
            } catch (IOException e) {
                // it died before reading its spec: its own verdict on stdout/stderr says why, better
                // than our broken pipe
                Result r = await(p, timeoutMillis);
                if (!r.ok()) {
                    return r;
                }
                throw e;
            }
            return await(p, timeoutMillis);
        }

        /** Not needed after all (create failed before the launch): it exits on the empty spec. */
        public void abandon() {
            p.destroyForcibly();
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Result await(Process p, long timeoutMillis) throws IOException {
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
            v = dev.dmjail.toolstack.text.JsonTrees.parse(last); // a tree: no ObjectMapper in a create (issue 14)
        } catch (IOException e) {
            return new Result(false, 0, "protocol", "unreadable launcher output: " + stdout, stderr);
        }
        if (v.path("ok").asBoolean(false)) {
            return new Result(true, v.path("pid").asInt(), null, null, stderr,
                    proofs(v.path("proofs")));
        }
        return new Result(false, 0, v.path("step").asText("launcher"),
                v.has("message") ? v.path("message").asText() : "exit " + p.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr),
                stderr);
    }

    /** {@code "proofs":{"landlock":"..."}} of the launcher's answer (text it wrote itself), by layer name. */
    private static Map<String, String> proofs(JsonNode n) {
        Map<String, String> out = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return out;
    }

    private static byte[] readAll(InputStream s) {
        try {
            return s.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
