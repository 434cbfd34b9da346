package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The landlock layer's verify, against a fake /proc: the kernel shows no Landlock domain, so what is
 * checked is the launcher's probe answer recorded with the plan and no_new_privs from status.
 */
class LandlockLayerTest {

    @TempDir
    Path tmp;

    private static LayerPlan plan(String probe) {
        LayerPlan p = LayerPlan.enforced(LandlockLayer.NAME, new LandlockLayer.Settings(List.of("/"), List.of("/tmp"),
                List.of("/dev"), true, true, 7, null));
        return new LandlockLayer().withProof(p, probe);
    }

    private static final String PROVEN = "ABI 7; probe connect(127.0.0.1:1) = EACCES";

    @Test
    void passesWithTheProbeRefusedAndNoNewPrivs() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545));
        LayerVerdict v = new LandlockLayer().verify(plan(PROVEN), p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
    }

    @Test
    void failsWithoutNoNewPrivs() {
        FakeProc p = new FakeProc(tmp).file(FakeProc.PID + "/status", "NoNewPrivs:\t0\n");
        assertEquals(List.of("no_new_privs (set with the ruleset: Landlock's precondition)"),
                failed(new LandlockLayer().verify(plan(PROVEN), p.view())));
    }

    @Test
    void failsWhenTheProbeWasNotRefusedByLandlock() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545));
        LayerVerdict v = new LandlockLayer().verify(plan("ABI 7; probe connect(127.0.0.1:1) = ENETUNREACH"), p.view());
        assertEquals(List.of("applied by the launcher at spawn (the kernel shows no Landlock state in /proc)"), failed(v));
    }
}
