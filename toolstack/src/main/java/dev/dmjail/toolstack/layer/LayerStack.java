package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.host.HostFacts;
import java.util.List;

/**
 * The layers in the order the launcher applies them (fds first, the uid switch late, seccomp
 * last), as libvirt's security_stack.c applies its drivers in order and restores in reverse.
 */
public final class LayerStack {
    private LayerStack() {}

    /** What each layer answers to in the configs, in {@link #standard}'s order (LayerStackTest checks it). */
    public static final List<LayerKeys> KEYS = List.of(FdEnvLayer.KEYS, NetworkLayer.KEYS, CgroupLayer.KEYS,
            NamespaceLayer.KEYS, FilesystemLayer.KEYS, RlimitLayer.KEYS, DacLayer.KEYS, SelinuxLayer.KEYS,
            LandlockLayer.KEYS, SeccompLayer.KEYS);

    /** @param reaper the reaper uid for a domain's DAC settings (null: none), see {@link DacLayer#release} */
    public static List<ConfinementLayer> standard(HostFacts facts, SelinuxMcsAllocator mcs,
                                                  java.util.function.Function<DacLayer.Settings, Integer> reaper) {
        return List.of(
                new FdEnvLayer(),
                new NetworkLayer(),
                new CgroupLayer(facts.cgroups()),
                new NamespaceLayer(),
                new FilesystemLayer(),
                new RlimitLayer(),
                new DacLayer(reaper),
                new SelinuxLayer(mcs, SelinuxXattrLabeler::new),
                new LandlockLayer(),
                new SeccompLayer());
    }
}
