package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail reset NAME|DOMID}: QMP {@code system_reset} (xl trigger reset). */
@Command(name = "reset", mixinStandardHelpOptions = true,
        description = "Hard-reset a domain, as the reset button does (QMP system_reset): the guest restarts from its firmware in the same device model process, without being asked. Prints nothing.")
public final class ResetCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("reset");
        Toolstack ts = main.toolstack();
        DomainTarget.qmp(ts, "reset", DomainTarget.find(ts, "reset", domain), "system_reset", null);
        return ExitCodes.OK;
    }
}
