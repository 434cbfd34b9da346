package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Parity with the real xl: every config in src/test/resources/xl-corpus goes through both
 * {@code xl -N create} (LD_PRELOAD fakexen.so) and {@link XlConfigLoader} + {@link LibxlJson}.
 * <ul>
 *   <li>{@code ok-*}: both accept; the JSON trees are equal, and {@link LibxlJson#render} prints
 *       exactly xl's text (a uuid xl generated is masked on both sides).</li>
 *   <li>{@code bad-*}: both refuse.</li>
 *   <li>{@code warn-*}: xl accepts but complains on stderr and ignores the value; dmjail accepts too, with
 *       the same JSON, warns, and records the setting as {@link ParsedDomain#ignored()} (create refuses it).</li>
 * </ul>
 * {@code NAME.args} holds command-line overrides, one per line. {@code # expect: TEXT} in a config
 * must appear in dmjail's error message, {@code # expect-warning: TEXT} in one of its warnings.
 */
class XlParityTest {
    static final Path CORPUS = Path.of("src/test/resources/xl-corpus");
    private static final ObjectMapper M = new ObjectMapper();
    /** The host src/test/native/fakexen.c makes up for xl: 4 CPUs, all online, all on NUMA node 0. */
    static final HostFacts FAKEXEN = HostFacts.uniform(4);
    private static final Pattern UUID_LINE = Pattern.compile("\"uuid\": \"([0-9a-f-]{36})\"");

    @Test
    void corpusIsBigEnough() throws IOException {
        assertTrue(configs().size() >= 30, "corpus needs at least 30 configs, has " + configs().size());
    }

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException, InterruptedException {
        RealXl.ensureReady();
        // Start every xl run up front, in parallel: ~80 processes take well under two seconds that way.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        Map<Path, Future<RealXl.Result>> runs = new LinkedHashMap<>();
        for (Path cfg : configs()) runs.put(cfg, pool.submit(() -> RealXl.create(cfg, overrides(cfg))));
        pool.shutdown();
        return runs.entrySet().stream().map(run -> DynamicTest.dynamicTest(run.getKey().getFileName().toString(), () -> {
            Path cfg = run.getKey();
            try {
                check(cfg, run.getValue().get());
            } catch (AssertionError e) {
                throw new AssertionError(cfg.getFileName() + ": " + e.getMessage(), e);
            }
        }));
    }

    static List<Path> configs() throws IOException {
        try (Stream<Path> s = Files.list(CORPUS)) {
            return s.filter(p -> p.toString().endsWith(".cfg")).sorted().toList();
        }
    }

    private static void check(Path cfg, RealXl.Result xl) throws Exception {
        String name = cfg.getFileName().toString();
        List<String> overrides = overrides(cfg);
        String text = Files.readString(cfg, StandardCharsets.UTF_8);

        ParsedDomain ours = null;
        ConfigException ourError = null;
        try {
            ours = XlConfigLoader.load(cfg, overrides, FAKEXEN);
        } catch (ConfigException e) {
            ourError = e;
        }

        if (name.startsWith("ok-")) {
            if (xl.exit() != 0) fail("xl refused a config the corpus calls valid:\n" + xl.stderr());
            if (ourError != null) fail("dmjail refused a config xl accepts: " + ourError.getMessage());
            compare(ours, xl.stdout());
            for (String w : directives(text, "expect-warning")) {
                assertTrue(ours.warnings().stream().anyMatch(x -> x.contains(w)),
                        "expected a warning containing <" + w + ">, got " + ours.warnings());
            }
        } else if (name.startsWith("bad-")) {
            if (xl.exit() == 0) fail("xl accepted a config the corpus calls invalid:\n" + xl.stdout());
            if (ourError == null) fail("dmjail accepted a config xl refuses (xl said: " + xl.stderr().strip() + ")");
            checkExpect(text, ourError);
        } else if (name.startsWith("warn-")) {
            if (xl.exit() != 0) fail("xl refused a warn-* config (rename it bad-*):\n" + xl.stderr());
            String complaint = xl.stderr().replaceAll("(?m)^Parsing config from .*\\n?", "").strip();
            if (complaint.isEmpty()) fail("xl accepted a warn-* config without any complaint");
            if (ourError != null) fail("dmjail refused a config xl accepts (with: " + complaint + "): " + ourError.getMessage());
            compare(ours, xl.stdout());
            if (ours.ignored().isEmpty()) fail("xl ignored a value (" + complaint + "); dmjail recorded none");
            for (String w : directives(text, "expect-warning")) {
                assertTrue(ours.warnings().stream().anyMatch(x -> x.contains(w)),
                        "expected a warning containing <" + w + ">, got " + ours.warnings());
            }
        } else {
            fail("corpus file names start with ok-, bad- or warn-: " + name);
        }
    }

    private static void checkExpect(String text, ConfigException e) {
        assertEquals(1, e.getMessage().lines().count(), "one-line message");
        // FILE:LINE: at a line, FILE: where none applies (a key the config does not hold), never FILE:0:
        assertTrue(e.getMessage().matches("[^:]+(:[1-9]\\d*)?: .*"), "FILE[:LINE]: shape: " + e.getMessage());
        for (String want : directives(text, "expect")) {
            assertTrue(e.getMessage().contains(want), "error message\n  " + e.getMessage() + "\nshould contain\n  " + want);
        }
    }

    private static void compare(ParsedDomain ours, String xlOut) throws IOException {
        ObjectNode mine = LibxlJson.toJson(ours.domain());
        JsonNode theirs = M.readTree(xlOut);
        String xlText = xlOut;
        if (ours.domain().uuid() == null) {
            // xl generated a random uuid; so did we. Mask both.
            Matcher m = UUID_LINE.matcher(xlOut);
            assertTrue(m.find(), "xl printed no uuid");
            xlText = xlOut.replace(m.group(1), "00000000-0000-0000-0000-000000000000");
            theirs = M.readTree(xlText);
            ((ObjectNode) mine.get("c_info")).put("uuid", "00000000-0000-0000-0000-000000000000");
        }
        JsonNode genid = theirs.at("/b_info/type.hvm/ms_vm_genid");
        if (genid.isArray() && mine.at("/b_info/type.hvm/ms_vm_genid").isArray()) {
            // ms_vm_genid = "generate": 16 random bytes on each side; only the shape can be compared
            assertEquals(16, genid.size());
            assertEquals(16, mine.at("/b_info/type.hvm/ms_vm_genid").size());
            ((ObjectNode) mine.at("/b_info/type.hvm")).set("ms_vm_genid", genid);
        }
        takeUninitialised(mine, theirs);
        if (!mine.equals(theirs)) {
            List<String> diffs = new ArrayList<>();
            diff("", theirs, mine, diffs);
            fail("JSON differs from xl -N create (xl vs dmjail):\n  " + String.join("\n  ", diffs)
                    + "\n--- xl:\n" + xlText + "--- dmjail:\n" + LibxlJson.render(mine));
        }
        assertEquals(xlText, LibxlJson.render(mine), "render() must print exactly what xl prints");
    }

    /**
     * The fields xl fills from memory it never initialised (RdmSpec: a parsed rdm= leaves b_info.u.hvm.rdm's
     * policy, and its strategy when not given, as the stack held them, and each PCI device without rdm_policy=
     * copies that policy): dmjail prints null there, and only there the projection takes xl's value. Debian's
     * xl 4.17.7 prints null too, but a rebuild need not.
     */
    private static void takeUninitialised(ObjectNode mine, JsonNode theirs) {
        for (String f : List.of("strategy", "policy")) {
            if (!mine.at("/b_info/type.hvm/rdm/" + f).isNull()) continue;
            JsonNode x = theirs.at("/b_info/type.hvm/rdm/" + f);
            ObjectNode rdm = (ObjectNode) mine.at("/b_info/type.hvm/rdm");
            if (x.isMissingNode()) rdm.remove(f); // the garbage was libxl's default, not printed
            else rdm.set(f, x);
        }
        JsonNode pcis = mine.get("pcidevs");
        for (int i = 0; pcis != null && i < pcis.size(); i++) {
            JsonNode x = theirs.at("/pcidevs/" + i + "/rdm_policy");
            if (pcis.get(i).path("rdm_policy").isNull()) {
                if (x.isMissingNode()) ((ObjectNode) pcis.get(i)).remove("rdm_policy"); // the garbage was libxl's default
                else ((ObjectNode) pcis.get(i)).set("rdm_policy", x);
            }
        }
    }

    /** A readable list of the paths where the two trees differ. */
    static void diff(String path, JsonNode xl, JsonNode ours, List<String> out) {
        if (xl == null || ours == null) {
            out.add(path + ": xl=" + xl + " dmjail=" + ours);
        } else if (xl.isObject() && ours.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            xl.fieldNames().forEachRemaining(keys::add);
            ours.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) diff(path + "/" + k, xl.get(k), ours.get(k), out);
        } else if (xl.isArray() && ours.isArray()) {
            for (int i = 0; i < Math.max(xl.size(), ours.size()); i++) diff(path + "[" + i + "]", xl.get(i), ours.get(i), out);
        } else if (!xl.equals(ours)) {
            out.add(path + ": xl=" + xl + " dmjail=" + ours);
        }
    }

    static List<String> overrides(Path cfg) throws IOException {
        Path args = cfg.resolveSibling(cfg.getFileName().toString().replaceFirst("\\.cfg$", ".args"));
        if (!Files.exists(args)) return List.of();
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(args, StandardCharsets.UTF_8)) if (!l.isBlank()) out.add(l);
        return out;
    }

    static List<String> directives(String text, String kind) {
        List<String> out = new ArrayList<>();
        Iterator<String> it = text.lines().iterator();
        while (it.hasNext()) {
            String l = it.next().strip();
            String prefix = "# " + kind + ": ";
            if (l.startsWith(prefix)) out.add(l.substring(prefix.length()));
        }
        return out;
    }
}
