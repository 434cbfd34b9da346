package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.layer.CgroupLayer.Group;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Kills every task of a domain's cgroups. v2 offers cgroup.kill (Linux 5.14+: SIGKILL to every task,
 * atomically with respect to forks); v1 does not, so we SIGKILL each pid in cgroup.procs and repeat
 * until it stays empty (a fork racing with the read is caught by the next round; pids.max bounds it).
 */
final class CgroupKiller {
    private CgroupKiller() {}

    static void killAll(List<Group> groups) {
        for (Group g : groups) {
            Path kill = Path.of(g.dir(), "cgroup.kill");
            if (Files.exists(kill)) {
                try {
                    Files.writeString(kill, "1");
                } catch (IOException e) {
                    // fall through to the per-pid loop
                }
            }
        }
        for (int round = 0; round < 50; round++) {
            boolean any = false;
            for (Group g : groups) {
                try {
                    for (String line : Files.readAllLines(Path.of(g.dir(), "cgroup.procs"))) {
                        if (!line.isBlank()) {
                            any = true;
                            ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // group gone or unreadable: nothing to kill there
                }
            }
            if (!any) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
