package dev.dmjail.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code dmjail pause NAME|DOMID}: QMP {@code stop}, as xl pause. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = "Pause a domain: its vCPUs stop (QMP stop); it keeps its memory and its confinement. Prints nothing.")
public final class PauseCommand extends QmpButtonCommand {
    public PauseCommand() {
        super("pause", "stop");
    }
}
