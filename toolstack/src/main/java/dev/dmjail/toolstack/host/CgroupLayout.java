package dev.dmjail.toolstack.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cgroup hierarchies of this host, from /proc/self/mountinfo: v1 controllers with their mount
 * points and the cgroup2 mount (if any) with the controllers it offers. A host is V1 (no cgroup2),
 * V2 (every controller on cgroup2) or HYBRID (v1 controllers plus a cgroup2 mount, typically
 * /sys/fs/cgroup/unified, used here for process tracking and cgroup.kill).
 *
 * @param v1      controller → mount point
 * @param v2Mount cgroup2 mount point or null
 * @param v2Controllers controllers enabled in the cgroup2 root (cgroup.controllers)
 */
public record CgroupLayout(Map<String, Path> v1, Path v2Mount, Set<String> v2Controllers) {

    public enum Mode { V1, V2, HYBRID, NONE }

    public Mode mode() {
        if (v2Mount == null) {
            return v1.isEmpty() ? Mode.NONE : Mode.V1;
        }
        return v1.isEmpty() ? Mode.V2 : Mode.HYBRID;
    }

    public static CgroupLayout detect() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new CgroupLayout(Map.of(), null, Set.of());
        }
    }

    /** Parses /proc/self/mountinfo lines (public for tests of hosts unlike this one). */
    public static CgroupLayout parse(List<String> mountinfo) {
        Map<String, Path> v1 = new LinkedHashMap<>();
        Path v2 = null;
        for (String line : mountinfo) {
            // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2) {
                continue;
            }
            String[] a = halves[0].split(" ");
            String[] b = halves[1].split(" ");
            Path mp = Path.of(a[4]);
            if (b[0].equals("cgroup2")) {
                v2 = v2 == null ? mp : v2;
            } else if (b[0].equals("cgroup") && b.length >= 3) {
                for (String opt : b[2].split(",")) {
                    if (Set.of("memory", "pids", "devices", "cpu", "cpuacct", "cpuset", "freezer", "blkio").contains(opt)) {
                        v1.putIfAbsent(opt, mp);
                    }
                }
            }
        }
        Set<String> v2c = Set.of();
        if (v2 != null) {
            try {
                v2c = Set.of(Files.readString(v2.resolve("cgroup.controllers")).trim().split("\\s+"));
            } catch (IOException e) {
                v2c = Set.of();
            }
        }
        return new CgroupLayout(v1, v2, v2c);
    }
}
