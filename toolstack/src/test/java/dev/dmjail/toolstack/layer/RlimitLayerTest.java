package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rlimits layer's verify, against a fake /proc/PID/limits (fs/proc/base.c proc_pid_limits' layout). */
class RlimitLayerTest {

    @TempDir
    Path tmp;

    private static LayerPlan plan() {
        Map<String, Long> l = new LinkedHashMap<>();
        l.put("FSIZE", 2101248L);
        l.put("CORE", 0L);
        l.put("NOFILE", 1024L);
        return LayerPlan.enforced(RlimitLayer.NAME, new RlimitLayer.Settings(l, "test"));
    }

    private static String limits(long fsizeSoft) {
        return String.format("%-25s %-20s %-20s %-10s%n", "Limit", "Soft Limit", "Hard Limit", "Units")
                + String.format("%-25s %-20s %-20s %-10s%n", "Max cpu time", "unlimited", "unlimited", "seconds")
                + String.format("%-25s %-20s %-20s %-10s%n", "Max file size", fsizeSoft, 2101248, "bytes")
                + String.format("%-25s %-20s %-20s %-10s%n", "Max core file size", 0, 0, "bytes")
                + String.format("%-25s %-20s %-20s %-10s%n", "Max open files", 1024, 1024, "files");
    }

    @Test
    void passesWhenEveryPlannedLimitIsSoftEqualsHard() {
        FakeProc p = new FakeProc(tmp).file(FakeProc.PID + "/limits", limits(2101248));
        LayerVerdict v = new RlimitLayer().verify(plan(), p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(3, v.checks().size());
    }

    @Test
    void failsWhenTheSoftLimitDiffers() {
        FakeProc p = new FakeProc(tmp).file(FakeProc.PID + "/limits", limits(262144));
        LayerVerdict v = new RlimitLayer().verify(plan(), p.view());
        assertEquals(LayerVerdict.Result.FAIL, v.result());
        assertEquals(List.of("Max file size"), failed(v));
        assertEquals("262144/2101248", FakeProc.check(v, "Max file size").observed());
    }
}
