package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.layer.FdEnvBoundedOutput;
import dev.dmjail.toolstack.text.ConsoleFilter;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * {@code dmjail console -r NAME}: the console log, what the guest wrote to its serial line (QEMU's
 * chardev logfile, on the domain's bounded tmpfs while it runs, copied to LOG_DIR/NAME.console at
 * destroy); with -f it follows the log while the domain exists. A log that reached its bound says
 * so on stderr (the kept copy ends with the same note, {@link FdEnvBoundedOutput#truncationNote}).
 */
final class ConsoleLogView {

    private final Toolstack ts;
    private final String name;
    private final String key;
    private final PrintWriter out;
    private final PrintWriter err;

    ConsoleLogView(Toolstack ts, String name, String key, PrintWriter out, PrintWriter err) {
        this.ts = ts;
        this.name = name;
        this.key = key;
        this.out = out;
        this.err = err;
    }

    int print(boolean follow) throws DmjailException, IOException, InterruptedException {
        Path console = ts.store().pathsOfKey(key).console();
        if (!Files.exists(console)) {
            throw new DmjailException(ExitCodes.NOT_FOUND, "console: no console output for " + Printable.line(name) + " (" + console + ")");
        }
        // On a terminal the guest's bytes pass a filter (ConsoleFilter: text, colours and cursor moves
        // only); piped to a file or a program they stay exactly as the guest wrote them.
        ConsoleFilter filter = System.console() != null ? new ConsoleFilter() : null;
        boolean live = Files.isSymbolicLink(console);
        try (Reader in = new InputStreamReader(Files.newInputStream(console), StandardCharsets.UTF_8)) {
            char[] buf = new char[8192];
            while (true) {
                int n = in.read(buf);
                if (n > 0) {
                    out.write(filter != null ? filter.filter(CharBuffer.wrap(buf, 0, n)) : new String(buf, 0, n));
                    out.flush();
                    continue;
                }
                if (live && FdEnvBoundedOutput.full(console)) {
                    err.println("console: " + FdEnvBoundedOutput.truncationNote(Files.size(console))
                            + " (`dmjail console " + Printable.line(name) + "` shows the guest's output live)");
                    return ExitCodes.OK;
                }
                if (!follow || ts.store().readKey(key).isEmpty() || !Files.exists(console, LinkOption.NOFOLLOW_LINKS)) {
                    return ExitCodes.OK;
                }
                Thread.sleep(100);
            }
        }
    }
}
