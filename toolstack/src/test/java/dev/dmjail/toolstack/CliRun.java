package dev.dmjail.toolstack;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs the real CLI in-process, as {@link Main#main} builds it for these arguments (the root and the one
 * subcommand named), and captures exit code, stdout and stderr.
 */
public record CliRun(int exit, String out, String err) {

    public static CliRun run(List<String> args) {
        String[] a = args.toArray(String[]::new);
        CommandLine cl = Main.commandLine(a);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(a);
        return new CliRun(rc, out.toString(), err.toString());
    }

    public static CliRun run(String... args) {
        return run(new ArrayList<>(List.of(args)));
    }
}
