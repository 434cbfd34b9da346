package dev.dmjail.toolstack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code dmjail qemu-monitor-command NAME|DOMID COMMAND...}: xl's raw HMP passthrough. What it does to
 * the device model is outside dmjail's plan, so the domain is marked tainted first (the state file
 * records the command, and every later audit says so), then the command runs (QMP
 * human-monitor-command); its answer comes from the device model and is printed escaped, bounded.
 */
@Command(name = "qemu-monitor-command", mixinStandardHelpOptions = true,
        description = {"Send a command to the device model's human monitor (HMP), as xl qemu-monitor-command does, and "
                + "print its answer. What such a command changes is not in dmjail's plan: the domain is marked tainted "
                + "(recorded in its state before the command runs) and every later audit of it lists the commands.",
                "The device model stays confined: a command cannot give it a host path, a network or a process."})
public final class QemuMonitorCommand implements Callable<Integer> {

    /** Recorded commands are kept whole up to this; the device model's answer is bounded by the QMP reader. */
    static final int MAX_RECORDED = 4096;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "NAME|DOMID")
    String domain;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND")
    List<String> command;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException {
        Privileges.requireRoot("qemu-monitor-command");
        Toolstack ts = main.toolstack();
        String line = String.join(" ", command);
        if (line.length() > MAX_RECORDED || line.indexOf('\0') >= 0 || line.indexOf('\n') >= 0) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "qemu-monitor-command: one line of at most " + MAX_RECORDED
                    + " characters, without NUL");
        }
        DomainRecord r = DomainTarget.find(ts, "qemu-monitor-command", domain);
        DomainTarget.requireRunning(ts, "qemu-monitor-command", r);
        try {
            DomainRecord fr = r;
            ts.store().<Void, IOException>locked(() -> {
                DomainRecord cur = ts.store().reread(fr).orElse(fr);
                ObjectNode plan = cur.plan().deepCopy();
                ArrayNode t = plan.withArray("tainted");
                t.addObject().put("at", java.time.Instant.now().toString()).put("command", line);
                ts.store().write(cur.withPlan(plan));
                return null;
            });
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "qemu-monitor-command: cannot record the taint: " + e.getMessage());
        }
        ObjectNode args = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("command-line", line);
        JsonNode out = DomainTarget.qmp(ts, "qemu-monitor-command", r, "human-monitor-command", args);
        String text = out.isTextual() ? out.asText() : out.toString();
        // the device model's words: terminal-safe, line by line
        for (String l : text.split("\r?\n", -1)) {
            if (!l.isEmpty()) {
                spec.commandLine().getOut().println(Printable.line(l));
            }
        }
        return ExitCodes.OK;
    }

    /** The commands recorded against a domain, for the audit. */
    static List<String> taints(DomainRecord r) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode t : r.plan().path("tainted")) {
            out.add(t.path("at").asText() + " " + t.path("command").asText());
        }
        return out;
    }
}
