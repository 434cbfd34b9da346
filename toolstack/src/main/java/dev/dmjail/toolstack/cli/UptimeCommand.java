package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail uptime [-s] [--json] [NAME|DOMID...]}: xl uptime's table, from the state file's createdEpochMillis. */
@Command(name = "uptime", mixinStandardHelpOptions = true,
        description = "Print how long each domain (or the ones named) has existed, since its create began, in xl uptime's "
                + "format: Name, ID, Uptime ([D day(s), ]H:MM:SS).")
public final class UptimeCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Parameters(paramLabel = "NAME|DOMID", arity = "0..*", description = "domains to show (default: all)")
    List<String> domains = new ArrayList<>();

    @Option(names = {"-s", "--short"}, description = "xl's short form: ' HH:MM:SS up UPTIME, NAME (ID)', no header")
    boolean shortMode;

    @Option(names = "--json", description = "print an array of {name, domid, uptime_seconds}")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException, IOException {
        Toolstack ts = main.toolstack();
        List<DomainRecord> records = new ArrayList<>();
        if (domains.isEmpty()) {
            try {
                records.addAll(ts.store().list());
            } catch (IOException e) {
                throw new DmjailException(ExitCodes.FAILED, "uptime: " + e.getMessage());
            }
        } else {
            for (String d : domains) {
                records.add(DomainTarget.find(ts, "uptime", d));
            }
        }
        long now = System.currentTimeMillis();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ArrayNode arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
            for (DomainRecord r : records) {
                arr.addObject().put("name", r.name()).put("domid", r.domid()).put("uptime_seconds", seconds(r, now));
            }
            out.println(CreateCommand.pretty().writeValueAsString(arr));
            return ExitCodes.OK;
        }
        if (!shortMode) {
            out.printf("%-33s %4s %s%n", "Name", "ID", "Uptime");
        }
        String clock = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss"));
        for (DomainRecord r : records) {
            long s = seconds(r, now);
            if (shortMode) {
                out.printf(" %s up %s, %s (%d)%n", clock, format(s, true), Printable.line(r.name()), r.domid());
            } else {
                out.printf("%-33s %4d %s%n", Printable.line(r.name()), r.domid(), format(s, false));
            }
        }
        return ExitCodes.OK;
    }

    static long seconds(DomainRecord r, long nowMillis) {
        return Math.max(0, (nowMillis - r.createdEpochMillis()) / 1000);
    }

    /** xl's uptime_to_string (tools/xl/xl_info.c). */
    static String format(long uptime, boolean shortMode) {
        long day = uptime / 86400;
        long hour = uptime % 86400 / 3600;
        long min = uptime % 3600 / 60;
        long sec = uptime % 60;
        String days = day > 1 ? day + " days, " : day == 1 ? "1 day, " : "";
        return shortMode ? days + String.format("%2d:%02d", hour, min) : days + String.format("%2d:%02d:%02d", hour, min, sec);
    }
}
