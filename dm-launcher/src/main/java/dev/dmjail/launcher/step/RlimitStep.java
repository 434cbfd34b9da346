package dev.dmjail.launcher.step;

import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.LaunchSpec.RlimitSpec;
import dev.dmjail.launcher.sys.Sys;
import java.util.List;

/**
 * Step 6, "rlimits": setrlimit(2) for each planned limit, before the uid switch (raising a hard
 * limit needs CAP_SYS_RESOURCE). The limits also apply to the launcher for its last milliseconds:
 * AS/DATA/NOFILE values that are too small for a JVM make the spawn fail (reported as "spawn").
 */
public final class RlimitStep extends Step {
    /** RLIMIT_* numbers (asm-generic/resource.h, x86_64). */
    static final List<String> NAMES = List.of("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
            "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME");

    public RlimitStep() {
        super("rlimits");
    }

    static int resource(String name) {
        if (name == null) return -1;
        String n = name.toUpperCase();
        if (n.startsWith("RLIMIT_")) n = n.substring(7);
        return NAMES.indexOf(n);
    }

    @Override
    public void preload() {
        LibC c = Sys.libc();
        long[] rl = new long[2];
        c.getrlimit(7, rl);
        c.setrlimit(-1, rl); // EINVAL
    }

    @Override
    public void prepare(LaunchContext ctx) throws LaunchException {
        for (RlimitSpec r : ctx.spec.rlimits()) {
            if (resource(r.resource()) < 0) {
                throw fail(Sys.EINVAL, "unknown rlimit resource " + r.resource());
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw fail(Sys.EINVAL, "rlimit " + r.resource() + ": soft " + r.soft() + " above hard " + r.hard());
            }
        }
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        for (RlimitSpec r : ctx.spec.rlimits()) {
            long[] lim = {r.soft(), r.hard()};
            check(Sys.libc().setrlimit(resource(r.resource()), lim), "setrlimit " + r.resource());
        }
    }
}
