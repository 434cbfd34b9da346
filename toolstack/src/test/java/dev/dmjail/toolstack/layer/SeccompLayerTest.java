package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seccomp layer's verify, against a fake /proc: mode and filter count per thread. The filters'
 * rules need ptrace on a live process; a fake tree says they were not observable (the rules
 * themselves are evaluated against the real QEMU in EndToEndTest and AuditHonestyTest).
 */
class SeccompLayerTest {

    @TempDir
    Path tmp;

    private static final LayerPlan PLAN = LayerPlan.enforced(SeccompLayer.NAME, new SeccompLayer.Settings(
            "on,obsolete=deny", true, SeccompLayer.DENY_EPERM, SeccompLayer.DENY_ENOSYS, true,
            SeccompLayer.DENY_SOCKET_FAMILIES, 2));

    @Test
    void passesWithEveryThreadFilteredTwice() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID, 4243);
        LayerVerdict v = new SeccompLayer().verify(PLAN, p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertTrue(FakeProc.check(v, "filter rules (PTRACE_SECCOMP_GET_FILTER)").observed().startsWith("not observable"),
                "a fake tree never claims the rules");
    }

    @Test
    void failsWhenAThreadHasNoFilter() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID, 4243)
                .thread(4243, FakeProc.confinedStatus(65545), "Seccomp", "0");
        assertEquals(List.of("thread 4243: Seccomp mode"), failed(new SeccompLayer().verify(PLAN, p.view())));
    }

    @Test
    void failsWhenAFilterIsMissing() {
        FakeProc p = new FakeProc(tmp).threads(FakeProc.confinedStatus(65545), FakeProc.PID)
                .thread(FakeProc.PID, FakeProc.confinedStatus(65545), "Seccomp_filters", "1");
        assertEquals(List.of("thread 4242: Seccomp_filters"), failed(new SeccompLayer().verify(PLAN, p.view())));
    }
}
