package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail pause NAME|DOMID}: QMP {@code stop}, as xl pause. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Pause a domain: its vCPUs stop (QMP stop); it keeps its memory and its confinement. Prints nothing.")
public final class PauseCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("pause");
        Toolstack ts = main.toolstack();
        DomainTarget.qmp(ts, "pause", DomainTarget.find(ts, "pause", domain), "stop", null);
        return ExitCodes.OK;
    }
}
