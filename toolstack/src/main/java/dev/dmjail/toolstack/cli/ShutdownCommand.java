package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainControl;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dmjail shutdown [-w] [-F] NAME|DOMID}: presses the guest's ACPI power button (QMP
 * system_powerdown); with -w waits, bounded, for the guest to power off and then cleans the domain
 * up as destroy does (xl's default on_poweroff is destroy).
 */
@Command(name = "shutdown", mixinStandardHelpOptions = true,
        description = {"Ask the guest to shut down: press its ACPI power button (QMP system_powerdown). "
                + "The guest decides; one without ACPI support (or that ignores the button) keeps running.",
                "Returns at once unless -w is given: then it waits, at most --timeout seconds, for the guest to power off "
                + "and cleans the domain up exactly as destroy does (xl's default on_poweroff=destroy). "
                + "If the device model has already exited, -w only cleans up."})
public final class ShutdownCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @Option(names = {"-w", "--wait"}, description = "wait for the guest to power off, then clean the domain up (as destroy); "
            + "may be repeated, as with xl")
    boolean[] waitFlags = new boolean[0];

    @Option(names = "-F", description = "accepted for xl compatibility (xl's fallback to the ACPI power button for guests "
            + "without PV drivers); dmjail always uses the ACPI power button")
    boolean fallback;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "with -w: how long to wait for the guest to power off (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException, InterruptedException {
        if (timeoutSeconds <= 0 || timeoutSeconds > 86_400) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "shutdown: --timeout must be 1..86400 seconds, got " + timeoutSeconds);
        }
        Privileges.requireRoot("shutdown");
        boolean wait = waitFlags.length > 0;
        Toolstack ts = main.toolstack();
        PrintWriter out = spec.commandLine().getOut();
        DomainRecord r = DomainTarget.find(ts, "shutdown", domain);
        DomainPaths paths = ts.store().paths(r);
        if (wait && r.state() == DomainState.RUNNING && DomainControl.poweredOff(r, paths)) {
            out.println("Domain " + r.domid() + " (" + Printable.line(r.name()) + ") has already powered off; cleaning up");
            return cleanUp(ts, r, out);
        }
        DomainTarget.qmp(ts, "shutdown", r, "system_powerdown", null);
        out.println("Shutting down domain " + r.domid());
        if (!wait) {
            return ExitCodes.OK;
        }
        out.println("Waiting for domain " + r.domid() + " (" + Printable.line(r.name()) + ") to power off, at most " + timeoutSeconds + " s");
        out.flush();
        if (!DomainControl.awaitPowerOff(r, paths, timeoutSeconds * 1000L)) {
            throw new DmjailException(ExitCodes.FAILED, "shutdown: domain " + r.name() + " did not power off within "
                    + timeoutSeconds + " s (its guest may not handle the ACPI power button); it is still running: "
                    + "dmjail destroy " + r.name() + " stops it");
        }
        out.println("Domain " + r.domid() + " (" + Printable.line(r.name()) + ") has powered off; cleaning up");
        return cleanUp(ts, r, out);
    }

    private static int cleanUp(Toolstack ts, DomainRecord r, PrintWriter out) throws DmjailException {
        if (DomainControl.preservedOnPoweroff(r) && DomainControl.deviceModelAlive(r)) {
            out.println("Domain " + Printable.line(r.name()) + " is kept by its on_poweroff action (preserve, or the watcher's restart or "
                    + "coredump): dmjail destroy " + Printable.line(r.name()) + " removes it");
            return ExitCodes.OK;
        }
        try {
            ts.manager().destroy(r);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "shutdown: " + e.getMessage());
        }
        out.println("Destroyed domain " + Printable.line(r.name()));
        return ExitCodes.OK;
    }
}
