package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import picocli.CommandLine.Option;

/** The options migrate and migrate-receive share with xl's (and pass from one to the other). */
final class MigrationOptions {
    @Option(names = "-p", description = "leave the guest paused on the receiving host once it is there")
    boolean paused;

    @Option(names = "-e", description = "as xl: the receiver does not stay in the background (dmjail never leaves a "
            + "process per domain, with or without -e)")
    boolean noDaemon;

    @Option(names = "-F", description = "as xl: run in the foreground (dmjail always does)")
    boolean foreground;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "how long the whole migration may take (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    /** The migration's deadline (System.nanoTime), or a bad-command-line failure. */
    long deadline(String command) throws DmjailException {
        if (timeoutSeconds <= 0 || timeoutSeconds > 86_400) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, command + ": --timeout must be 1..86400 seconds, got "
                    + timeoutSeconds);
        }
        return System.nanoTime() + timeoutSeconds * 1_000_000_000L;
    }

    /** The same options for the receiver's command line. */
    java.util.List<String> forReceiver() {
        java.util.List<String> flags = new java.util.ArrayList<>();
        if (noDaemon) flags.add("-e");
        if (paused) flags.add("-p");
        flags.add("--timeout");
        flags.add(Long.toString(timeoutSeconds));
        return flags;
    }
}
