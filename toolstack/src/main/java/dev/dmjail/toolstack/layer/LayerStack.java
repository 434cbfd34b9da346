package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.host.HostFacts;
import java.util.List;

/**
 * The layers in the order the launcher applies them (fds first, the uid switch late, seccomp
 * last), as libvirt's security_stack.c applies its drivers in order and restores in reverse.
 */
public final class LayerStack {
    private LayerStack() {}

    public static List<ConfinementLayer> standard(HostFacts facts, McsAllocator mcs) {
        return List.of(
                new FdEnvLayer(),
                new NetworkLayer(),
                new CgroupLayer(facts.cgroups()),
                new NamespaceLayer(),
                new FilesystemLayer(),
                new RlimitLayer(),
                new DacLayer(),
                new SelinuxLayer(mcs, XattrFileLabeler::new),
                new SeccompLayer());
    }
}
