package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.launcher.spec.LaunchSpec.FdSpec;
import dev.dmjail.toolstack.state.DomainPaths;

/** The guest's first serial line on QEMU's command line: written to the console file the launcher opened. */
final class SerialConsole {

    private SerialConsole() {}

    static void add(QemuArgs q, DomainConfig d, DomainPaths paths) {
        if (d.serial().isEmpty() || d.serial().get(0).equals("none")) {
            return;
        }
        int set = q.fdset();
        int fd = q.fd(FdSpec.Kind.FILE, paths.liveConsole().toString(), false, true, null);
        q.add("-add-fd", "fd=" + fd + ",set=" + set + ",opaque=console");
        q.add("-chardev", "file,id=serial0,path=/dev/fdset/" + set);
        q.add("-serial", "chardev:serial0");
    }
}
