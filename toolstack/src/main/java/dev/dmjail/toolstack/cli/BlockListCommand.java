package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.lifecycle.DiskHotplug;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail block-list NAME|DOMID}: the domain's disks, from its state (the plan the audit checks). */
@Command(name = "block-list", mixinStandardHelpOptions = true,
        description = "List a domain's disks by vdev: those it was created with and those block-attach added.")
public final class BlockListCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Toolstack ts = main.toolstack();
        DomainRecord r = DomainTarget.find(ts, "block-list", domain);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-8s %s%n", "Vdev", "Attached");
        java.util.List<String> hot = DiskHotplug.attached(r);
        for (String v : DiskHotplug.vdevs(r)) {
            out.printf("%-8s %s%n", v, hot.contains(v) ? "block-attach" : "create");
        }
        return ExitCodes.OK;
    }
}
