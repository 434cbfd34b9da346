package dev.dmjail.launcher.spec;

import java.util.regex.Pattern;

/**
 * One fd the device model receives (fds-env section). The launcher opens it while still privileged,
 * in the host's mount namespace, and dup2()s it to {@code target} in the spawned child.
 *
 * @param target   fd number in the device model (0, 1, 2 or >= 3)
 * @param kind     how to obtain it
 * @param path     file or socket path on the host (FILE, DISK, INCOMING, UNIX_LISTEN), interface name (TAP)
 * @param write    FILE: open read-write (else read-only)
 * @param append   FILE: O_APPEND|O_CREAT (log files), mode 0640; without {@code write} the
 *                 file is opened write-only. Always no symlink on the path (ELOOP)
 * @param identity DISK, INCOMING: "dev:ino" the plan checked, or null
 */
public record FdSpec(int target, Kind kind, String path, boolean write, boolean append, String identity) {
    public FdSpec(int target, Kind kind, String path, boolean write, boolean append) {
        this(target, kind, path, write, append, null);
    }

    /**
     * A network interface name the kernel accepts and no shell or option parser reads specially:
     * IFNAMSIZ is 16 with the NUL (include/uapi/linux/if.h), and dev_valid_name() refuses '/', ':'
     * and whitespace; dmjail keeps to the portable subset. The one copy of this rule (a tap's name).
     */
    public static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

    public static boolean validInterfaceName(String name) {
        return name != null && INTERFACE_NAME.matcher(name).matches();
    }

    public enum Kind {
        /**
         * A log or console file: openat2 with no symlink on the way, O_NONBLOCK, O_CLOEXEC (cleared
         * in the child by dup2); must be a regular file.
         */
        FILE,
        /**
         * A guest disk: opened like FILE, and must be a regular file or a block device; when
         * {@code identity} ("dev:ino") is set, the opened file must be the one the plan checked.
         */
        DISK,
        /** /dev/null read-only (stdin). */
        DEV_NULL,
        /** socket(AF_UNIX), bind(path), listen(); path created root-owned, mode 0600. */
        UNIX_LISTEN,
        /**
         * A saved device-model state QEMU reads once ({@code -incoming fd:N}): opened read-only like
         * FILE, must be a regular file and, with {@code identity}, the one the plan checked.
         */
        INCOMING,
        /** /dev/net/tun attached (TUNSETIFF, IFF_TAP|IFF_NO_PI) to the existing tap interface named by path. */
        TAP
    }
}
