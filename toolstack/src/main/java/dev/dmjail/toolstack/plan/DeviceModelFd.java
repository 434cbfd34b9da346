package dev.dmjail.toolstack.plan;

/**
 * One fd the plan gives the device model: what the privileged launcher opens for it (a disk, a log,
 * a socket, a tap) and the number it has in the device model. The plan's own record, stored in the
 * state file; {@code layer/FdEnvLayer} turns it into the launcher's wire type in its {@code contribute}.
 * The JSON shape (field and kind names) is the one state files written before this record held
 * ({@code StateFileCompatTest} reads one).
 *
 * @param target   fd number in the device model (0, 1, 2 or >= 3)
 * @param kind     how the launcher obtains it
 * @param path     file or socket path on the host (FILE, DISK, INCOMING, UNIX_LISTEN), interface name (TAP)
 * @param write    FILE/DISK: read-write (else read-only)
 * @param append   FILE: a log, O_APPEND|O_CREAT (without {@code write}: write-only)
 * @param identity DISK, INCOMING: "dev:ino" the plan checked, or null
 */
public record DeviceModelFd(int target, Kind kind, String path, boolean write, boolean append, String identity) {

    public enum Kind {
        /** A log or console file. */
        FILE,
        /** A guest disk (regular file or block device), checked against {@code identity}. */
        DISK,
        /** /dev/null read-only (stdin). */
        DEV_NULL,
        /** A unix socket the launcher binds and listens on (QMP, serial), root-owned. */
        UNIX_LISTEN,
        /** A saved device-model state QEMU reads once ({@code -incoming fd:N}). */
        INCOMING,
        /** /dev/net/tun attached to the existing tap interface named by {@code path}. */
        TAP
    }
}
