package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.confinedStatus;
import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dac layer's verify, against a fake /proc: every thread's credentials, groups, capabilities, no_new_privs. */
class DacLayerTest {

    @TempDir
    Path tmp;

    private static final LayerPlan PLAN = LayerPlan.enforced(DacLayer.NAME, new DacLayer.Settings(65545, 65545,
            "xen-qemuuser-range-base", "RANGE", true, List.of(), true, true, 65536, 65536, false));

    private LayerVerdict verify(FakeProc p) {
        return new DacLayer(s -> null).verify(PLAN, p.view());
    }

    @Test
    void passesWhenEveryThreadIsTheDomainsUidWithoutPowers() {
        FakeProc p = new FakeProc(tmp).threads(confinedStatus(65545), FakeProc.PID, 4243);
        LayerVerdict v = verify(p);
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(2 * 9, v.checks().size(), "nine checks per thread");
    }

    @Test
    void failsWhenOneThreadKeepsACapability() {
        FakeProc p = new FakeProc(tmp).threads(confinedStatus(65545), FakeProc.PID, 4243)
                .thread(4243, confinedStatus(65545), "CapEff", "0000000000200000");
        LayerVerdict v = verify(p);
        assertEquals(LayerVerdict.Result.FAIL, v.result());
        assertEquals(List.of("thread 4243: CapEff"), failed(v));
    }

    @Test
    void failsWhenOneThreadRunsAsAnotherUid() {
        FakeProc p = new FakeProc(tmp).threads(confinedStatus(65545), FakeProc.PID, 4243)
                .thread(FakeProc.PID, confinedStatus(65545), "Uid", "65545\t0\t65545\t0");
        assertEquals(List.of("thread 4242: Uid (real, effective, saved, fs)"), failed(verify(p)));
    }

    @Test
    void failsWhenTheProcessIsGone() {
        LayerVerdict v = verify(new FakeProc(tmp));
        assertEquals(List.of("process"), failed(v));
    }
}
