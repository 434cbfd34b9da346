package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.SelinuxSection;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The selinux layer's step (8th): writes the section's exec label to
 * /proc/thread-self/attr/exec (opened before the pivot) so the spawned exec transitions to it.
 * If SELinux is not enabled on the host (no selinuxfs, as on this kernel) a label is refused at
 * prepare time: the toolstack must never plan one then.
 */
public final class SelinuxStep extends Step<SelinuxSection> {
    private int execAttrFd = -1;

    public SelinuxStep() {
        super(SelinuxSection.NAME, SelinuxSection.class);
    }

    /**
     * Whether this host runs SELinux, the one test of it: selinuxfs is a filesystem of this kernel
     * and mounted (its "enforce" node exists), as libselinux's is_selinux_enabled() asks.
     */
    public static boolean enabled() {
        try {
            return Sys.readProcFile("/proc/filesystems").contains("selinuxfs")
                    && Files.exists(Path.of("/sys/fs/selinux/enforce"));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public SelinuxSection trainingSection(String tmp) {
        return null; // its prepare refuses a label on a host without SELinux (this build host)
    }

    @Override
    public void prepare(LaunchContext ctx, SelinuxSection section) throws LaunchException {
        String label = section.execLabel();
        if (!enabled()) {
            throw fail(Sys.EOPNOTSUPP, "exec label " + label + " planned but SELinux is not enabled on this host");
        }
        execAttrFd = Sys.libc().open("/proc/thread-self/attr/exec", Sys.O_WRONLY | Sys.O_CLOEXEC, 0);
        check(execAttrFd, "open /proc/thread-self/attr/exec");
    }

    @Override
    public void apply(LaunchContext ctx, SelinuxSection section) throws LaunchException {
        String label = section.execLabel();
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
