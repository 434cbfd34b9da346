package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail unpause NAME|DOMID}: QMP {@code cont}, as xl unpause. */
@Command(name = "unpause", mixinStandardHelpOptions = true,
        description = "Move a paused domain out of the paused state (QMP cont). Prints nothing.")
public final class UnpauseCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("unpause");
        Toolstack ts = main.toolstack();
        DomainTarget.qmp(ts, "unpause", DomainTarget.find(ts, "unpause", domain), "cont", null);
        return ExitCodes.OK;
    }
}
