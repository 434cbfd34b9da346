package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A full copy of the machine's /etc in a temp directory, and a way to run {@link HostInstallerMain}
 * in a child process whose private mount namespace has that copy bind-mounted over /etc: the real
 * useradd/groupadd/userdel and NSS then see and edit only the copy. The machine's /etc is only read.
 */
final class ThrowawayEtc implements AutoCloseable {
    private final Path dir;

    private ThrowawayEtc(Path dir) {
        this.dir = dir;
    }

    /** Whether this machine can run the namespace tests (root, unshare, mount). */
    static boolean supported() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare"))
                && Files.isExecutable(Path.of("/usr/sbin/useradd"));
    }

    static ThrowawayEtc create() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("dmjail-etc-");
        Process p = new ProcessBuilder("cp", "-a", "/etc", dir.resolve("etc").toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("cp -a /etc failed");
        }
        ThrowawayEtc etc = new ThrowawayEtc(dir);
        etc.sanitize();
        return etc;
    }

    /**
     * Makes the copy a known starting point whatever the machine holds (other work on this host may
     * have created range users): drops dmjail's account names and any id in the default range.
     */
    private void sanitize() throws IOException {
        IdRange range = RangeConflictChecker.rangeFor(65536);
        Set<String> names = new HashSet<>(Set.of("xen-qemuuser-range-base", "xen-qemuuser-shared", "dmjail-reaper"));
        for (String file : List.of("passwd", "group")) {
            for (String line : lines(file)) {
                String[] f = line.split(":", -1);
                if (f.length > 2 && f[2].matches("\\d+") && range.contains(Long.parseLong(f[2]))) {
                    names.add(f[0]);
                }
            }
        }
        for (String file : List.of("passwd", "group", "shadow", "gshadow")) {
            if (Files.exists(etc(file))) {
                for (String n : names) {
                    new AccountFile(etc(file)).remove(n);
                }
            }
        }
        for (String file : List.of("subuid", "subgid")) {
            if (Files.exists(etc(file))) {
                List<String> kept = lines(file).stream().filter(l -> {
                    String[] f = l.split(":");
                    return f.length != 3 || !f[1].matches("\\d+") || !f[2].matches("\\d+")
                            || !new IdRange(Long.parseLong(f[1]), Long.parseLong(f[2])).overlaps(range);
                }).toList();
                Files.write(etc(file), kept, StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** The directory holding the copy as etc/, usable as an installer --root. */
    Path root() {
        return dir;
    }

    Path etc(String name) {
        return dir.resolve("etc").resolve(name);
    }

    Path manifest() {
        return dir.resolve("var/lib/dmjail/host-install.json");
    }

    byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(etc(name));
    }

    List<String> lines(String name) throws IOException {
        return Files.readAllLines(etc(name), StandardCharsets.ISO_8859_1);
    }

    /** Appends raw lines to a file of the copy (to stage a conflicting user, group or subuid range). */
    void append(String name, String... lines) throws IOException {
        Files.writeString(etc(name), String.join("\n", lines) + "\n", StandardCharsets.ISO_8859_1,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    record Result(int exitCode, JsonNode report, String stdout, String stderr) {
    }

    /** Runs HostInstallerMain {@code args} --json --manifest (copy) inside the namespace. */
    Result run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "sh", "-c", "mount --bind \"$1\" /etc && shift && exec \"$@\"", "sh", dir.resolve("etc").toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"), HostInstallerMain.class.getName()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--json", "--manifest", manifest().toString()));
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        String err;
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        JsonNode json = out.isBlank() ? null : new ObjectMapper().readTree(out);
        if (json == null) {
            throw new IOException("no report (exit " + rc + "): " + err);
        }
        return new Result(rc, json, out, err);
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
