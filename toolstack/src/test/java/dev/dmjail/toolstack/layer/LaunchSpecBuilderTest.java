package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.launcher.spec.ExecSection;
import dev.dmjail.launcher.spec.FdSpec;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.SeccompSection;
import dev.dmjail.launcher.spec.SpecWriter;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.DeviceModelFd;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.state.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spec the layers contribute for a planned domain (plan only: nothing on the host is touched):
 * one section per layer that is in force, keyed by the layer's own name, which every section's
 * rules accept and the launcher's reader reads back equal from what the toolstack writes.
 */
class LaunchSpecBuilderTest {
    @TempDir
    Path tmp;

    private LaunchSpec contributed(String... extraLines) throws Exception {
        Path img = Files.write(tmp.resolve("sa-spec.img"), new byte[1 << 20]);
        Path conf = Files.write(tmp.resolve("dmjail.conf"), List.of("state_dir = " + tmp.resolve("run"),
                "log_dir = " + tmp.resolve("log"), "image_dirs = " + tmp, "accel = tcg"));
        List<String> lines = new ArrayList<>(List.of("name = \"sa-spec\"", "type = \"hvm\"", "memory = 32",
                "dm_restrict = 1", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]"));
        lines.addAll(List.of(extraLines));
        Path cfg = Files.write(tmp.resolve("sa-spec.cfg"), lines);
        HostFacts facts = HostFacts.detect();
        List<ConfinementLayer> layers = LayerStack.standard(facts, new SelinuxMcsAllocator(Map::of), s -> null);
        StateStore store = new StateStore(tmp.resolve("run"), tmp.resolve("log"));
        ConfinementPlan plan = new Planner(HostConfigLoader.load(conf, true), facts, SelinuxLayerTest.USERS, layers, store)
                .plan(XlConfigLoader.load(cfg, List.of()), 7, false);
        DomainRuntime rt = new DomainRuntime("sa-spec", 7, store.pathsOfKey("sa-spec"));
        LaunchSpecBuilder spec = new LaunchSpecBuilder("sa-spec");
        for (ConfinementLayer l : layers) {
            l.contribute(plan.layer(l.name()), rt, spec);
        }
        return spec.build();
    }

    @Test
    void everyActiveLayerContributesItsOwnNamedSection() throws Exception {
        LaunchSpec spec = contributed();
        List<String> want = new ArrayList<>(List.of("fds-env", "exec", "cgroup", "namespaces", "filesystem", "rlimits",
                "dac"));
        if (dev.dmjail.toolstack.host.HostFacts.selinuxDetected()) { // UNAVAILABLE here: no section
            want.add("selinux");
        }
        if (dev.dmjail.toolstack.layer.LandlockLayer.abi() >= 1) {
            want.add("landlock");
        }
        want.add("seccomp");
        assertEquals(want, List.copyOf(spec.sections().keySet()), "the network layer's taps are fds-env entries");
        assertDoesNotThrow(spec::validate);
        assertNativeLauncherAccepts(spec);
    }

    @Test
    void aSwitchedOffLayerContributesNoSection() throws Exception {
        LaunchSpec spec = contributed("dmjail_seccomp = 0");
        assertNull(spec.section(SeccompSection.class));
        assertDoesNotThrow(spec::validate);
    }

    @Test
    void aSecondSectionOfOneNameIsABug() {
        LaunchSpecBuilder b = new LaunchSpecBuilder("x").section(new ExecSection("/x", List.of("x"), Map.of(), "/"));
        assertThrows(IllegalStateException.class, () -> b.section(new ExecSection("/y", List.of("y"), Map.of(), "/")));
        assertThrows(IllegalStateException.class, () -> new LaunchSpecBuilder("x").build());
    }

    /** The plan's fd kinds and the launcher's are the same list: FdEnvLayer.wire maps them by name. */
    @Test
    void everyPlannedFdKindHasItsWireKind() {
        assertEquals(java.util.Arrays.stream(FdSpec.Kind.values()).map(Enum::name).toList(),
                java.util.Arrays.stream(DeviceModelFd.Kind.values()).map(Enum::name).toList());
        DeviceModelFd disk = new DeviceModelFd(5, DeviceModelFd.Kind.DISK, "/srv/a.img", true, false, "1:2");
        assertEquals(new FdSpec(5, FdSpec.Kind.DISK, "/srv/a.img", true, false, "1:2"), FdEnvLayer.wire(disk));
    }

    /** The native launcher's own reader and rules (dm-launcher --validate: no host access) accept what the builder wrote. */
    private static void assertNativeLauncherAccepts(LaunchSpec spec) throws Exception {
        String binary = System.getProperty(dev.dmjail.toolstack.lifecycle.LauncherClient.PROPERTY);
        assertNotNull(binary, "the build passes the launcher binary as -Ddmjail.launcher");
        Process p = new ProcessBuilder(binary, "--validate").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(SpecWriter.write(spec));
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "dm-launcher --validate finished");
        assertEquals(0, p.exitValue(), out);
    }
}
