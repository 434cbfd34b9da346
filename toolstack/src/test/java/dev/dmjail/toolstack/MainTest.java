package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run builds the root and only the subcommand it names (issue 14: picocli's reflection over all of
 * them cost more than list's own work); what needs every subcommand still gets them all.
 */
class MainTest {

    @TempDir
    Path tmp;

    private static Set<String> built(String... args) {
        return Main.commandLine(args).getSubcommands().keySet();
    }

    @Test
    void aRunBuildsOnlyTheSubcommandItNames() {
        assertEquals(Set.of("list"), built("list"));
        assertEquals(Set.of("list"), built("-q", "--host-config", "/nonexistent", "list", "--json"));
        assertEquals(Set.of("host"), built("-vv", "host", "check"));
        assertEquals(Set.of("create"), built("--host-config=/x", "create", "--help"));
        assertEquals(Set.of(), built("--version"));
        assertEquals(Set.of(), built());
    }

    @Test
    void theSubcommandTableIsAllsAnnotation() {
        java.util.Map<String, Class<?>> annotated = new java.util.HashMap<>();
        for (Class<?> c : Main.All.class.getAnnotation(picocli.CommandLine.Command.class).subcommands()) {
            picocli.CommandLine.Command cmd = c.getAnnotation(picocli.CommandLine.Command.class);
            annotated.put(cmd.name(), c);
            for (String alias : cmd.aliases()) {
                annotated.put(alias, c);
            }
        }
        assertEquals(annotated, Main.SUBCOMMANDS);
    }

    @Test
    void theStoredHelpIsPicocliOwn() {
        // issue 14: dmjail --help prints the text the build rendered; it must be what picocli prints
        String stored = UsageText.stored();
        assertTrue(stored != null && stored.contains("Exit codes:"), "the build stores " + UsageText.RESOURCE);
        assertEquals(UsageText.render(), stored);
        for (String a : new String[] {"--help", "-h", "--version", "-V"}) {
            assertEquals(CliRun.run(a).out(), Main.quickAnswer(new String[] {a}), a);
        }
        assertEquals(stored, Main.quickAnswer(new String[] {"--help"}));
        assertEquals(null, Main.quickAnswer(new String[] {"--version", "list"}));
        assertEquals(null, Main.quickAnswer(new String[] {"list"}));
    }

    @Test
    void helpAndUnknownNamesGetEverySubcommand() {
        Set<String> all = Main.commandLine().getSubcommands().keySet();
        assertTrue(all.containsAll(Set.of("create", "destroy", "list", "audit", "console", "host", "help")), all.toString());
        assertEquals(all, built("--help"));
        assertEquals(all, built("-h"));
        assertEquals(all, built("help", "create"));
        assertEquals(all, built("lst"));
        assertEquals(all, built("--host-config")); // a bad global option: the whole CLI parses and reports it
    }

    @Test
    void whatEachRunPrintsIsWhatTheWholeCliPrints() throws Exception {
        CliRun v = CliRun.run("--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("dmjail "), v.out());
        CliRun help = CliRun.run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("destroy") && help.out().contains("Exit codes:"), help.out());
        CliRun none = CliRun.run();
        assertEquals(ExitCodes.BAD_CONFIG, none.exit());
        assertEquals("dmjail: missing subcommand (see dmjail --help)\n", none.err());
        CliRun unknown = CliRun.run("lst");
        assertEquals(ExitCodes.BAD_CONFIG, unknown.exit());
        assertTrue(unknown.err().startsWith("dmjail: Unmatched argument at index 0: 'lst'"), unknown.err());
        CliRun badOption = CliRun.run("--host-config");
        assertEquals(ExitCodes.BAD_CONFIG, badOption.exit());
        assertTrue(badOption.err().contains("--host-config"), badOption.err());
        // the subcommand sees the root's options (@ParentCommand) when added on its own
        TestHost h = new TestHost(tmp);
        CliRun list = h.run("list");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().startsWith("Name "), list.out());
        CliRun missing = CliRun.run("--host-config", tmp.resolve("nonexistent.conf").toString(), "list");
        assertEquals(ExitCodes.BAD_CONFIG, missing.exit());
        assertTrue(missing.err().contains("host config not found"), missing.err());
    }
}
