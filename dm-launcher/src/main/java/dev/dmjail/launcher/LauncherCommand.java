package dev.dmjail.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line the toolstack uses to start the launcher (spec on stdin, one JSON line on
 * stdout). Measured choices (README.md): C1 only, serial GC, no perf data file (it would be left
 * behind in the host's /tmp after the pivot), jnr-ffi's reflection loader instead of ASM stub
 * generation, the AppCDS archive and the pre-extracted jffi stub built at package time when
 * present, and every JVM log line on stderr so stdout carries only the launcher's answer.
 */
public final class LauncherCommand {
    private LauncherCommand() {}

    public static final String MAIN = "dev.dmjail.launcher.LauncherMain";

    /** The native launcher (src/main/c) in a built module directory, as the build puts it. */
    public static final String NATIVE_BINARY = "bin/dm-launcher";

    /** The native launcher's command line: the binary alone (spec on stdin, one JSON line on stdout). */
    public static List<String> nativeForModuleDir(Path targetDir) {
        return List.of(targetDir.resolve(NATIVE_BINARY).toString());
    }

    /** JVM options that cut the launcher's start-up (see README.md for the figures). */
    public static final List<String> JVM_OPTIONS = List.of(
            "-XX:-UsePerfData",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-XX:CICompilerCount=1",
            "-Xss512k",
            "-Xlog:disable",
            "-Xlog:all=warning:stderr",
            "-Djnr.ffi.asm.enabled=false");

    /**
     * The launcher of a built module directory ({@code dm-launcher/target}: dm-launcher.jar, whose
     * manifest names lib/*.jar, plus dm-launcher.jsa and native/libjffi-1.2.so when the package phase
     * made them).
     */
    public static List<String> forModuleDir(Path targetDir) {
        Path jar = targetDir.resolve("dm-launcher.jar");
        Path jsa = targetDir.resolve("dm-launcher.jsa");
        Path nativeDir = targetDir.resolve("native");
        List<String> cmd = withClasspath(jar.toString(), Files.isReadable(jsa) ? jsa : null);
        if (Files.isDirectory(nativeDir)) {
            cmd.add(1, "-Djffi.boot.library.path=" + nativeDir);
        }
        return cmd;
    }

    /** With an explicit class path (e.g. target/classes plus the dependency jars, in tests). */
    public static List<String> withClasspath(String classpath, Path cdsArchive) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        if (cdsArchive != null) {
            cmd.add("-XX:SharedArchiveFile=" + cdsArchive);
        }
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(MAIN);
        return cmd;
    }
}
