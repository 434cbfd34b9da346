package dev.dmjail.toolstack.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dmjail reboot [-F] NAME|DOMID}: asks the guest to reboot by sending it Ctrl-Alt-Delete on
 * its PS/2 keyboard (QMP send-key); QEMU has no ACPI "reboot" event, and system_reset is not a
 * request but the reset button. With -F, as xl's fallback ("equivalent to the reset option to
 * trigger"), it presses the reset button (QMP system_reset).
 */
@Command(name = "reboot", mixinStandardHelpOptions = true,
        description = {"Ask the guest to reboot: send it Ctrl-Alt-Delete on its keyboard (QMP send-key); "
                + "QEMU has no ACPI reboot event. The guest decides (most Linux systems reboot; Windows opens its security "
                + "screen; a guest that ignores the keys keeps running). Returns at once.",
                "-F presses the reset button instead (QMP system_reset, as dmjail reset), as xl reboot -F falls back to "
                + "'trigger reset'."})
public final class RebootCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @Option(names = "-F", description = "hard reset (QMP system_reset) instead of asking the guest")
    boolean fallback;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("reboot");
        Toolstack ts = main.toolstack();
        DomainRecord r = DomainTarget.find(ts, "reboot", domain);
        if (fallback) {
            DomainTarget.qmp(ts, "reboot", r, "system_reset", null);
        } else {
            DomainTarget.qmp(ts, "reboot", r, "send-key", ctrlAltDelete());
        }
        spec.commandLine().getOut().println("Rebooting domain " + r.domid());
        return ExitCodes.OK;
    }

    /** {"keys": [ctrl, alt, delete]} as QAPI KeyValue objects (qapi/ui.json). */
    static ObjectNode ctrlAltDelete() {
        ObjectNode args = JsonNodeFactory.instance.objectNode();
        var keys = args.putArray("keys");
        for (String k : new String[] {"ctrl", "alt", "delete"}) {
            keys.addObject().put("type", "qcode").put("data", k);
        }
        return args;
    }
}
