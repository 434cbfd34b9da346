package dev.dmjail.toolstack.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Learns a QEMU binary's {@link QemuFacts} by running {@code BINARY -help} once per binary identity
 * (device, inode, size, mtime, ctime: a replaced or rebuilt binary is probed again), as libxl 4.20
 * probes its QEMU before building the argv. The answer is kept in memory for the command and in the
 * state dir ({@link QemuProbeCache}) for the next ones.
 *
 * <p>The binary may be a tenant's {@code device_model_override}: run as root, the probe would be the
 * tenant's code as root. So, as root, it runs as nobody through util-linux's {@code setpriv} (no groups,
 * no capabilities, no_new_privs), with an empty environment, stdin /dev/null, a deadline and a bound on
 * what it may print; the answer is only read for the option lines, never printed.
 */
public final class QemuProbe {

    static final long DEADLINE_MS = 10_000;
    static final int MAX_OUTPUT = 1 << 20;
    private static final int NOBODY = 65534;

    private static final Map<String, QemuFacts> CACHE = new ConcurrentHashMap<>();

    private QemuProbe() {}

    /** The facts of {@code binary}, probed once per identity in this process; an exception says why they cannot be known. */
    public static QemuFacts of(Path binary) throws IOException {
        return of(binary, null);
    }

    /**
     * As {@link #of(Path)}, and kept across commands in {@code stateDir} ({@link QemuProbeCache}) when that is
     * not null: a binary whose identity is recorded there is not run again.
     */
    public static QemuFacts of(Path binary, Path stateDir) throws IOException {
        String identity = identity(binary);
        QemuFacts known = CACHE.get(identity);
        if (known != null) {
            return known;
        }
        QemuProbeCache disk = stateDir == null ? null : new QemuProbeCache(stateDir);
        known = disk == null ? null : disk.lookup(identity);
        if (known != null) {
            CACHE.put(identity, known);
            return known;
        }
        QemuFacts facts = QemuFacts.fromHelp(run(binary));
        if (!identity(binary).equals(identity)) {
            // replaced while it ran (the path may be a tenant's): what answered is not what the identity names
            throw new IOException(binary + " changed while it was probed");
        }
        if (facts.version() == null) {
            throw new IOException(binary + " -help did not print \"QEMU emulator version\": not a QEMU system emulator");
        }
        CACHE.put(identity, facts);
        if (disk != null) {
            disk.store(identity, facts);
        }
        return facts;
    }

    /** Forgets what this process probed (a test's way to start the next command afresh). */
    static void forgetInMemory() {
        CACHE.clear();
    }

    static String identity(Path binary) throws IOException {
        Map<String, Object> a = Files.readAttributes(binary, "unix:dev,ino,size,lastModifiedTime,ctime");
        return binary + "|" + a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":" + a.get("lastModifiedTime")
                + ":" + a.get("ctime");
    }

    private static String run(Path binary) throws IOException {
        List<String> cmd = new ArrayList<>();
        if ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0) { // /proc/self is owned by our euid
            cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"));
        }
        cmd.add(binary.toString());
        cmd.add("-help");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        // read on a thread of its own: a binary that keeps stdout open without writing must not outlast the deadline
        java.util.concurrent.CompletableFuture<byte[]> out = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                out.complete(in.readNBytes(MAX_OUTPUT)); // a binary that prints without end is cut off here
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        }, "qemu-probe");
        reader.setDaemon(true);
        reader.start();
        try {
            byte[] text = out.get(DEADLINE_MS, TimeUnit.MILLISECONDS);
            if (!p.waitFor(DEADLINE_MS, TimeUnit.MILLISECONDS)) {
                throw new IOException(binary + " -help did not exit within " + DEADLINE_MS / 1000 + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(binary + " -help exited " + p.exitValue());
            }
            return new String(text, StandardCharsets.UTF_8);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException(binary + " -help did not finish within " + DEADLINE_MS / 1000 + " s");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("reading " + binary + " -help: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while probing " + binary, e);
        } finally {
            p.destroyForcibly();
        }
    }
}
