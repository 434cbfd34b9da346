package dev.dmjail.toolstack.audit;

import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.layer.LayerVerdict;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.state.DomainRecord;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves a domain's confinement from the kernel's view: each layer's verify() reads /proc of the
 * running device model (all its threads) and compares it with the stored plan. A layer is never
 * reported PASS without a check that read something from /proc.
 */
public final class Auditor {

    private final List<ConfinementLayer> layers;

    public Auditor(List<ConfinementLayer> layers) { this.layers = layers; }

    public AuditReport audit(DomainRecord r, ConfinementPlan plan) {
        List<AuditReport.Entry> entries = new ArrayList<>();
        boolean fail = false;
        ProcessView view = r.pid() == null ? null : new ProcessView(r.pid()).once(); // one look at the process
        boolean alive = view != null && view.aliveAndStartedAt(r.pidStartTime());
        for (ConfinementLayer l : layers) {
            LayerPlan lp = plan.layer(l.name());
            LayerVerdict v;
            if (!alive) {
                v = new LayerVerdict(l.name(), LayerVerdict.Result.FAIL, List.of(new LayerVerdict.Check(
                        "device model process", "running (pid " + r.pid() + ")", "not running", false)));
            } else {
                v = l.verify(lp, view);
            }
            fail |= v.result() == LayerVerdict.Result.FAIL;
            entries.add(new AuditReport.Entry(l.name(), lp.status().name(), lp.reason(), v.result(), v.checks()));
        }
        int threads = alive ? view.threadStatuses().size() : 0;
        return new AuditReport(r.name(), r.domid(), r.pid(), r.uid(), threads, entries, fail ? "FAIL" : "PASS");
    }
}
