package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.toolstack.state.DomainPaths;

/**
 * The guest's first serial line on QEMU's command line: a listening UNIX socket the launcher
 * created in the root-owned state dir ({@code dmjail console} connects to it), with QEMU's
 * chardev {@code logfile=} tee to the console file the launcher opened. QEMU opens the logfile with
 * qemu_create(), which takes {@code /dev/fdset/N} (the fd must be O_WRONLY like the open it
 * replaces), and logs what the guest writes whether a client is connected or not
 * (chardev/char.c qemu_chr_write_buffer: a disconnected socket's EIO still logs the buffer).
 * The fdset keeps {@code opaque=console} so the console fd can be found in the argv.
 */
final class SerialConsole {

    private SerialConsole() {}

    static void add(QemuArgs q, DomainConfig d, DomainPaths paths) {
        if (d.serial().isEmpty() || d.serial().get(0).equals("none")) {
            return;
        }
        int set = q.fdset();
        int log = q.fd(DeviceModelFd.Kind.FILE, paths.liveConsole().toString(), false, true, null);
        q.add("-add-fd", "fd=" + log + ",set=" + set + ",opaque=console");
        int socket = q.fd(DeviceModelFd.Kind.UNIX_LISTEN, paths.serialSocket().toString(), false, false, null);
        q.add("-chardev", "socket,id=serial0,fd=" + socket + ",server=on,wait=off,logfile=/dev/fdset/" + set
                + ",logappend=on");
        q.add("-serial", "chardev:serial0");
    }
}
