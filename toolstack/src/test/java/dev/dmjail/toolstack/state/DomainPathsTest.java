package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 9, class 8: every path derived from a domain name is injective. Before, domain "a"'s
 * console (a.console.log) was domain "a.console"'s log. Names that try to land on each other's
 * files, rotations included, must give pairwise different paths.
 */
class DomainPathsTest {

    @Test
    void noTwoNamesShareAFile() {
        List<String> names = List.of("a", "a.console", "a.log", "a.log.1", "a.console.log", "a.console.1", "a.1",
                "a.log.log", "a.console.console", "qmp.sock", "state.json", "root");
        Map<Path, String> owner = new HashMap<>();
        for (String n : names) {
            DomainPaths p = DomainPaths.of(Path.of("/run/dmjail"), Path.of("/var/log/dmjail"), n);
            List<Path> files = new java.util.ArrayList<>(List.of(p.dir(), p.stateFile(), p.qmpSocket(), p.filesystemRoot(),
                    p.log(), p.console()));
            for (int i = 1; i <= 12; i++) { // LogRotation's siblings NAME.log.N, NAME.console.N
                files.add(p.log().resolveSibling(p.log().getFileName() + "." + i));
                files.add(p.console().resolveSibling(p.console().getFileName() + "." + i));
            }
            files.add(Path.of("/sys/fs/cgroup/x/dmjail").resolve(n)); // the cgroup, one component
            for (Path f : files) {
                String prev = owner.putIfAbsent(f, n);
                assertTrue(prev == null || prev.equals(n), f + " belongs to both " + prev + " and " + n);
            }
        }
    }
}
