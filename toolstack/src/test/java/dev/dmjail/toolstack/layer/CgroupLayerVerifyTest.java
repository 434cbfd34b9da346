package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dmjail.toolstack.host.CgroupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup layer's verify, against a fake /proc/PID/cgroup and a fake group directory: membership
 * and the limits read back. (The v2 BPF device program needs a real cgroup: EndToEndTest.)
 */
class CgroupLayerVerifyTest {

    @TempDir
    Path tmp;

    private FakeProc p;
    private Path group;
    private LayerPlan plan;

    @BeforeEach
    void tree() throws Exception {
        group = Files.createDirectories(tmp.resolve("cgroup2/dmjail/t"));
        Files.writeString(group.resolve("memory.max"), "469762048\n");
        Files.writeString(group.resolve("pids.max"), "128\n");
        p = new FakeProc(tmp.resolve("proc")).file(FakeProc.PID + "/cgroup", "0::/dmjail/t\n");
        plan = LayerPlan.enforced(CgroupLayer.NAME, new CgroupLayer.Settings("V2",
                List.of(new CgroupLayer.Group("v2", "memory,pids", "dmjail/t", group.toString())),
                469762048L, 128, List.of(), List.of(), List.of()));
    }

    private LayerVerdict verify() {
        return new CgroupLayer(new CgroupLayout(Map.of(), tmp.resolve("cgroup2"), java.util.Set.of("memory", "pids")))
                .verify(plan, p.view());
    }

    @Test
    void passesInTheGroupWithItsLimits() {
        LayerVerdict v = verify();
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(3, v.checks().size());
    }

    @Test
    void failsOutsideTheGroup() {
        p.file(FakeProc.PID + "/cgroup", "0::/user.slice/user-0.slice\n");
        assertEquals(List.of("member of v2 memory,pids cgroup"), failed(verify()));
    }

    @Test
    void failsOnAnotherMemoryLimit() throws Exception {
        Files.writeString(group.resolve("memory.max"), "max\n");
        assertEquals(List.of("memory.max"), failed(verify()));
    }
}
