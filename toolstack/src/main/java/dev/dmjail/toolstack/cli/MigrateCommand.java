package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainSaver;
import dev.dmjail.toolstack.lifecycle.FaultPoint;
import dev.dmjail.toolstack.lifecycle.MigrationHandshake;
import dev.dmjail.toolstack.lifecycle.MigrationTransport;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail migrate [-s SSHCOMMAND] [-C CONFIG] [-p] NAME|DOMID HOST}: xl migrate, to a confined receiver. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        description = {"Migrate a running domain to HOST, as xl migrate does: dmjail migrate-receive runs there "
                + "(through SSHCOMMAND HOST, by default ssh), creates the domain as NAME--incoming with its own domid and uid "
                + "and every layer in force, audits it, and only then reads the device model's state, sent live; once it "
                + "holds the guest, this side gives it the go and destroys its own copy. If anything fails before the go, "
                + "this domain resumes and the receiver destroys its copy.",
                "HOST localhost without -s runs the receiver here as a child process, without ssh.",
                "As with xl, this domain is renamed NAME--migratedaway just before the go (back if the receiver then fails), "
                + "and the received domain takes NAME."})
public final class MigrateCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1", paramLabel = "HOST")
    String host;

    @Option(names = "-s", paramLabel = "SSHCOMMAND",
            description = "run SSHCOMMAND HOST dmjail migrate-receive (default: ssh); an empty SSHCOMMAND runs HOST itself as the "
                    + "shell command that reaches the receiver, as xl does")
    String sshCommand;

    @Option(names = "-C", paramLabel = "CONFIG", description = "send this xl config instead of the domain's own")
    Path config;

    @picocli.CommandLine.Mixin
    MigrationOptions options;

    @Option(names = "-D", description = "xl's preserve domid: refused (the receiving host allocates the domid, and the "
            + "device model's uid with it)")
    boolean preserveDomid;

    @Option(names = "--debug", description = "xl's memory-verifying debug stream: refused (QEMU's stream has none)")
    boolean debug;

    @Option(names = "--live", description = "as xl, for xm compatibility: migrations are live anyway")
    boolean live;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        if (preserveDomid) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate: -D is not supported: the receiving host allocates the "
                    + "domid, and with it the device model's uid (a migration to localhost could not keep the sender's while "
                    + "the sender holds it)");
        }
        if (debug) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate: --debug is not supported: xl's debug stream verifies "
                    + "guest memory in libxc, and QEMU's migration stream has no such mode");
        }
        long deadline = options.deadline("migrate");
        Privileges.requireRoot("migrate");
        Toolstack ts = main.toolstack();
        PrintWriter err = spec.commandLine().getErr();
        DomainRecord r = DomainTarget.find(ts, "migrate", domain);
        DomainTarget.requireRunning(ts, "migrate", r);
        String configFile;
        String text;
        try {
            if (config != null) {
                configFile = config.toAbsolutePath().normalize().toString();
                text = new String(SafeFile.readRegularFile(configFile, 1 << 20), StandardCharsets.UTF_8);
            } else {
                configFile = r.config();
                text = DomainSaver.configOf(r);
            }
        } catch (SafeFile.Refused e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate: " + config + ": " + e.getMessage());
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate: " + Printable.line(String.valueOf(e.getMessage()))
                    + "; cannot migrate (give a config with -C)");
        }
        MigrationHandshake.Outcome o;
        try (MigrationTransport t = MigrationTransport.start(transport(), err, deadline)) {
            FaultPoint.hit("migrate.receiver-started");
            o = MigrationHandshake.send(ts.store(), ts.manager(), r, host, configFile, text, t.channel(), deadline, err);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate: " + Printable.line(String.valueOf(e.getMessage())));
        }
        if (!o.migrated()) {
            throw new DmjailException(ExitCodes.FAILED, "migrate: " + Printable.line(o.message()));
        }
        err.println("Migration successful.");
        return ExitCodes.OK;
    }

    /** The receiver's command: a local child for localhost without -s, else xl's rune through sh -c. */
    private List<String> transport() {
        List<String> flags = options.forReceiver();
        if (sshCommand == null && host.equals("localhost")) {
            List<String> cmd = new ArrayList<>(thisDmjail());
            cmd.add("--host-config");
            cmd.add(main.hostConfig().toString());
            cmd.add("migrate-receive");
            cmd.addAll(flags);
            return cmd;
        }
        String ssh = sshCommand == null ? "ssh" : sshCommand;
        // xl_migrate.c: "exec SSHCOMMAND HOST xl migrate-receive", or HOST itself with an empty SSHCOMMAND
        String rune = ssh.isEmpty() ? host : "exec " + ssh + " " + shellQuote(host) + " dmjail migrate-receive " + String.join(" ", flags);
        return List.of("/bin/sh", "-c", rune);
    }

    /** This very dmjail, as a new JVM (bin/dmjail's options): the receiver of a local migration. */
    private static List<String> thisDmjail() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xlog:disable", "-Xlog:all=warning:stderr"));
        for (String p : List.of(dev.dmjail.toolstack.lifecycle.LauncherClient.PROPERTY)) {
            if (System.getProperty(p) != null) {
                cmd.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        return cmd;
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
