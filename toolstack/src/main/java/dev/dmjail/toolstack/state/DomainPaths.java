package dev.dmjail.toolstack.state;

import java.nio.file.Path;

/**
 * Where one domain's files live. State is under the run directory (tmpfs: domains do not survive a
 * reboot either); logs are under the log directory and are kept after destroy, like xl's
 * /var/log/xen/qemu-dm-NAME.log.
 */
public record DomainPaths(Path dir, Path stateFile, Path qmpSocket, Path rootMount, Path log, Path console) {

    public static DomainPaths of(Path stateDir, Path logDir, String name) {
        Path dir = stateDir.resolve("domains").resolve(name);
        return new DomainPaths(dir, dir.resolve("state.json"), dir.resolve("qmp.sock"), dir.resolve("root"),
                logDir.resolve(name + ".log"), logDir.resolve(name + ".console"));
    }
}
