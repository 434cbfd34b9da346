package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.sys.Sys;

/**
 * Step 4, "propagation": in the new mount namespace, makes every mount a slave
 * (mount("none", "/", NULL, MS_SLAVE|MS_REC)): mounts made on the host later still propagate in,
 * nothing done inside propagates out.
 */
public final class PropagationStep extends Step {
    public PropagationStep() {
        super("propagation");
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        if (ctx.spec.namespaces() == null || !ctx.spec.namespaces().mount()) {
            return;
        }
        check(Sys.libc().mount("none", "/", null, Sys.MS_SLAVE | Sys.MS_REC, null), "mount --make-rslave /");
    }
}
