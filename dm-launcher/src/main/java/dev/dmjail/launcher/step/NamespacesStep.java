package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.NamespacesSection;
import dev.dmjail.launcher.sys.Sys;
import java.nio.charset.StandardCharsets;

/**
 * The namespaces layer's step (3rd): unshare(2) of the planned namespaces from the launcher thread
 * (mount, ipc, uts, net apply to this thread at once; pid applies to the children it spawns, so the
 * device model becomes pid 1 of the new pid namespace), sethostname(2) in the new uts namespace,
 * and in a new mount namespace every mount made a slave (mount("none", "/", NULL, MS_SLAVE|MS_REC)):
 * mounts made on the host later still propagate in, nothing done inside propagates out (libvirt's
 * qemu_namespace.c does the same).
 */
public final class NamespacesStep extends Step<NamespacesSection> {
    public NamespacesStep() {
        super(NamespacesSection.NAME, NamespacesSection.class);
    }

    static int flags(NamespacesSection ns) {
        int f = 0;
        if (ns.mount()) f |= Sys.CLONE_NEWNS;
        if (ns.ipc()) f |= Sys.CLONE_NEWIPC;
        if (ns.uts()) f |= Sys.CLONE_NEWUTS;
        if (ns.net()) f |= Sys.CLONE_NEWNET;
        if (ns.pid()) f |= Sys.CLONE_NEWPID;
        return f;
    }

    @Override
    public NamespacesSection trainingSection(String tmp) {
        return new NamespacesSection(true, true, true, true, true, "x");
    }

    @Override
    public void apply(LaunchContext ctx, NamespacesSection ns) throws LaunchException {
        int flags = flags(ns);
        if (flags != 0) {
            check(Sys.libc().unshare(flags), String.format("unshare(0x%x)", flags));
        }
        if (ns.hostname() != null) {
            byte[] h = ns.hostname().getBytes(StandardCharsets.UTF_8);
            check(Sys.libc().sethostname(ns.hostname(), h.length), "sethostname " + ns.hostname());
        }
        if (ns.mount()) {
            check(Sys.libc().mount("none", "/", null, Sys.MS_SLAVE | Sys.MS_REC, null), "mount --make-rslave /");
        }
    }
}
