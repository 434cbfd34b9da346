package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpuid= beyond what the parity corpus shows (XlParityTest checks the JSON of ok-cpuid-* and warn-cpuid-*). */
class CpuidSpecTest {
    @TempDir Path dir;

    private ParsedDomain load(String cpuid) throws Exception {
        Path f = dir.resolve("g.cfg");
        Files.writeString(f, "name = \"g\"\ntype = \"hvm\"\ncpuid = " + cpuid + "\n");
        return XlConfigLoader.load(f, List.of(), HostFacts.uniform(4));
    }

    @Test void theFeatureTableIsXen4177s() {
        assertEquals(232, CpuidSpec.FEATURES.size());
        assertEquals(512, CpuidSpec.FEATURES.get("rdcl-no"));
        assertEquals(0, CpuidSpec.FEATURES.get("fpu"));
    }

    @Test void aRegisterStringOf32BytesButFewerCharactersIsRefused() throws Exception {
        // 30 ASCII characters and one two-byte character: 32 bytes, which xl takes and prints cut in its middle
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("[ \"0x1:eax=" + "0".repeat(30) + "\u00e9\" ]"));
        assertTrue(e.getMessage().contains("not ASCII"), e.getMessage());
        // 32 characters, more bytes: xl's error #5, a warning
        ParsedDomain p = load("[ \"0x1:eax=" + "0".repeat(31) + "\u00e9\" ]");
        assertTrue(p.warnings().stream().anyMatch(w -> w.contains("error #5")), p.warnings().toString());
        assertEquals("cpuid", p.ignored().get(0).key());
    }

    @Test void aBadFlagKeepsTheEntryXlHadMadeForItsLeaf() throws Exception {
        var j = LibxlJson.toJson(load("\"host,tm=z\"").domain());
        assertEquals("{\"cpuid\":[{\"leaf\":1}],\"msr\":[]}", j.at("/b_info/cpuid").toString());
    }
}
