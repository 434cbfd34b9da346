package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.LaunchSpec.ExecSpec;
import dev.dmjail.launcher.spec.LaunchSpec.FdSpec;
import dev.dmjail.launcher.spec.LaunchSpec.IdentitySpec;
import dev.dmjail.launcher.spec.LaunchSpec.NamespaceSpec;
import dev.dmjail.launcher.spec.LaunchSpec.RlimitSpec;
import dev.dmjail.launcher.spec.LaunchSpec.RootSpec;
import dev.dmjail.launcher.spec.LaunchSpec.SeccompSpec;
import java.util.ArrayList;
import java.util.List;

/** Collects the sections each layer contributes into one immutable {@link LaunchSpec}. */
public final class LaunchSpecBuilder {
    private final String domainName;
    private final List<FdSpec> fds = new ArrayList<>();
    private final List<String> cgroupProcs = new ArrayList<>();
    private final List<RlimitSpec> rlimits = new ArrayList<>();
    private NamespaceSpec namespaces;
    private RootSpec root;
    private IdentitySpec identity;
    private String selinuxExecLabel;
    private SeccompSpec seccomp;
    private dev.dmjail.launcher.spec.LaunchSpec.LandlockSpec landlock;
    private ExecSpec exec;

    public LaunchSpecBuilder(String domainName) { this.domainName = domainName; }

    public LaunchSpecBuilder fd(FdSpec fd) { fds.add(fd); return this; }
    public LaunchSpecBuilder cgroupProcs(String procsFile) { cgroupProcs.add(procsFile); return this; }
    public LaunchSpecBuilder rlimit(RlimitSpec r) { rlimits.add(r); return this; }
    public LaunchSpecBuilder namespaces(NamespaceSpec n) { namespaces = n; return this; }
    public LaunchSpecBuilder root(RootSpec r) { root = r; return this; }
    public LaunchSpecBuilder identity(IdentitySpec i) { identity = i; return this; }
    public LaunchSpecBuilder selinuxExecLabel(String l) { selinuxExecLabel = l; return this; }
    public LaunchSpecBuilder seccomp(SeccompSpec s) { seccomp = s; return this; }
    public LaunchSpecBuilder exec(ExecSpec e) { exec = e; return this; }
    public LaunchSpecBuilder landlock(dev.dmjail.launcher.spec.LaunchSpec.LandlockSpec l) { landlock = l; return this; }

    public LaunchSpec build() {
        if (exec == null) {
            throw new IllegalStateException("no exec section: the device-model layer did not contribute");
        }
        return new LaunchSpec(domainName, fds, cgroupProcs, namespaces, root, rlimits, identity,
                selinuxExecLabel, seccomp, exec, landlock);
    }
}
