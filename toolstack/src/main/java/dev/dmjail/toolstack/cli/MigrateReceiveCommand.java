package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.MigrationHandshake;
import dev.dmjail.toolstack.lifecycle.MigrationStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail migrate-receive [-p]}: xl migrate-receive, the end of dmjail migrate on the receiving host. */
@Command(name = "migrate-receive", mixinStandardHelpOptions = true,
        description = {"The receiving end of dmjail migrate, which runs it (over ssh, or as a child for localhost): the "
                + "migration stream on stdin, the answers on stdout. The domain is created as NAME--incoming with its own domid "
                + "and uid, every layer in force, and audited before a byte of its state is read; the guest starts only once "
                + "the sender gives it up, and on any failure before that the domain is destroyed. Not for interactive use."})
public final class MigrateReceiveCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @picocli.CommandLine.Mixin
    MigrationOptions options;

    @Option(names = "-d", description = "xl's debug stream: refused (QEMU's stream has none)")
    boolean debug;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        if (debug) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate-receive: -d is not supported: xl's debug stream verifies "
                    + "guest memory in libxc, and QEMU's migration stream has no such mode");
        }
        long deadline = options.deadline("migrate-receive");
        Privileges.requireRoot("migrate-receive");
        Toolstack ts = main.toolstack();
        PrintWriter err = spec.commandLine().getErr();
        // stdout is the stream back to the sender: nothing else is printed on it
        String name = MigrationHandshake.receive(ts.store(), ts.manager(), options.paused, MigrationStream.ofStdio(deadline), deadline, err);
        err.println("migration target: domain " + dev.dmjail.toolstack.text.Printable.line(name) + " started.");
        return ExitCodes.OK;
    }
}
