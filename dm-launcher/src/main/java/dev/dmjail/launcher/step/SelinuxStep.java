package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Step 8, "selinux": when the spec carries an exec label, writes it to
 * /proc/thread-self/attr/exec (opened before the pivot) so the spawned exec transitions to it.
 * If SELinux is not enabled on the host (no selinuxfs, as on this kernel) a label is refused at
 * prepare time: the toolstack must never plan one then.
 */
public final class SelinuxStep extends Step {
    private int execAttrFd = -1;

    public SelinuxStep() {
        super("selinux");
    }

    static boolean selinuxEnabled() {
        try {
            return Sys.readProcFile("/proc/filesystems").contains("selinuxfs")
                    && Files.exists(Path.of("/sys/fs/selinux/enforce"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void prepare(LaunchContext ctx) throws LaunchException {
        String label = ctx.spec.selinuxExecLabel();
        if (label == null) {
            return;
        }
        if (label.isEmpty() || label.indexOf('\0') >= 0) {
            throw fail(Sys.EINVAL, "bad SELinux label \"" + label + "\"");
        }
        if (!selinuxEnabled()) {
            throw fail(Sys.EOPNOTSUPP, "exec label " + label + " planned but SELinux is not enabled on this host");
        }
        execAttrFd = Sys.libc().open("/proc/thread-self/attr/exec", Sys.O_WRONLY | Sys.O_CLOEXEC, 0);
        check(execAttrFd, "open /proc/thread-self/attr/exec");
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        String label = ctx.spec.selinuxExecLabel();
        if (label == null) {
            return;
        }
        byte[] b = label.getBytes(StandardCharsets.UTF_8);
        long n = Sys.libc().write(execAttrFd, b, b.length);
        if (n != b.length) {
            throw fail(Sys.errno(), "set exec label " + label);
        }
        Sys.libc().close(execAttrFd);
        execAttrFd = -1;
    }

    @Override
    public void abort(LaunchContext ctx) {
        if (execAttrFd >= 0) {
            Sys.libc().close(execAttrFd);
        }
    }
}
