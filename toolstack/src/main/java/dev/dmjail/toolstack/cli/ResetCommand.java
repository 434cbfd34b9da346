package dev.dmjail.toolstack.cli;

import picocli.CommandLine.Command;

/** {@code dmjail reset NAME|DOMID}: QMP {@code system_reset} (xl trigger reset). */
@Command(name = "reset", mixinStandardHelpOptions = true,
        description = "Hard-reset a domain, as the reset button does (QMP system_reset): the guest restarts from its firmware in the same device model process, without being asked. Prints nothing.")
public final class ResetCommand extends QmpButtonCommand {
    public ResetCommand() {
        super("reset", "system_reset");
    }
}
