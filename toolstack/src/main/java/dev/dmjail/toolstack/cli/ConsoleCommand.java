package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.ConsoleFilter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dmjail console NAME}: the guest's serial output. The device model writes it to a file the
 * privileged side opened (it cannot reach the host's filesystem itself); this prints it and, with
 * -f, follows it while the domain exists.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
        description = "Show the domain's serial console output (read-only); -f follows it.")
public final class ConsoleCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID")
    String domain;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"-f", "--follow"}, description = "keep printing new output until the domain is destroyed")
    boolean follow;

    @Override
    public Integer call() throws DmjailException, IOException, InterruptedException {
        Toolstack ts = main.toolstack();
        Optional<DomainRecord> r = ts.store().find(domain);
        String name = r.map(DomainRecord::name).orElse(domain);
        if (r.isEmpty() && !domain.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new DmjailException(ExitCodes.NOT_FOUND, "console: no domain " + domain);
        }
        Path console = ts.store().paths(name).console();
        if (!Files.exists(console)) {
            throw new DmjailException(ExitCodes.NOT_FOUND, "console: no console output for " + domain + " (" + console + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        // On a terminal the guest's bytes pass a filter (ConsoleFilter: text, colours and cursor moves
        // only); piped to a file or a program they stay exactly as the guest wrote them.
        ConsoleFilter filter = System.console() != null ? new ConsoleFilter() : null;
        try (Reader in = new InputStreamReader(Files.newInputStream(console), StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            while (true) {
                int n = in.read(buf);
                if (n > 0) {
                    if (filter != null) {
                        out.write(filter.filter(java.nio.CharBuffer.wrap(buf, 0, n)));
                    } else {
                        out.write(buf, 0, n);
                    }
                    out.flush();
                    continue;
                }
                if (!follow || ts.store().read(name).isEmpty()) {
                    return ExitCodes.OK;
                }
                Thread.sleep(100);
            }
        }
    }
}
