package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainSaver;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail save [-c|-p] NAME|DOMID FILE [CONFIG]}: xl save, through a pipe the toolstack writes out. */
@Command(name = "save", mixinStandardHelpOptions = true,
        description = {"Save a domain's state to FILE, as xl save does: the guest is stopped, its device model's "
                + "state written to FILE (a new file, mode 0600; dmjail never overwrites one) with the domain's xl config "
                + "(CONFIG if given, else the file the domain was created from), and the domain destroyed.",
                "dmjail restore FILE starts it again, confined as at create."})
public final class SaveCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "FILE")
    Path file;

    @Parameters(index = "2", arity = "0..1", paramLabel = "CONFIG", description = "the xl config to store with the state")
    Path config;

    @Option(names = "-c", description = "leave the domain running after saving it (a checkpoint)")
    boolean checkpoint;

    @Option(names = "-p", description = "leave the domain paused after saving it")
    boolean paused;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "how long the device model may take to write its state (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        if (timeoutSeconds <= 0 || timeoutSeconds > 86_400) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "save: --timeout must be 1..86400 seconds, got " + timeoutSeconds);
        }
        if (checkpoint && paused) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "save: -c and -p exclude each other");
        }
        Privileges.requireRoot("save");
        Toolstack ts = main.toolstack();
        PrintWriter out = spec.commandLine().getOut();
        DomainRecord r = DomainTarget.find(ts, "save", domain);
        DomainTarget.requireRunning(ts, "save", r);
        Path target = file.toAbsolutePath().normalize();
        try {
            String text;
            String configFile;
            if (config != null) {
                configFile = config.toAbsolutePath().normalize().toString();
                text = new String(dev.dmjail.toolstack.sys.SafeFile.readRegularFile(configFile, 1 << 20), StandardCharsets.UTF_8);
            } else {
                configFile = r.config();
                text = DomainSaver.configOf(r);
            }
            long n = DomainSaver.save(r, ts.store().paths(r), target, configFile, text, checkpoint,
                    timeoutSeconds * 1000L);
            out.println("Saved domain " + r.domid() + " (" + Printable.line(r.name()) + ") to " + Printable.line(target.toString()) + " ("
                    + (n >> 20) + " MiB of device-model state)");
            if (!checkpoint && !paused) {
                ts.manager().destroy(r);
                out.println("Destroyed domain " + Printable.line(r.name()));
            }
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "save: " + Printable.line(String.valueOf(e.getMessage())));
        } catch (dev.dmjail.toolstack.sys.SafeFile.Refused e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "save: " + config + ": " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
