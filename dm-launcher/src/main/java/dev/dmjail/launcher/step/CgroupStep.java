package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.CgroupSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import java.util.List;

/**
 * The cgroup layer's step (2nd): joins every cgroup the toolstack created by writing "0" (this
 * process) to its {@code cgroup.procs}, so the device model is born inside them and every later
 * allocation is charged to the domain. Note the whole launcher JVM (all its threads) moves, which
 * counts against a pids limit for the launcher's short life.
 */
public final class CgroupStep extends Step<CgroupSection> {
    public CgroupStep() {
        super(CgroupSection.NAME, CgroupSection.class);
    }

    @Override
    public CgroupSection trainingSection(String tmp) {
        return new CgroupSection(List.of()); // joining is apply's; prepare has nothing to read
    }

    @Override
    public void apply(LaunchContext ctx, CgroupSection section) throws LaunchException {
        LibC c = Sys.libc();
        byte[] zero = {'0'};
        for (String p : section.procs()) {
            int fd = c.open(p, Sys.O_WRONLY | Sys.O_CLOEXEC | Sys.O_NOFOLLOW, 0);
            check(fd, "open " + p);
            long n = c.write(fd, zero, 1);
            int err = Sys.errno();
            c.close(fd);
            if (n != 1) {
                throw fail(err, "write 0 to " + p);
            }
        }
    }
}
