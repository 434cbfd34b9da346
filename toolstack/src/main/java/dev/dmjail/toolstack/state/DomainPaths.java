package dev.dmjail.toolstack.state;

import java.nio.file.Path;

/**
 * Where one domain's files live. State is under the run directory (tmpfs: domains do not survive a
 * reboot either); logs are under the log directory and are kept after destroy, like xl's
 * /var/log/xen/qemu-dm-NAME.log. While the domain runs, the device model writes its log and the
 * console into {@code liveLog} / {@code liveConsole}, each on its own size-bounded tmpfs mounted on
 * {@code logFs} / {@code consoleFs} (FdEnvLayer); {@code log} and {@code console} are then symlinks
 * to them, and destroy copies the files there. Every path is named by the domain's {@link DomainKey},
 * never by its name.
 */
public record DomainPaths(String key, Path dir, Path stateFile, Path qmpSocket, Path filesystemRoot, Path log, Path console,
                          Path logFs, Path consoleFs) {

    public static DomainPaths of(Path stateDir, Path logDir, String key) {
        if (!DomainKey.isKey(key)) {
            throw new IllegalArgumentException("not a domain key: " + key);
        }
        Path dir = stateDir.resolve("domains").resolve(key);
        return new DomainPaths(key, dir, dir.resolve("state.json"), dir.resolve("qmp.sock"), dir.resolve("root"),
                logDir.resolve(key + ".log"), logDir.resolve(key + ".console"), dir.resolve("log-fs"),
                dir.resolve("console-fs"));
    }

    /** The device model's log while it runs. */
    public Path liveLog() { return logFs.resolve("qemu.log"); }

    /** The guest's serial output while it runs. */
    public Path liveConsole() { return consoleFs.resolve("console.log"); }

    /** The guest's first serial line: the listening socket {@code dmjail console} connects to (root only, 0600). */
    public Path serialSocket() { return dir.resolve("serial.sock"); }

    /**
     * Held (POSIX lock) by the one {@code dmjail console} session attached to the serial socket.
     * Made at prepare, before the device model runs, so no console ever creates a file in a state
     * dir that destroy may be removing.
     */
    public Path consoleLock() { return dir.resolve("console.lock"); }
}
