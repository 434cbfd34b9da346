package dev.dmjail.launcher;

import dev.dmjail.launcher.spec.FilesystemSection;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.SpecReader;
import dev.dmjail.launcher.step.LaunchContext;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The dm-launcher process: {@code java ... dev.dmjail.launcher.LauncherMain [--dry-run] < spec.json}.
 *
 * <p>Reads one {@link LaunchSpec} as JSON from stdin, applies every layer to itself on the main
 * thread ({@link Launcher#run}) and posix_spawns the device model, which (with a pid namespace)
 * becomes pid 1 there. Prints one JSON line on stdout and exits: {@code {"ok":true,"pid":N}} and 0,
 * or {@code {"ok":false,"step":S,"errno":E,"message":M}} plus one stderr line
 * {@code dm-launcher: S: M: strerror (errno E)} and 1; nothing was spawned then.
 * {@code --dry-run} validates the spec (prepare only) and prints {@code {"ok":true,"pid":0,"dryRun":true}}.
 * {@code --cds-training} runs a built-in dry run to record the classes for the AppCDS archive
 * generated at build time ({@link CdsTraining}).
 * With {@code -Ddmjail.launcher.timing=true} it prints phase timings to stderr on success.
 */
public final class LauncherMain {
    private LauncherMain() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--cds-training")) {
            CdsTraining.run();
            return;
        }
        boolean dryRun = args.length > 0 && args[0].equals("--dry-run");
        boolean timing = Boolean.getBoolean("dmjail.launcher.timing");
        // JVM uptime when main() was entered (java.management is loaded only in timing mode)
        long mainAt = timing ? java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() : 0;
        PrintStream out = System.out;
        // Natives first, spec second: the toolstack starts the launcher before it has planned the
        // domain, so JVM start-up and jnr-ffi's library loading overlap with its own work.
        long t0 = System.nanoTime();
        try {
            Preload.run();
        } catch (RuntimeException | LinkageError e) {
            exit(new LaunchException("init", Sys.EIO, "cannot load native bindings: " + oneLine(e)));
            return;
        }
        long t1 = System.nanoTime();
        LaunchSpec spec;
        try {
            spec = SpecReader.read(System.in.readAllBytes(), Launcher.sectionTypes());
        } catch (IOException | RuntimeException e) {
            exit(new LaunchException("spec", Sys.EINVAL, "cannot read the launch spec: " + oneLine(e)));
            return;
        }
        if (spec.section(FilesystemSection.class) != null) {
            forgetPerfData();
        }
        long t2 = System.nanoTime();
        int pid;
        LaunchContext launched;
        try {
            launched = Launcher.launch(spec, dryRun);
            pid = launched.pid;
        } catch (LaunchException e) {
            exit(e);
            return;
        }
        long t3 = System.nanoTime();
        if ("reply".equals(Launcher.FAULT)) {
            Runtime.getRuntime().halt(137);
        }
        out.println(dryRun ? Json.dryRun() : Json.ok(pid, launched.proofs));
        out.flush();
        if (timing) {
            System.err.println("dm-launcher: timing: main() entered at " + mainAt
                    + "ms JVM uptime; natives+preload " + ms(t1 - t0) + ", spec wait+read " + ms(t2 - t1) + ", steps "
                    + ms(t3 - t2));
            System.err.flush();
        }
        Runtime.getRuntime().halt(0);
    }

    private static String ms(long ns) {
        return (ns / 100_000) / 10.0 + "ms";
    }

    private static String oneLine(Throwable e) {
        String s = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
        return s.replace('\n', ' ');
    }

    private static void exit(LaunchException e) {
        System.out.println(Json.error(e));
        System.out.flush();
        System.err.println(Json.stderrLine(e));
        System.err.flush();
        Runtime.getRuntime().halt(1);
    }

    /**
     * The JVM deletes its hsperfdata file (java.io.tmpdir/hsperfdata_USER/PID) at exit by path,
     * which no longer resolves after the pivot: remove it now (the mapping stays valid) so nothing
     * is left behind in the host's /tmp. Better still, start the launcher with -XX:-UsePerfData.
     */
    private static void forgetPerfData() {
        try {
            Path p = Path.of(System.getProperty("java.io.tmpdir"), "hsperfdata_" + System.getProperty("user.name"),
                    Long.toString(ProcessHandle.current().pid()));
            Files.deleteIfExists(p);
        } catch (IOException | RuntimeException ignored) {
            // not fatal
        }
    }
}
