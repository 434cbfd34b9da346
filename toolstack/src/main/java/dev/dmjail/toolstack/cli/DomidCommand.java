package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail domid NAME}: the domain's id, one line (xl domid). */
@Command(name = "domid", mixinStandardHelpOptions = true, description = "Print the domain id of the domain named NAME.")
public final class DomidCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME")
    String name;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Toolstack ts = main.toolstack();
        Optional<DomainRecord> r;
        try {
            r = ts.store().byName(name); // xl domid: by name only, even an all-digits one
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "domid: cannot read the domain state: " + e.getMessage());
        }
        if (r.isEmpty()) {
            throw new DmjailException(ExitCodes.NOT_FOUND, "domid: no domain named " + name);
        }
        spec.commandLine().getOut().println(r.get().domid());
        return ExitCodes.OK;
    }
}
