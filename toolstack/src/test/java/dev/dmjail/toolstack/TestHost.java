package dev.dmjail.toolstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host config for tests: dmjail's state and logs go under a temporary directory (the real cgroups,
 * namespaces, uids and QEMU are used as they are). Extra lines can set any other host key.
 */
public final class TestHost {
    public final Path dir;
    public final Path stateDir;
    public final Path logDir;
    public final Path config;

    public TestHost(Path dir, String... extraLines) throws IOException {
        this.dir = dir;
        this.stateDir = dir.resolve("run");
        this.logDir = dir.resolve("log");
        this.config = dir.resolve("dmjail.conf");
        List<String> lines = new ArrayList<>(List.of("state_dir = " + stateDir, "log_dir = " + logDir));
        lines.addAll(List.of(extraLines));
        if (List.of(extraLines).stream().noneMatch(l -> l.startsWith("image_dirs"))) {
            // the tests' images live in the test dir, which also holds the state and log dirs (disks
            // under those are refused by the admission itself)
            lines.add("image_dirs = " + dir + ", /dev");
        }
        Files.write(config, lines);
    }

    public List<String> args(String... rest) {
        List<String> a = new ArrayList<>(List.of("--host-config", config.toString()));
        a.addAll(List.of(rest));
        return a;
    }

    public CliRun run(String... rest) {
        return CliRun.run(args(rest));
    }

    /** A domain config file in the test dir. */
    public Path domain(String fileName, String... lines) throws IOException {
        Path p = dir.resolve(fileName);
        Files.write(p, List.of(lines));
        return p;
    }
}
