package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.GoneDomains;
import dev.dmjail.toolstack.lifecycle.RunState;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail list}: xl's table plus the device model's uid and pid. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List domains (xl list columns, plus UID and PID).")
public final class ListCommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Option(names = "--json", description = "print an array of objects")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The run state as the device model reports it (QMP query-status), never "running" for a guest that is not. */
    static String state(Toolstack ts, DomainRecord r) {
        return RunState.of(r, ts.store().paths(r));
    }

    /** The VNC address the stored plan's network layer bound (host:port), or null; read from JSON, no jnr-ffi on this path. */
    static String vncAddress(DomainRecord r) {
        if (r.plan() == null) {
            return null;
        }
        for (com.fasterxml.jackson.databind.JsonNode l : r.plan().path("layers")) {
            com.fasterxml.jackson.databind.JsonNode v = l.path("settings").path("vnc");
            if ("network".equals(l.path("layer").asText()) && v.hasNonNull("host")) {
                String h = v.path("host").asText();
                return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + v.path("port").asInt();
            }
        }
        return null;
    }

    /**
     * xl list's six state columns (r b p s c d: running, blocked, paused, shutdown, crashed, dying) for
     * a run state. "b" needs the guest's vCPU scheduling, which QEMU does not report: a guest QEMU runs is "r".
     */
    static String xlState(String runState) {
        char at = switch (runState) {
            case "running" -> 'r';
            case "paused", "prelaunch", "inmigrate", "postmigrate", "finish-migrate", "save-vm", "restore-vm",
                 "suspended", "debug", "colo", "watchdog" -> 'p';
            case "shutdown" -> 's';
            case "guest-panicked", "internal-error", "io-error", "crashed" -> 'c';
            case "destroying" -> 'd';
            default -> '-';
        };
        int i = "rbpscd".indexOf(at);
        char[] cols = "------".toCharArray();
        if (i >= 0) {
            cols[i] = at;
        }
        return new String(cols);
    }

    @Override
    public Integer call() throws DmjailException {
        Toolstack ts = main.toolstack();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (Privileges.isRoot()) {
                GoneDomains.reap(ts.store(), ts::manager); // as xl's per-domain process would have done (on_* = destroy)
            }
            var records = ts.store().list();
            List<String> states = EachDomain.ask(records, r -> state(ts, r));
            if (json) {
                ArrayNode arr = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                for (int i = 0; i < records.size(); i++) {
                    DomainRecord r = records.get(i);
                    ObjectNode o = arr.addObject();
                    o.put("name", r.name());
                    o.put("key", r.key());
                    o.put("domid", r.domid());
                    o.put("uid", r.uid());
                    o.put("gid", r.gid());
                    o.put("pid", r.pid());
                    String st = states.get(i);
                    o.put("state", st);
                    o.put("xl_state", xlState(st));
                    o.put("memory_mib", r.memoryMiB());
                    o.put("vcpus", r.vcpus());
                    o.put("log", ts.store().paths(r).log().toString());
                    o.put("vnc", vncAddress(r));
                }
                out.println(CreateCommand.pretty().writeValueAsString(arr));
            } else {
                out.printf("%-32s %5s %5s %5s %-6s %-14s %7s %7s %s%n", "Name", "ID", "Mem", "VCPUs", "State", "QEMU", "UID", "PID", "VNC");
                for (int i = 0; i < records.size(); i++) {
                    DomainRecord r = records.get(i);
                    String st = states.get(i);
                    String vnc = vncAddress(r);
                    out.printf("%-32s %5d %5d %5d %-6s %-14s %7s %7s %s%n", Printable.line(r.name()), r.domid(), r.memoryMiB(), r.vcpus(),
                            xlState(st), st, r.uid() == null ? "-" : r.uid().toString(), r.pid() == null ? "-" : r.pid().toString(),
                            vnc == null ? "-" : vnc);
                }
            }
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "list: " + e.getMessage());
        }
        return ExitCodes.OK;
    }
}
