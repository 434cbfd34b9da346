package dev.dmjail.toolstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import picocli.CommandLine;

/**
 * The CLI's class-data training run: what the build (toolstack/pom.xml, cli-cds) and the package's
 * postinst run under {@code -XX:DumpLoadedClassList} to make the CLI's CDS archive. In one JVM it runs
 * the commands an admin runs most, each the way {@link Main#main} does, against a scratch host config
 * and an empty state directory (nothing on the host is touched: a dry-run create, the lookups of a
 * domain that does not exist), then loads, without initialising them, every class of dmjail's own
 * jars, so that the paths a scratch run cannot reach (audit of a running domain, a real create or
 * destroy) find their classes in the archive too.
 *
 * <p>A static archive, not a dynamic one ({@code -XX:ArchiveClassesAtExit}): JDK 17's dynamic archive
 * skips classes of class-file version 49, and picocli's 170-odd classes are version 49.
 *
 * <p>Usage: {@code CdsTraining SCRATCH_DIR} (the training domain config is cds-train.cfg beside this
 * class); always exits 0 (a training run that could not do everything still makes a useful archive).
 */
public final class CdsTraining {
    private CdsTraining() {}

    public static void main(String[] args) throws IOException {
        Path scratch = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(scratch);
        Path cfgFile = scratch.resolve("cds-train.cfg");
        try (var in = CdsTraining.class.getResourceAsStream("cds-train.cfg")) {
            Files.write(cfgFile, in.readAllBytes());
        }
        String cfg = cfgFile.toString();
        Path host = scratch.resolve("dmjail.conf");
        Files.writeString(host, "state_dir = " + scratch.resolve("run") + "\nlog_dir = " + scratch.resolve("log")
                + "\nimage_dirs = " + scratch + "\naccel = tcg\n");
        String h = "--host-config=" + host;
        List<String[]> runs = new ArrayList<>(List.of(
                new String[] {"--version"}, new String[] {"--help"}, new String[] {h, "list"},
                new String[] {h, "list", "--json"}, new String[] {h, "create", "-n", cfg},
                new String[] {h, "-v", "create", "-n", cfg, "memory=96"}, new String[] {h, "audit", "cds-nosuch"},
                new String[] {h, "audit", "--json", "cds-nosuch"}, new String[] {h, "console", "-r", "cds-nosuch"},
                new String[] {h, "destroy", "cds-nosuch"}, new String[] {h, "domid", "cds-nosuch"},
                new String[] {h, "host", "check"}, new String[] {"nosuch-command"}));
        for (String name : Main.commandLine().getSubcommands().keySet()) {
            runs.add(new String[] {name, "--help"});
        }
        PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        for (String[] a : runs) {
            try {
                CommandLine cl = Main.commandLine(a);
                cl.setOut(sink);
                cl.setErr(sink);
                cl.execute(a);
            } catch (RuntimeException | LinkageError e) {
                System.err.println("dmjail: cds-training: " + String.join(" ", a) + ": " + e);
            }
        }
        loadOwnClasses();
        System.exit(0);
    }

    /** Every class in the jar or directory this class came from, and in dmjail's other jars beside it. */
    private static void loadOwnClasses() {
        ClassLoader loader = CdsTraining.class.getClassLoader();
        for (String entry : System.getProperty("java.class.path").split(":")) {
            // dmjail.jar's manifest names the rest (lib/dmjail-*.jar): follow it the way the JVM does
            for (Path p : withManifestClassPath(Path.of(entry))) {
                if (p.getFileName() != null && p.getFileName().toString().startsWith("dmjail")) {
                    for (String cls : classesIn(p)) {
                        try {
                            Class.forName(cls, false, loader);
                        } catch (ClassNotFoundException | LinkageError e) {
                            // optional or test-only; not needed in the archive
                        }
                    }
                }
            }
        }
    }

    private static List<Path> withManifestClassPath(Path jar) {
        List<Path> out = new ArrayList<>(List.of(jar));
        if (!Files.isRegularFile(jar)) {
            return out;
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            String cp = j.getManifest() == null ? null : j.getManifest().getMainAttributes().getValue("Class-Path");
            if (cp != null) {
                for (String e : cp.trim().split("\\s+")) {
                    out.add(jar.resolveSibling(e));
                }
            }
        } catch (IOException e) {
            // not a jar: only itself
        }
        return out;
    }

    private static List<String> classesIn(Path p) {
        List<String> out = new ArrayList<>();
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.walk(p)) {
                    s.map(f -> p.relativize(f).toString()).filter(n -> n.endsWith(".class")).forEach(n -> out.add(name(n)));
                }
            } else if (Files.isRegularFile(p)) {
                try (JarFile j = new JarFile(p.toFile())) {
                    for (Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
                        String n = e.nextElement().getName();
                        if (n.endsWith(".class") && !n.startsWith("META-INF/")) {
                            out.add(name(n));
                        }
                    }
                }
            }
        } catch (IOException e) {
            // unreadable: nothing from it
        }
        return out;
    }

    private static String name(String classFile) {
        return classFile.substring(0, classFile.length() - ".class".length()).replace('/', '.');
    }
}
