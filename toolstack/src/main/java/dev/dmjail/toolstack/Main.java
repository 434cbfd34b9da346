package dev.dmjail.toolstack;

import dev.dmjail.toolstack.cli.AuditCommand;
import dev.dmjail.toolstack.cli.RenameCommand;
import dev.dmjail.toolstack.cli.ConsoleCommand;
import dev.dmjail.toolstack.cli.BlockAttachCommand;
import dev.dmjail.toolstack.cli.BlockDetachCommand;
import dev.dmjail.toolstack.cli.BlockListCommand;
import dev.dmjail.toolstack.cli.CdEjectCommand;
import dev.dmjail.toolstack.cli.WatchCommand;
import dev.dmjail.toolstack.cli.VcpuSetCommand;
import dev.dmjail.toolstack.cli.MemSetCommand;
import dev.dmjail.toolstack.cli.QemuMonitorCommand;
import dev.dmjail.toolstack.cli.NetworkAttachCommand;
import dev.dmjail.toolstack.cli.NetworkDetachCommand;
import dev.dmjail.toolstack.cli.NetworkListCommand;
import dev.dmjail.toolstack.cli.CdInsertCommand;
import dev.dmjail.toolstack.cli.CreateCommand;
import dev.dmjail.toolstack.cli.MigrateCommand;
import dev.dmjail.toolstack.cli.MigrateReceiveCommand;
import dev.dmjail.toolstack.cli.RestoreCommand;
import dev.dmjail.toolstack.cli.SaveCommand;
import dev.dmjail.toolstack.cli.DestroyCommand;
import dev.dmjail.toolstack.cli.DomidCommand;
import dev.dmjail.toolstack.cli.DomnameCommand;
import dev.dmjail.toolstack.cli.HostCommand;
import dev.dmjail.toolstack.cli.ListCommand;
import dev.dmjail.toolstack.cli.PauseCommand;
import dev.dmjail.toolstack.cli.RebootCommand;
import dev.dmjail.toolstack.cli.ResetCommand;
import dev.dmjail.toolstack.cli.ShutdownCommand;
import dev.dmjail.toolstack.cli.Toolstack;
import dev.dmjail.toolstack.cli.UnpauseCommand;
import dev.dmjail.toolstack.cli.UptimeCommand;
import dev.dmjail.toolstack.host.HostConfigException;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.text.Printable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dmjail}: start QEMU device models deprivileged, prove it, tear them down. The root command
 * and its options; {@link All} adds every subcommand (the model man pages, completion and
 * {@code --help} are made from). A run builds only the subcommand it names ({@link #commandLine(String...)}):
 * picocli reflects over each subcommand class it is given and instantiates it, which for all of
 * them costs more than most commands' own work (docs/benchmark.md, issue 14).
 */
@Command(name = "dmjail", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Starts QEMU device models deprivileged (Xen's dm_restrict, and more): "
                + "its own uid, namespaces, a private read-only root, a cgroup, seccomp and rlimits.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:create/destroy failed (the host was left clean), or a life-cycle command could not be carried out",
                "2:bad input (domain config, host config, command line); nothing was changed",
                "3:no such domain", "4:the audit found a planned layer not in force",
                "5:host not ready (dmjail host check)",
                "6:create -n --check: the plan lists problems that would stop create on this host", "70:internal error (one line; -vv for the stack trace)", "77:must run as root"})
public class Main implements Runnable {

    @Option(names = "--host-config", paramLabel = "FILE",
            description = "host config (default: ${DEFAULT-VALUE})", defaultValue = "/etc/dmjail/dmjail.conf")
    Path hostConfig;

    @Option(names = {"-v", "--verbose"}, description = "more log output on stderr (repeat for debug)")
    boolean[] verbose = new boolean[0];

    @Option(names = {"-q", "--quiet"}, description = "errors only on stderr")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The host config this run uses (a local migration's receiver runs with the same). */
    public Path hostConfig() {
        return hostConfig;
    }

    /** The host's toolstack, built on first use (host config errors are reported then). */
    public Toolstack toolstack() throws DmjailException {
        try {
            return Toolstack.forHost(hostConfig, !hostConfig.equals(HostConfigLoader.DEFAULT_PATH));
        } catch (HostConfigException e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, e.getMessage());
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (see dmjail --help)");
    }

    void configureLogging() {
        dev.dmjail.toolstack.text.StderrLogging.setLevel(
                quiet ? Level.ERROR : verbose.length >= 2 ? Level.DEBUG : verbose.length == 1 ? Level.INFO : Level.WARN);
    }

    /** Every subcommand: what man pages, completion and {@code dmjail --help} show. */
    @Command(subcommands = {CreateCommand.class, DestroyCommand.class, ListCommand.class, AuditCommand.class,
            ConsoleCommand.class, PauseCommand.class, UnpauseCommand.class, ResetCommand.class, ShutdownCommand.class,
            RebootCommand.class, BlockAttachCommand.class, BlockDetachCommand.class, BlockListCommand.class, NetworkAttachCommand.class, NetworkDetachCommand.class, NetworkListCommand.class, CdInsertCommand.class, QemuMonitorCommand.class, MemSetCommand.class, VcpuSetCommand.class, WatchCommand.class, CdEjectCommand.class, SaveCommand.class, RestoreCommand.class, MigrateCommand.class, MigrateReceiveCommand.class, UptimeCommand.class, DomidCommand.class, DomnameCommand.class, RenameCommand.class, HostCommand.class,
            CommandLine.HelpCommand.class})
    public static final class All extends Main {}

    /** The whole CLI: every subcommand in the model. */
    public static CommandLine commandLine() {
        return configure(new CommandLine(new All()));
    }

    /**
     * The CLI for one run: the root with only the subcommand {@code args} name, or the whole CLI when
     * the run needs it (the root's usage help, {@code help}, a name no subcommand has: picocli's
     * "did you mean" looks at all of them). The global options are found by picocli itself, on the
     * root alone.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine probe = new CommandLine(new Main()).setStopAtUnmatched(true).setExpandAtFiles(false);
        try {
            CommandLine.ParseResult root = probe.parseArgs(args);
            List<String> rest = root.unmatched();
            if (rest.isEmpty()) {
                return root.isUsageHelpRequested() ? commandLine() : configure(new CommandLine(new Main()));
            }
            Class<?> sub = SUBCOMMANDS.get(rest.get(0));
            if (sub == null || sub == CommandLine.HelpCommand.class) {
                return commandLine();
            }
            CommandLine cl = new CommandLine(new Main());
            cl.addSubcommand(rest.get(0), new CommandLine(sub));
            return configure(cl);
        } catch (CommandLine.ParameterException e) {
            return commandLine(); // the real parse reports it
        }
    }

    /**
     * Subcommand name (and alias) to class: {@link All}'s list, by name. Written out rather than read
     * from the annotations: reading {@code @Command} of every subcommand (annotation parsing, a dynamic
     * proxy per annotation type) was ~14 ms of a cold `list`'s ~200 (issue 14); {@code MainTest} holds
     * this table to {@link All}'s annotation.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = Map.ofEntries(
            Map.entry("create", CreateCommand.class), Map.entry("destroy", DestroyCommand.class),
            Map.entry("list", ListCommand.class), Map.entry("audit", AuditCommand.class),
            Map.entry("console", ConsoleCommand.class), Map.entry("pause", PauseCommand.class),
            Map.entry("unpause", UnpauseCommand.class), Map.entry("reset", ResetCommand.class),
            Map.entry("shutdown", ShutdownCommand.class), Map.entry("reboot", RebootCommand.class),
            Map.entry("block-attach", BlockAttachCommand.class), Map.entry("block-detach", BlockDetachCommand.class),
            Map.entry("block-list", BlockListCommand.class), Map.entry("network-attach", NetworkAttachCommand.class),
            Map.entry("network-detach", NetworkDetachCommand.class), Map.entry("network-list", NetworkListCommand.class),
            Map.entry("cd-insert", CdInsertCommand.class), Map.entry("qemu-monitor-command", QemuMonitorCommand.class),
            Map.entry("mem-set", MemSetCommand.class), Map.entry("vcpu-set", VcpuSetCommand.class),
            Map.entry("watch", WatchCommand.class), Map.entry("cd-eject", CdEjectCommand.class),
            Map.entry("save", SaveCommand.class), Map.entry("restore", RestoreCommand.class),
            Map.entry("migrate", MigrateCommand.class), Map.entry("migrate-receive", MigrateReceiveCommand.class),
            Map.entry("uptime", UptimeCommand.class), Map.entry("domid", DomidCommand.class),
            Map.entry("domname", DomnameCommand.class), Map.entry("rename", RenameCommand.class),
            Map.entry("host", HostCommand.class), Map.entry("help", CommandLine.HelpCommand.class));

    private static CommandLine configure(CommandLine cl) {
        Main main = cl.getCommand();
        // an argument is what it says: "@x" is a domain named @x (xl takes it so), never a file of arguments
        cl.setExpandAtFiles(false);
        cl.setExecutionStrategy(parse -> {
            if (!helpOrVersionOnly(parse)) { // those print a text and log nothing: no logging backend to start (issue 14)
                main.configureLogging();
            }
            return new CommandLine.RunLast().execute(parse);
        });
        cl.setExecutionExceptionHandler((ex, cmd, parse) -> {
            // Messages quote config values and what a device model wrote: printed escaped, one line.
            if (ex instanceof DmjailException d) {
                cmd.getErr().println("dmjail: " + Printable.line(d.getMessage()));
                return d.exitCode();
            }
            if (ex instanceof java.nio.file.InvalidPathException p) {
                // a name or path from the input that this locale's charset cannot encode (LANG=C and UTF-8 bytes)
                cmd.getErr().println("dmjail: " + Printable.line(p.getInput()) + (p.getInput().indexOf('\0') >= 0
                        ? ": a path cannot hold a NUL byte"
                        : ": cannot be used as a path in this locale's character set (" + System.getProperty("sun.jnu.encoding")
                                + "); run dmjail under a UTF-8 locale such as LANG=C.UTF-8"));
                return ExitCodes.BAD_CONFIG;
            }
            cmd.getErr().println("dmjail: internal error: " + Printable.line(String.valueOf(ex))
                    + (LoggerFactory.getLogger(Main.class).isDebugEnabled() ? "" : " (run with -vv for the stack trace)"));
            if (LoggerFactory.getLogger(Main.class).isDebugEnabled()) {
                ex.printStackTrace(cmd.getErr());
            }
            return ExitCodes.SOFTWARE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("dmjail: " + Printable.line(ex.getMessage()));
            return ExitCodes.BAD_CONFIG;
        });
        return cl;
    }

    /** Whether picocli will answer this run with a usage or version text alone (CommandLine.printHelpIfRequested). */
    static boolean helpOrVersionOnly(CommandLine.ParseResult parse) {
        for (CommandLine c : parse.asCommandLineList()) {
            if (c.isUsageHelpRequested() || c.isVersionHelpRequested()) {
                return true;
            }
        }
        return false;
    }

    public static void main(String[] args) {
        String arch = dev.dmjail.toolstack.sys.Arch.unsupported();
        if (arch != null) { // before anything is read or changed: one line, exit 5 (host not ready)
            System.err.println("dmjail: " + arch);
            System.exit(ExitCodes.HOST_NOT_READY);
        }
        String text = quickAnswer(args);
        if (text != null) {
            System.out.print(text);
            System.out.flush();
            System.exit(ExitCodes.OK);
        }
        System.exit(commandLine(args).execute(args));
    }

    /**
     * What picocli would print for {@code dmjail --help} or {@code dmjail --version} alone (and their
     * short forms), without building any model: the usage text the build rendered ({@link UsageText}),
     * the version line. Null for any other command line, and for help when the build stored no text.
     * A cold picocli model is most of these two commands' cost (issue 14); MainTest holds both answers to picocli's.
     */
    static String quickAnswer(String[] args) {
        if (args.length != 1) {
            return null;
        }
        return switch (args[0]) {
            case "--help", "-h" -> UsageText.stored();
            case "--version", "-V" -> String.join("\n", new Version().getVersion()) + "\n";
            default -> null;
        };
    }

    /** Version from the jar manifest (set by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"dmjail " + (v == null ? "dev" : v)};
        }
    }
}
