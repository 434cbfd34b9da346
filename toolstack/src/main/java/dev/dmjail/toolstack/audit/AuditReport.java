package dev.dmjail.toolstack.audit;

import dev.dmjail.toolstack.layer.LayerVerdict;
import java.util.List;

/**
 * The audit of one running domain: per layer, what was planned and what /proc showed.
 *
 * @param threads number of device-model threads observed (every per-thread check ran on each)
 * @param verdict PASS when no layer FAILed (WEAKENED and UNAVAILABLE are reported, not failed)
 */
public record AuditReport(String domain, int domid, Integer pid, Integer uid, int threads,
                          List<Entry> layers, String verdict) {

    /** One layer: the planned status and reason next to the verdict and its checks. */
    public record Entry(String layer, String planned, String reason, LayerVerdict.Result result,
                        List<LayerVerdict.Check> checks) {}

    public boolean passed() { return verdict.equals("PASS"); }

    /** For create's one-line failure: each failed layer's first failed check, planned against observed. */
    public String failureSummary() {
        List<String> out = new java.util.ArrayList<>();
        for (Entry e : layers) {
            if (e.result() == LayerVerdict.Result.FAIL) {
                e.checks().stream().filter(c -> !c.ok()).findFirst().ifPresent(c ->
                        out.add(e.layer() + ": " + c.what() + " planned " + c.planned() + ", observed " + c.observed()));
            }
        }
        return String.join("; ", out);
    }
}
