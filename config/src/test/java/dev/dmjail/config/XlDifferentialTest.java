package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random values for the keys whose readers port C most literally (vnuma, cpuid in both forms, rdm with pci,
 * cpus/cpus_soft with node forms), each config through the real {@code xl -N create} (fakexen shim) and through
 * dmjail with the shim's host: accept/refuse and the JSON must agree, under XlParityTest's projection (uuid,
 * rdm's uninitialised fields). A fixed seed, so a failure is reproducible; it found vnuma's size=0 memkb.
 */
class XlDifferentialTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final String[] SHAPES = {
        "vnuma = [ [ \"%s\", \"%s\" ], [ \"%s\" ] ]",
        "vnuma = [ [ \"%s\", \"%s\", \"%s\" ] ]\nmaxvcpus = 2",
        "cpuid = \"host,%s,%s,%s\"",
        "cpuid = [ \"%s\", \"%s\", \"%s\" ]",
        "rdm = \"%s,%s%s\"\npci = [ \"01:00.0\" ]",
        "vcpus = 2\ncpus = \"%s,%s%s\"",
        "vcpus = 1\ncpus_soft = [ \"%s\", \"%s\", \"node:%s\" ]"};
    private static final String[] WORDS = {"pnode=", "size=", "vcpus=", "vdistances=", "strategy=", "policy=", "host",
        "tm=", "family=", "model=", "rdcl-no=", "0x1:eax=", "0x7,0:ebx=", "node:", "nodes:", "strict", "relaxed", "1-2", "0-1"};
    private static final String[] VALUES = {"0", "1", "x", "k", "s", "z", "0x1f", "16", "0-1", "1,0", "10,20", "host",
        "bogus", ""};
    private static final String ALPHABET = "0123456789abcdex=,-:^ sthpolicy";
    /** A long digit run can be a range xl walks one bit at a time for minutes: not generated. */
    private static final Pattern LONG_NUMBER = Pattern.compile("[0-9]{7}");

    @TempDir Path dir;

    @Test
    void randomValuesAgreeWithXl() throws Exception {
        RealXl.ensureReady();
        Random r = new Random(2026_12_04L);
        List<String> differ = new ArrayList<>();
        int compared = 0;
        for (int i = 0; i < 1000; i++) {
            String[] parts = new String[3];
            for (int j = 0; j < 3; j++) {
                StringBuilder sb = new StringBuilder();
                if (r.nextInt(8) != 0) sb.append(WORDS[r.nextInt(WORDS.length)]);
                if (r.nextInt(4) != 0) sb.append(VALUES[r.nextInt(VALUES.length)]);
                for (int k = r.nextInt(4) / 2; k > 0; k--) sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                if (r.nextInt(6) == 0) sb.append("x".repeat(32));
                parts[j] = sb.toString();
            }
            String text = "name = \"g\"\ntype = \"hvm\"\n" + String.format(SHAPES[r.nextInt(SHAPES.length)], (Object[]) parts) + "\n";
            if (LONG_NUMBER.matcher(text).find()) continue;
            Path cfg = dir.resolve("d" + i + ".cfg");
            Files.writeString(cfg, text);
            RealXl.Result xl = RealXl.create(cfg, List.of());
            ObjectNode ours = null;
            String error = null;
            try {
                ours = LibxlJson.toJson(XlConfigLoader.load(cfg, List.of(), XlParityTest.FAKEXEN).domain());
            } catch (ConfigException e) {
                error = e.getMessage();
                assertEquals(1, error.lines().count(), "one line: " + error);
            }
            compared++;
            if ((xl.exit() == 0) != (ours != null)) {
                differ.add("accept: xl exit " + xl.exit() + ", dmjail " + (error == null ? "accepts" : error) + "\n" + text);
                continue;
            }
            if (ours == null) continue;
            JsonNode theirs = M.readTree(xl.stdout());
            ((ObjectNode) theirs.get("c_info")).remove("uuid");
            ours.with("c_info").remove("uuid");
            XlParityTest.takeUninitialised(ours, theirs);
            if (!ours.equals(theirs)) {
                List<String> d = new ArrayList<>();
                XlParityTest.diff("", theirs, ours, d);
                differ.add("JSON " + d + "\n" + text);
            }
        }
        assertTrue(compared > 800, "compared " + compared);
        assertEquals(List.of(), differ, "dmjail and xl differ");
    }
}
