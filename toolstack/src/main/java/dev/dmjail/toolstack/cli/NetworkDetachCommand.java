package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.NicHotplug;
import dev.dmjail.toolstack.plan.Nic;
import dev.dmjail.toolstack.text.Printable;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail network-detach NAME|DOMID DEVID|MAC}: xl network-detach of a NIC network-attach added. */
@Command(name = "network-detach", mixinStandardHelpOptions = true,
        description = "Detach a NIC that network-attach added, by devid or MAC, as xl network-detach does: the guest is "
                + "asked to release it (waits at most 30 s), then its tap is removed from the host. NICs a domain was "
                + "created with stay until destroy.")
public final class NetworkDetachCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "DEVID|MAC")
    String which;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("network-detach");
        Toolstack ts = main.toolstack();
        DomainTarget.change(ts, "network-detach", domain, r -> {
            Nic nic = NicHotplug.nics(r).stream()
                    .filter(n -> Integer.toString(n.devid()).equals(which) || n.mac().equalsIgnoreCase(which))
                    .findFirst().orElseThrow(() -> new DmjailException(ExitCodes.BAD_CONFIG, "network-detach: "
                            + r.name() + " has no vif " + Printable.line(which)));
            if (!NicHotplug.attached(r).contains(nic.devid())) {
                throw new DmjailException(ExitCodes.BAD_CONFIG, "network-detach: vif " + nic.devid() + " of " + r.name()
                        + " was created with it; it stays until destroy");
            }
            NicHotplug.detach(ts.store(), r, nic, ts.policy().qmpTimeoutMillis());
        });
        return ExitCodes.OK;
    }
}
