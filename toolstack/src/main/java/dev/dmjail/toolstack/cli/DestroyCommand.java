package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail destroy NAME|DOMID}: idempotent, finishes whatever an earlier run left half done. */
@Command(name = "destroy", mixinStandardHelpOptions = true,
        description = "Stop a domain's device model (QMP quit, SIGTERM, SIGKILL), kill everything of its uid "
                + "and cgroup, release every layer and remove its state. Destroying a domain that is gone is not an error.")
public final class DestroyCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("destroy");
        Toolstack ts = main.toolstack();
        try {
            boolean found = ts.manager().destroy(domain);
            spec.commandLine().getOut().println(found ? "Destroyed domain " + Printable.line(domain) : "No domain " + Printable.line(domain) + ": nothing to destroy");
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, e.getMessage());
        }
        return ExitCodes.OK;
    }
}
