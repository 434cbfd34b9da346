package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.host.CgroupLayout;
import dev.dmjail.toolstack.host.HostFacts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The switch names derive from the layer list, one regular name each; old names still read, with a warning. */
class LayerKeysTest {

    private static final Path FILE = Path.of("/cfg/guest.cfg");

    private static DomainSwitches switches(String text) throws Exception {
        return DomainSwitches.from(XlConfigLoader.parse(FILE, "name = \"g\"\ntype = \"hvm\"\n" + text, List.of()).raw(), FILE);
    }

    @Test
    void keysFollowTheStackOrder() {
        List<ConfinementLayer> stack = LayerStack.standard(new HostFacts(false, false,
                new CgroupLayout(Map.of(), null, java.util.Set.of())), new SelinuxMcsAllocator(Map::of), s -> null);
        assertEquals(stack.stream().map(ConfinementLayer::name).toList(),
                LayerStack.KEYS.stream().map(LayerKeys::layer).toList());
    }

    @Test
    void everySwitchIsTheLayersNameOrItsPart() {
        for (LayerKeys k : LayerStack.KEYS) {
            for (String s : k.switches()) {
                assertTrue(s.equals(LayerKeys.keyName(k.layer())) || s.startsWith(LayerKeys.keyName(k.layer()) + "_"), s);
            }
            for (String h : k.hostKeys()) {
                assertTrue(h.equals(LayerKeys.keyName(k.layer())) || h.startsWith(LayerKeys.keyName(k.layer()) + "_"), h);
            }
            k.switchAliases().values().forEach(now -> assertTrue(k.switches().contains(now), now));
            k.hostAliases().values().forEach(a -> assertTrue(k.hostKeys().contains(a.key()), a.key()));
        }
        assertEquals(List.of("cgroup", "namespaces_mount", "namespaces_ipc", "namespaces_uts", "namespaces_net",
                "namespaces_pid", "filesystem", "rlimits", "dac", "selinux", "landlock", "seccomp"), DomainSwitches.NAMES);
    }

    @Test
    void newNamesRead() throws Exception {
        DomainSwitches s = switches("dmjail_filesystem = 0\ndmjail_namespaces_net = 0\n");
        assertFalse(s.on("filesystem"));
        assertFalse(s.on("namespaces_net"));
        assertTrue(s.on("namespaces_pid"));
        assertEquals(List.of(), s.warnings());
        assertEquals(Map.entry("dmjail_namespaces_net", 4), s.firstWeakening());
    }

    @Test
    void oldNamesReadAsTheNewWithAWarning() throws Exception {
        DomainSwitches s = switches("dmjail_root = 0\ndmjail_ns_pid = 0\n");
        assertFalse(s.on("filesystem"));
        assertFalse(s.on("namespaces_pid"));
        assertEquals(List.of(FILE + ":3: dmjail_root: deprecated name, write dmjail_filesystem (same meaning)",
                FILE + ":4: dmjail_ns_pid: deprecated name, write dmjail_namespaces_pid (same meaning)"), s.warnings());
        // the error under require_confined names the key as written, at its line
        assertEquals(Map.entry("dmjail_ns_pid", 4), s.firstWeakening());
    }

    @Test
    void bothNamesAtOnceIsAnError() {
        var e = assertThrows(DomainSwitches.SwitchException.class,
                () -> switches("dmjail_root = 0\ndmjail_filesystem = 1\n"));
        assertEquals(FILE + ":4: dmjail_filesystem: the same switch as dmjail_root on line 3; keep dmjail_filesystem only",
                e.getMessage());
    }

    @Test
    void unknownSwitchListsTheKnownOnes() {
        var e = assertThrows(DomainSwitches.SwitchException.class, () -> switches("dmjail_fds_env = 0\n"));
        assertTrue(e.getMessage().startsWith(FILE + ":3: dmjail_fds_env: unknown dmjail switch (known: dmjail_cgroup, "),
                e.getMessage());
    }
}
