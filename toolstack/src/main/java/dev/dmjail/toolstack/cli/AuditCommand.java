package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.audit.AuditReport;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail audit NAME|DOMID} (or {@code --all}): planned vs observed, per layer, from /proc. */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Prove a running domain's confinement from /proc: for every layer, what was planned and what "
                + "the kernel shows (PASS, FAIL, WEAKENED, UNAVAILABLE). Exits 4 when a planned layer is not in force. "
                + "With --all, every domain, one after the other (exit 4 when any fails).")
public final class AuditCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID", arity = "0..1")
    String domain;

    @Option(names = "--all", description = "audit every domain (instead of NAME)")
    boolean everyDomain;

    @Option(names = "--json", description = "print the audit as JSON")
    boolean json;

    @Option(names = {"-a", "--all-checks"}, description = "print every check, not only failed ones")
    boolean all;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        if (everyDomain == (domain != null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "audit: name one domain, or --all");
        }
        Privileges.requireRoot("audit");
        Toolstack ts = main.toolstack();
        try {
            if (!everyDomain) {
                DomainRecord r = ts.store().find(domain)
                        .orElseThrow(() -> new DmjailException(ExitCodes.NOT_FOUND, "audit: no domain " + domain));
                return print(audit(ts, r), null) ? ExitCodes.OK : ExitCodes.AUDIT_FAILED;
            }
            boolean passed = true;
            com.fasterxml.jackson.databind.node.ArrayNode arr = json ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode() : null;
            for (Audited a : EachDomain.ask(ts.store().list(), r -> audit(ts, r))) { // all at once, printed in order
                passed &= print(a, arr);
            }
            if (json) {
                spec.commandLine().getOut().println(CreateCommand.pretty().writeValueAsString(arr));
            }
            return passed ? ExitCodes.OK : ExitCodes.AUDIT_FAILED;
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "audit: " + e.getMessage());
        }
    }

    /** One domain's audit, what its device model does with the guest, and its taints. */
    private record Audited(AuditReport report, String guest, java.util.List<String> taints) {}

    private static Audited audit(Toolstack ts, DomainRecord r) throws IOException {
        // what the device model does with the guest (a confined QEMU may hold a paused, panicked or
        // stopped guest): QMP query-status, as list shows it
        return new Audited(ts.manager().audit(r), ListCommand.state(ts, r), QemuMonitorCommand.taints(r));
    }

    /** Prints one domain's audit (or adds it to {@code arr} for --all --json); whether it passed. */
    private boolean print(Audited d, com.fasterxml.jackson.databind.node.ArrayNode arr) throws IOException {
        AuditReport a = d.report();
        String guest = d.guest();
        java.util.List<String> taints = d.taints();
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = CreateCommand.pretty().valueToTree(a);
            o.put("guest_state", guest);
            taints.forEach(o.withArray("tainted")::add);
            if (arr != null) {
                arr.add(o);
            } else {
                spec.commandLine().getOut().println(CreateCommand.pretty().writeValueAsString(o));
            }
        } else {
            AuditPrinter.print(spec.commandLine().getOut(), a, all);
            spec.commandLine().getOut().println("  guest: " + guest + (guest.equals("running") ? ""
                    : " (the device model is not running the guest; QMP query-status)"));
            if (!taints.isEmpty()) {
                spec.commandLine().getOut().println("  TAINTED: qemu-monitor-command changed the device model outside "
                        + "the plan " + taints.size() + " time(s):");
                taints.forEach(t -> spec.commandLine().getOut().println("    " + dev.dmjail.toolstack.text.Printable.line(t)));
            }
        }
        return a.passed();
    }
}
