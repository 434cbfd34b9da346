package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The selinux layer's verify, against a fake /proc/PID/attr/current (this host has no SELinux to run it on). */
class SelinuxLayerVerifyTest {

    @TempDir
    Path tmp;

    private static final LayerPlan PLAN = LayerPlan.enforced(SelinuxLayer.NAME, SelinuxLayer.labels(12, 345, List.of()));

    private LayerVerdict verify(String label) {
        FakeProc p = new FakeProc(tmp).file(FakeProc.PID + "/attr/current", label + "\0");
        return new SelinuxLayer(new SelinuxMcsAllocator(Map::of), () -> null).verify(PLAN, p.view());
    }

    @Test
    void passesWithTheDomainsLabel() {
        assertEquals(LayerVerdict.Result.PASS, verify("system_u:system_r:svirt_t:s0:c12,c345").result());
    }

    @Test
    void failsWithAnotherDomainsCategories() {
        LayerVerdict v = verify("system_u:system_r:svirt_t:s0:c12,c346");
        assertEquals(List.of("attr/current"), failed(v));
    }
}
