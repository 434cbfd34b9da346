package dev.dmjail.toolstack.proof;

import dev.dmjail.toolstack.TestHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The dmjail CLI as its own JVM (what bin/dmjail runs, with the test classpath: during
 * {@code mvn verify} the toolstack jar is not packaged yet), for fault injection (DMJAIL_FAULT
 * halts that process) and for truly concurrent toolstacks.
 */
public final class SubprocessCli {

    public record Result(int exit, String out, String err, long millis) {}

    private SubprocessCli() {}

    public static List<String> command(TestHost host, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xshare:auto");
        for (String p : List.of(dev.dmjail.toolstack.lifecycle.LauncherClient.PROPERTY)) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add("dev.dmjail.toolstack.Main");
        cmd.addAll(host.args(args));
        return cmd;
    }

    private static String classpath;

    /**
     * The test classpath, with its directories (target/classes, target/test-classes) copied once:
     * a JVM loads classes lazily, and a rebuild of the tree while these tests run (other work in
     * the same checkout) would otherwise pull classes from under the subprocesses.
     */
    static synchronized String classpath() {
        if (classpath != null) return classpath;
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> out = new ArrayList<>();
        try {
            Path snap = java.nio.file.Files.createDirectories(Path.of("target", "proof", "cp-" + ProcessHandle.current().pid()))
                    .toAbsolutePath();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var walk = java.nio.file.Files.walk(snap)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // best effort
                }
            }));
            int i = 0;
            for (String e : cp.split(java.io.File.pathSeparator)) {
                Path p = Path.of(e);
                if (java.nio.file.Files.isDirectory(p)) {
                    Path dst = snap.resolve(Integer.toString(i++));
                    try (var walk = java.nio.file.Files.walk(p)) {
                        for (Path src : (Iterable<Path>) walk::iterator) {
                            Path t = dst.resolve(p.relativize(src).toString());
                            if (java.nio.file.Files.isDirectory(src)) java.nio.file.Files.createDirectories(t);
                            else java.nio.file.Files.copy(src, t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                    out.add(dst.toString());
                } else {
                    out.add(e);
                }
            }
        } catch (IOException e) {
            return classpath = cp;
        }
        return classpath = String.join(java.io.File.pathSeparator, out);
    }

    public static Process start(TestHost host, Map<String, String> env, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(host, args));
        pb.environment().remove("DMJAIL_FAULT");
        pb.environment().putAll(env);
        return pb.start();
    }

    public static Result run(TestHost host, Map<String, String> env, String... args) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = start(host, env, args);
        return finish(p, t0);
    }

    public static Result finish(Process p, long t0) throws InterruptedException {
        byte[][] out = new byte[2][];
        Thread e = new Thread(() -> out[1] = readAll(p, true));
        e.start();
        out[0] = readAll(p, false);
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("dmjail subprocess did not finish in 180 s");
        }
        e.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8), new String(out[1], StandardCharsets.UTF_8),
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static byte[] readAll(Process p, boolean err) {
        try {
            return (err ? p.getErrorStream() : p.getInputStream()).readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
