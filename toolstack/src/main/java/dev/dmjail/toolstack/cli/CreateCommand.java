package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.text.Printable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.config.ConfigException;
import dev.dmjail.config.LibxlJson;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.Main;
import dev.dmjail.toolstack.lifecycle.DomainManager;
import dev.dmjail.toolstack.lifecycle.GoneDomains;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code dmjail create [-n] guest.cfg [key=value…]}, as {@code xl create}. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a domain from an xl config and start its device model confined. "
                + "With -n, print the parsed domain (as xl -N create does) and the confinement plan as JSON, "
                + "and change nothing.")
public final class CreateCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(CreateCommand.class);
    /**
     * Every JSON the CLI prints. Non-ASCII is written as \\uXXXX: JSON strings may carry C1 controls
     * and bidi overrides from a config or a device model, which a terminal would act on (Jackson
     * already escapes C0 controls); the escaped form is the same JSON to every parser.
     */
    static ObjectMapper pretty() {
        return Pretty.MAPPER;
    }

    /** Built on first use (a JSON answer): a create that prints text builds no ObjectMapper (issue 14). */
    private static final class Pretty {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
    }

    @ParentCommand
    Main main;

    @Option(names = {"-n", "--dry-run"}, description = "print the domain and the plan as JSON; touch nothing")
    boolean dryRun;

    @Option(names = "--check", description = "with -n: exit 6 when the plan lists problems that would stop create "
            + "on this host (without it, -n exits 0 for every config xl accepts, as xl -N does)")
    boolean check;

    @Option(names = "--json", description = "print the result of a real create as JSON")
    boolean json;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "xl domain config file")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "overrides, applied after the file (as xl)")
    List<String> overrides = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws DmjailException, IOException {
        if (check && !dryRun) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "create: --check goes with -n (a create refuses a problem itself)");
        }
        ParsedDomain parsed;
        try {
            parsed = DomainConfigFile.load(config, overrides);
        } catch (ConfigException e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, e.getMessage());
        }
        parsed.warnings().forEach(LOG::warn);
        Toolstack ts = main.toolstack();
        PrintWriter out = spec.commandLine().getOut();
        if (dryRun) {
            ConfinementPlan plan = ts.planner().plan(parsed, null, false);
            // what a real create would refuse or warn about, beyond the parser's own warnings (shown above)
            plan.warnings().stream().filter(w -> !parsed.warnings().contains(w)).forEach(LOG::warn);
            ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            root.set("domain", LibxlJson.toJson(parsed.domain()));
            root.set("plan", dev.dmjail.toolstack.text.RecordTrees.tree(plan));
            out.println(dev.dmjail.toolstack.text.JsonTrees.writePretty(root)); // as pretty() writes it, without building it
            return check && !plan.problems().isEmpty() ? ExitCodes.WOULD_REFUSE : ExitCodes.OK;
        }
        Privileges.requireRoot("create");
        DomainManager manager = ts.manager();
        GoneDomains.reap(manager); // frees the name, domid, uid and disks of guests that are gone
        DomainManager.Created c = manager.create(parsed);
        c.plan().warnings().stream().filter(w -> !parsed.warnings().contains(w)).forEach(LOG::warn);
        if (json) {
            ObjectNode root = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            root.put("name", c.record().name());
            root.put("domid", c.record().domid());
            root.put("pid", c.record().pid());
            root.put("uid", c.record().uid());
            root.put("gid", c.record().gid());
            root.put("vnc", c.plan().vnc() == null ? null : c.plan().vnc().address());
            root.set("audit", pretty().valueToTree(c.audit()));
            out.println(pretty().writeValueAsString(root));
        } else {
            boolean dac = c.plan().layer(dev.dmjail.toolstack.layer.DacLayer.NAME).active();
            out.printf("Created domain %s: domid %d, device model pid %d as %s%n", Printable.line(c.record().name()), c.record().domid(),
                    c.record().pid(), dac ? c.plan().user().describe() : "root (DAC weakened: "
                            + c.plan().layer(dev.dmjail.toolstack.layer.DacLayer.NAME).reason() + ")");
            if (c.plan().vnc() != null) {
                out.printf("VNC on %s%s%n", c.plan().vnc().address(), c.plan().vnc().password() ? " (password)" : "");
            }
            AuditPrinter.print(out, c.audit(), false);
        }
        return ExitCodes.OK;
    }
}
