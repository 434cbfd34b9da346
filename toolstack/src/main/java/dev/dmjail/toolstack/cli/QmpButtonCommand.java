package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import java.util.concurrent.Callable;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * A life-cycle command that is one QMP command without arguments on a running domain, as root,
 * printing nothing: pause, unpause, reset. The subclass names both.
 */
abstract class QmpButtonCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    private final String command;
    private final String qmpCommand;

    QmpButtonCommand(String command, String qmpCommand) {
        this.command = command;
        this.qmpCommand = qmpCommand;
    }

    @Override
    public final Integer call() throws DmjailException {
        Privileges.requireRoot(command);
        Toolstack ts = main.toolstack();
        DomainTarget.qmp(ts, command, DomainTarget.find(ts, command, domain), qmpCommand, null);
        return ExitCodes.OK;
    }
}
