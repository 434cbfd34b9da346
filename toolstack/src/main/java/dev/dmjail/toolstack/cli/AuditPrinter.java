package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.audit.AuditReport;
import dev.dmjail.toolstack.layer.LayerVerdict;
import dev.dmjail.toolstack.text.Printable;
import java.io.PrintWriter;

/** The audit as an admin reads it: one line per layer, and every check with -v (or on failure). */
final class AuditPrinter {
    private AuditPrinter() {}

    static void print(PrintWriter out, AuditReport a, boolean details) {
        out.printf("Audit of %s (domid %d, pid %s, uid %s, %d threads): %s%n", Printable.line(a.domain()), a.domid(), a.pid(), a.uid(),
                a.threads(), a.verdict());
        out.printf("  %-12s %-12s %-12s %s%n", "LAYER", "PLANNED", "OBSERVED", "NOTE");
        for (AuditReport.Entry e : a.layers()) {
            long ok = e.checks().stream().filter(LayerVerdict.Check::ok).count();
            String note = e.reason() != null ? e.reason() : ok + "/" + e.checks().size() + " checks hold";
            out.printf("  %-12s %-12s %-12s %s%n", e.layer(), e.planned(), e.result(), Printable.line(note));
            if (details || e.result() == LayerVerdict.Result.FAIL) {
                for (LayerVerdict.Check c : e.checks()) {
                    // observed values come from the device model's /proc (environ, comm, fds): escaped
                    out.printf("      [%s] %s: planned %s; observed %s%n", c.ok() ? "ok" : "FAIL", Printable.line(c.what()),
                            Printable.line(c.planned()), Printable.line(c.observed()));
                }
            }
        }
    }
}
