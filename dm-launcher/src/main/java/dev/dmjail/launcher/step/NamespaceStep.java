package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.LaunchSpec.NamespaceSpec;
import dev.dmjail.launcher.sys.Sys;
import java.nio.charset.StandardCharsets;

/**
 * Step 3, "namespaces": unshare(2) of the planned namespaces from the launcher thread (mount, ipc,
 * uts, net apply to this thread at once; pid applies to the children it spawns, so the device
 * model becomes pid 1 of the new pid namespace), then sethostname(2) in the new uts namespace.
 */
public final class NamespaceStep extends Step {
    public NamespaceStep() {
        super("namespaces");
    }

    static int flags(NamespaceSpec ns) {
        int f = 0;
        if (ns.mount()) f |= Sys.CLONE_NEWNS;
        if (ns.ipc()) f |= Sys.CLONE_NEWIPC;
        if (ns.uts()) f |= Sys.CLONE_NEWUTS;
        if (ns.net()) f |= Sys.CLONE_NEWNET;
        if (ns.pid()) f |= Sys.CLONE_NEWPID;
        return f;
    }

    @Override
    public void prepare(LaunchContext ctx) throws LaunchException {
        NamespaceSpec ns = ctx.spec.namespaces();
        if (ns != null && ns.hostname() != null) {
            if (!ns.uts()) {
                throw fail(Sys.EINVAL, "hostname set without a uts namespace (would rename the host)");
            }
            if (ns.hostname().getBytes(StandardCharsets.UTF_8).length > 64) {
                throw fail(Sys.EINVAL, "hostname longer than 64 bytes");
            }
        }
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        NamespaceSpec ns = ctx.spec.namespaces();
        if (ns == null) {
            return;
        }
        int flags = flags(ns);
        if (flags != 0) {
            check(Sys.libc().unshare(flags), String.format("unshare(0x%x)", flags));
        }
        if (ns.hostname() != null) {
            byte[] h = ns.hostname().getBytes(StandardCharsets.UTF_8);
            check(Sys.libc().sethostname(ns.hostname(), h.length), "sethostname " + ns.hostname());
        }
    }
}
