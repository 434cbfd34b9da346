package dev.dmjail.toolstack.cli;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainControl;
import dev.dmjail.toolstack.lifecycle.DomainManager;
import dev.dmjail.toolstack.lifecycle.FaultPoint;
import dev.dmjail.toolstack.lifecycle.IncomingStream;
import dev.dmjail.toolstack.lifecycle.GoneDomains;
import dev.dmjail.toolstack.lifecycle.RunState;
import dev.dmjail.toolstack.lifecycle.SaveImage;
import dev.dmjail.toolstack.plan.Incoming;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail restore [-p] [CONFIG] FILE}: xl restore; a new confined device model loads the saved state. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore a domain saved by dmjail save: a new device model is created as create does (its own "
                + "domid and uid, every layer in force, audited) and reads the saved state from FILE only once it is confined "
                + "(QEMU starts with -incoming defer, is audited, and only then reads the file the launcher opened).",
                "With CONFIG, that xl config is used instead of the one stored in FILE; its disks must hold what they held "
                + "at save."})
public final class RestoreCommand implements Callable<Integer> {
    /** {@code s} as an xl.cfg quoted string (libxlu's escapes for what one line cannot hold raw). */
    static String xlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    private static final Logger LOG = LoggerFactory.getLogger(RestoreCommand.class);

    @ParentCommand
    Main main;

    @Parameters(arity = "1..2", paramLabel = "[CONFIG] FILE")
    List<Path> args;

    @Option(names = "-p", description = "leave the guest paused once its state is loaded")
    boolean paused;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "how long loading the state may take (default: ${DEFAULT-VALUE})")
    long timeoutSeconds;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException, InterruptedException {
        if (timeoutSeconds <= 0 || timeoutSeconds > 86_400) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "restore: --timeout must be 1..86400 seconds, got " + timeoutSeconds);
        }
        Privileges.requireRoot("restore");
        Path config = args.size() == 2 ? args.get(0) : null;
        Path file = args.get(args.size() - 1);
        Toolstack ts = main.toolstack();
        PrintWriter out = spec.commandLine().getOut();
        Path real;
        try {
            real = file.toAbsolutePath().toRealPath(); // the admin's symlinks, once; then no symlink on the way
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "restore: cannot open " + Printable.line(file.toString()));
        }
        try (SaveImage.Opened img = SaveImage.open(real.toString())) {
            ParsedDomain parsed;
            try {
                // the image's own config under the name the domain had when saved: a rename since create
                // is kept, as xl's save stores the domain's current configuration
                parsed = config != null ? DomainConfigFile.load(config, List.of())
                        : XlConfigLoader.parse(real, img.trailer().config(), List.of("name=" + xlString(img.trailer().name())));
            } catch (ConfigException e) {
                throw new DmjailException(ExitCodes.BAD_CONFIG, e.getMessage());
            }
            parsed.warnings().forEach(LOG::warn);
            DomainManager manager = ts.manager();
            GoneDomains.reap(manager);
            DomainManager.Created c = manager.create(parsed, Incoming.saveFile(real.toString(), img.identity(), paused));
            String name = c.record().name();
            // create has audited the new device model: every layer in force, and not a byte of the state read yet
            FaultPoint.hit("restore.confined");
            String state;
            try {
                IncomingStream.fromSaveFile(c.record(), ts.store().paths(c.record()),
                        System.nanoTime() + DomainControl.QMP_DEADLINE_MILLIS * 1_000_000L);
                state = IncomingStream.awaitLoaded(c.record(), ts.store().paths(c.record()), timeoutSeconds * 1000L);
            } catch (IOException e) {
                state = "not loading (" + e.getMessage() + ")";
            }
            FaultPoint.hit("restore.loaded");
            if (state.equals("paused") && !paused) {
                // save stopped the guest, and QEMU restores the run state it was saved in
                // (migration.c process_incoming_migration_bh): resume it, as libvirt does after a restore
                try {
                    DomainControl.qmp(ts.store().paths(c.record()), "cont", null);
                    state = RunState.of(c.record(), ts.store().paths(c.record()));
                } catch (IOException e) {
                    state = "paused (cont failed: " + e.getMessage() + ")";
                }
            }
            boolean ok = paused ? state.equals("paused") || state.equals("prelaunch") : state.equals("running");
            if (!ok) {
                manager.destroy(c.record());
                throw new DmjailException(ExitCodes.FAILED, "restore: the saved state did not load (device model state "
                        + state + "; its log: " + ts.store().paths(c.record()).log() + "); the domain was destroyed");
            }
            out.println("Restored domain " + Printable.line(name) + ": domid " + c.record().domid() + ", device model pid "
                    + c.record().pid() + " as " + c.record().uid() + ":" + c.record().gid() + " (" + state + ")");
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "restore: " + Printable.line(String.valueOf(e.getMessage())));
        }
        return ExitCodes.OK;
    }
}
