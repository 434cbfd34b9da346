package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.NicHotplug;
import dev.dmjail.toolstack.plan.Nic;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail network-list NAME|DOMID}: the domain's NICs, from its state. */
@Command(name = "network-list", mixinStandardHelpOptions = true,
        description = "List a domain's NICs: devid, MAC, host tap, bridge, model, and whether create or network-attach made it.")
public final class NetworkListCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Toolstack ts = main.toolstack();
        DomainRecord r = DomainTarget.find(ts, "network-list", domain);
        PrintWriter out = spec.commandLine().getOut();
        List<Integer> hot = NicHotplug.attached(r);
        out.printf("%-4s %-18s %-16s %-16s %-10s %s%n", "Idx", "Mac", "Tap", "Bridge", "Model", "Attached");
        for (Nic n : NicHotplug.nics(r)) {
            out.printf("%-4d %-18s %-16s %-16s %-10s %s%n", n.devid(), n.mac(), n.ifname(), n.bridge(), n.model(),
                    hot.contains(n.devid()) ? "network-attach" : "create");
        }
        return ExitCodes.OK;
    }
}
