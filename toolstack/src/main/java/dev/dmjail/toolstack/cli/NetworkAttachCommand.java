package dev.dmjail.toolstack.cli;

import dev.dmjail.config.VifSpec;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.layer.PlanException;
import dev.dmjail.toolstack.lifecycle.NicHotplug;
import dev.dmjail.toolstack.plan.Nic;
import dev.dmjail.toolstack.plan.UnhonouredKeys;
import dev.dmjail.toolstack.text.Printable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail network-attach NAME|DOMID VIFSPEC...}: xl network-attach, the tap made and handed over by dmjail. */
@Command(name = "network-attach", mixinStandardHelpOptions = true,
        description = {"Attach a NIC to a running domain, as xl network-attach does: VIFSPEC is an xl vif spec "
                + "(xl-network-configuration(5); several arguments are joined with commas). dmjail makes its tap on the "
                + "bridge (with ip= source rules), attaches to it and hands the device model the fd; the guest gets the "
                + "NIC by PCI hotplug. The device model still has no network of the host.",
                "As at create, script= other than vif-bridge and rate= are refused."})
public final class NetworkAttachCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1..*", arity = "0..*", paramLabel = "VIFSPEC")
    List<String> spec = new ArrayList<>();

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("network-attach");
        Toolstack ts = main.toolstack();
        DomainTarget.change(ts, "network-attach", domain, r -> {
            int devid = NicHotplug.nics(r).stream().mapToInt(Nic::devid).max().orElse(-1) + 1;
            VifSpec v;
            try {
                v = XlConfigLoader.parseVifSpec(String.join(",", spec), devid, new ArrayList<>());
            } catch (IllegalArgumentException e) {
                throw refuse(Printable.line(e.getMessage()));
            }
            List<String> why = UnhonouredKeys.vifRefusals(v);
            if (!why.isEmpty()) {
                throw refuse(why.get(0));
            }
            Nic nic;
            try {
                nic = Nic.one(r.name(), v, r.domid());
            } catch (PlanException e) {
                throw refuse(e.getMessage());
            }
            if (!dev.dmjail.toolstack.layer.NetworkLayer.bridgeExists(nic.bridge())) {
                throw refuse("vif " + devid + ": bridge " + nic.bridge() + " does not exist on this host");
            }
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/sys/class/net", nic.ifname()))) {
                throw refuse("vif " + devid + ": interface " + nic.ifname() + " already exists");
            }
            NicHotplug.attach(ts.store(), r, nic, ts.policy().qmpTimeoutMillis());
            commandSpec.commandLine().getOut().println("Attached vif " + devid + " (" + nic.ifname() + " on " + nic.bridge()
                    + ", mac " + nic.mac() + ")");
        });
        return ExitCodes.OK;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec commandSpec;

    private static DmjailException refuse(String why) {
        return new DmjailException(ExitCodes.BAD_CONFIG, "network-attach: " + why);
    }
}
