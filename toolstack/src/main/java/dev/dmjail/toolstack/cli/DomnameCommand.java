package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
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

/** {@code dmjail domname DOMID}: the domain's name, one line (xl domname). */
@Command(name = "domname", mixinStandardHelpOptions = true, description = "Print the name of the domain with id DOMID.")
public final class DomnameCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "DOMID")
    String domid;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        if (!domid.matches("\\d{1,9}")) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "domname: invalid domain id " + domid);
        }
        int id = Integer.parseInt(domid);
        Toolstack ts = main.toolstack();
        Optional<DomainRecord> r;
        try {
            r = ts.store().list().stream().filter(d -> d.domid() == id).findFirst();
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "domname: cannot read the domain state: " + e.getMessage());
        }
        if (r.isEmpty()) {
            throw new DmjailException(ExitCodes.NOT_FOUND, "domname: no domain with id " + id);
        }
        spec.commandLine().getOut().println(Printable.line(r.get().name()));
        return ExitCodes.OK;
    }
}
