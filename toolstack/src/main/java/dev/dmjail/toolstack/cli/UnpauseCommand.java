package dev.dmjail.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code dmjail unpause NAME|DOMID}: QMP {@code cont}, as xl unpause. */
@Command(name = "unpause", mixinStandardHelpOptions = true,
        description = "Move a paused domain out of the paused state (QMP cont). Prints nothing.")
public final class UnpauseCommand extends QmpButtonCommand {
    public UnpauseCommand() {
        super("unpause", "cont");
    }
}
