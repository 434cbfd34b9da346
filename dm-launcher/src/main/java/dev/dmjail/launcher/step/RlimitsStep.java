package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.Rlimit;
import dev.dmjail.launcher.spec.RlimitSpec;
import dev.dmjail.launcher.spec.RlimitsSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import java.util.List;

/**
 * The rlimits layer's step (6th): setrlimit(2) for each planned limit, before the uid switch
 * (raising a hard limit needs CAP_SYS_RESOURCE). The limits also apply to the launcher for its last
 * milliseconds: AS/DATA/NOFILE values that are too small for a JVM make the spawn fail (reported as
 * "spawn").
 */
public final class RlimitsStep extends Step<RlimitsSection> {
    public RlimitsStep() {
        super(RlimitsSection.NAME, RlimitsSection.class);
    }

    @Override
    public void preload() {
        LibC c = Sys.libc();
        long[] rl = new long[2];
        c.getrlimit(Rlimit.NOFILE.number(), rl);
        c.setrlimit(-1, rl); // EINVAL
    }

    @Override
    public RlimitsSection trainingSection(String tmp) {
        return new RlimitsSection(List.of(new RlimitSpec("CORE", 0, 0)));
    }

    @Override
    public void apply(LaunchContext ctx, RlimitsSection section) throws LaunchException {
        for (RlimitSpec r : section.limits()) {
            long[] lim = {r.soft(), r.hard()};
            check(Sys.libc().setrlimit(Rlimit.byName(r.resource()).number(), lim), "setrlimit " + r.resource());
        }
    }
}
