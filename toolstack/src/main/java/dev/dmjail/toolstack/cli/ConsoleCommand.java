package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainKey;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dmjail console NAME}: the guest's first serial line. By default a session on the serial
 * socket ({@link SerialSession}): interactive on a terminal (raw mode, Ctrl-] ends it), a plain
 * stdin/stdout copy otherwise. {@code -r} prints the console log instead ({@link ConsoleLogView}),
 * {@code -f} follows it.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Attach to the domain's serial console: on a terminal (stdin and stdout) everything typed goes "
                + "to the guest and Ctrl-] ends the session; otherwise stdin is sent to the guest and its output "
                + "copied to stdout until stdin ends and the guest has been quiet for --linger-ms, or the guest goes "
                + "away. One session at a time.",
                "-r prints the console log instead (read-only, also after destroy); -f follows it."})
public final class ConsoleCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-r", "--read-only"}, description = "print the console log (what the guest wrote, kept after destroy)")
    boolean readOnly;

    @Option(names = {"-f", "--follow"}, description = "with the log (implies -r): keep printing new output until the domain is destroyed")
    boolean follow;

    @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "1000",
            description = "not on a terminal: after stdin ends, keep copying the guest's output until it has been "
                    + "quiet this long (default: ${DEFAULT-VALUE})")
    long lingerMillis;

    @Override
    public Integer call() throws DmjailException, IOException, InterruptedException {
        Toolstack ts = main.toolstack();
        if (readOnly || follow) {
            // a destroyed domain's log is kept under its key: the name's own one, unless it was renamed
            Optional<DomainRecord> r = ts.store().find(domain);
            String key = r.map(DomainRecord::key).orElse(DomainKey.escape(domain));
            if (r.isEmpty() && (domain.matches("\\d*") || !DomainKey.isKey(key))) {
                throw new DmjailException(ExitCodes.NOT_FOUND, "console: no domain " + domain);
            }
            return new ConsoleLogView(ts, r.map(DomainRecord::name).orElse(domain), key, spec.commandLine().getOut(),
                    spec.commandLine().getErr()).print(follow);
        }
        if (lingerMillis < 0 || lingerMillis > 3_600_000) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "console: --linger-ms must be 0 .. 3600000");
        }
        Privileges.requireRoot("console");
        DomainRecord r = DomainTarget.find(ts, "console", domain);
        DomainTarget.requireRunning(ts, "console", r);
        return new SerialSession(r.name(), ts.store().paths(r), spec.commandLine().getOut(),
                spec.commandLine().getErr(), lingerMillis).run();
    }
}
