package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;

/**
 * Step 2, "cgroup": joins every cgroup the toolstack created by writing "0" (this process) to its
 * {@code cgroup.procs}, so the device model is born inside them and every later allocation is
 * charged to the domain. Note the whole launcher JVM (all its threads) moves, which counts
 * against a pids limit for the launcher's short life.
 */
public final class CgroupStep extends Step {
    public CgroupStep() {
        super("cgroup");
    }

    @Override
    public void prepare(LaunchContext ctx) throws LaunchException {
        for (String p : ctx.spec.cgroupProcs()) {
            if (p == null || !p.startsWith("/")) {
                throw fail(Sys.EINVAL, "cgroup.procs path must be absolute: " + p);
            }
        }
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        LibC c = Sys.libc();
        byte[] zero = {'0'};
        for (String p : ctx.spec.cgroupProcs()) {
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
