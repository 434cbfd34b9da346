package dev.dmjail.toolstack.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.dmjail.toolstack.layer.CgroupLayer;
import dev.dmjail.toolstack.layer.DacLayer;
import dev.dmjail.toolstack.layer.FdEnvLayer;
import dev.dmjail.toolstack.layer.FilesystemLayer;
import dev.dmjail.toolstack.layer.LandlockLayer;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.layer.NamespaceLayer;
import dev.dmjail.toolstack.layer.NetworkLayer;
import dev.dmjail.toolstack.layer.RlimitLayer;
import dev.dmjail.toolstack.layer.SeccompLayer;
import dev.dmjail.toolstack.layer.SelinuxLayer;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.QemuSandbox;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stored plan read with plain reflection (issue 14: no ObjectMapper in audit and destroy) gives
 * exactly what databind gives (FAIL_ON_UNKNOWN_PROPERTIES off, as DomainManager had it): the whole
 * plan and every layer's settings of a real state file, the same settings as written today, and
 * databind's answers for absent fields, JSON nulls, unknown fields and values of the wrong kind.
 */
class RecordTreesTest {

    private static final ObjectMapper DATABIND = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private static final Map<String, Class<?>> SETTINGS = Map.of(
            FdEnvLayer.NAME, FdEnvLayer.Settings.class, NetworkLayer.NAME, NetworkLayer.Settings.class,
            CgroupLayer.NAME, CgroupLayer.Settings.class, NamespaceLayer.NAME, NamespaceLayer.Settings.class,
            FilesystemLayer.NAME, FilesystemLayer.Settings.class, RlimitLayer.NAME, RlimitLayer.Settings.class,
            DacLayer.NAME, DacLayer.Settings.class, LandlockLayer.NAME, LandlockLayer.Settings.class,
            SeccompLayer.NAME, SeccompLayer.Settings.class, SelinuxLayer.NAME, SelinuxLayer.Settings.class);

    /** A real state file (StateFileCompatTest says how it was made). */
    private static JsonNode storedPlan() throws IOException {
        try (InputStream in = RecordTreesTest.class.getResourceAsStream("/state/main-8e932ac-state.json")) {
            return DATABIND.readTree(in).get("plan");
        }
    }

    @Test
    void aStoredPlanIsReadAsDatabindReadsIt() throws IOException {
        JsonNode tree = storedPlan();
        ConfinementPlan byDatabind = DATABIND.treeToValue(tree, ConfinementPlan.class);
        ConfinementPlan plan = RecordTrees.read(tree, ConfinementPlan.class);
        assertEquals(byDatabind, plan);
        int compared = 0;
        for (LayerPlan l : plan.layers()) {
            Class<?> type = SETTINGS.get(l.layer());
            assertNotNull(type, "a layer this test does not know: " + l.layer());
            if (l.settings() == null || l.settings().isNull()) {
                continue;
            }
            Object expected = DATABIND.convertValue(l.settings(), type);
            assertEquals(expected, RecordTrees.read(l.settings(), type), l.layer());
            assertEquals(expected, l.settingsAs(type), l.layer());
            // and the same settings as today's writer writes them (int nodes become long nodes where fields are long)
            JsonNode rewritten = LayerPlan.enforced(l.layer(), expected).settings();
            assertEquals(DATABIND.convertValue(rewritten, type), RecordTrees.read(rewritten, type), l.layer());
            compared++;
        }
        assertTrue(compared >= 8, "settings compared: " + compared);
        // the old file holds -sandbox as QEMU's option string: the delegating creator reads it, as in databind
        assertEquals(QemuSandbox.forBackend(false), plan.layer(SeccompLayer.NAME)
                .settingsAs(SeccompLayer.Settings.class).qemuSandbox());
    }

    @Test
    void treesAreTheOnesDatabindBuilds() throws IOException {
        ConfinementPlan plan = RecordTrees.read(storedPlan(), ConfinementPlan.class);
        // as text too: an int node and a long node of one value are equal as trees only by kind
        assertEquals(DATABIND.writeValueAsString(DATABIND.valueToTree(plan)), DATABIND.writeValueAsString(RecordTrees.tree(plan)));
        assertEquals((JsonNode) DATABIND.valueToTree(plan), RecordTrees.tree(plan));
        assertTrue(RecordTrees.tree(plan).get("user").has("deferred"), "ResolvedUser.isDeferred() is written, as databind does");
        for (LayerPlan l : plan.layers()) {
            if (l.settings() == null || l.settings().isNull()) {
                continue;
            }
            Object settings = l.settingsAs(SETTINGS.get(l.layer()));
            assertEquals(DATABIND.writeValueAsString(DATABIND.valueToTree(settings)),
                    DATABIND.writeValueAsString(RecordTrees.tree(settings)), l.layer());
            assertEquals((JsonNode) DATABIND.valueToTree(settings), RecordTrees.tree(settings), l.layer());
        }
        LayerPlan unavailable = LayerPlan.unavailable("x", "none here");
        assertEquals((JsonNode) DATABIND.valueToTree(List.of(unavailable)), RecordTrees.tree(List.of(unavailable)));
        Map<String, Object> odd = new java.util.LinkedHashMap<>();
        odd.put("n", null);
        odd.put("l", List.of(1, 2L, true, "s"));
        assertEquals((JsonNode) DATABIND.valueToTree(odd), RecordTrees.tree(odd));
    }

    /** The range base user alone (as SelinuxLayerTest's): the plan resolves domid 7 to uid 65543. */
    private static final dev.dmjail.uidrange.UserDatabase USERS = new dev.dmjail.uidrange.UserDatabase() {
        final dev.dmjail.uidrange.PasswdEntry base = new dev.dmjail.uidrange.PasswdEntry("xen-qemuuser-range-base", 65536, 65536,
                "", "/nonexistent", "/usr/sbin/nologin");

        @Override
        public java.util.Optional<dev.dmjail.uidrange.PasswdEntry> byName(String name) {
            return name.equals(base.name()) ? java.util.Optional.of(base) : java.util.Optional.empty();
        }

        @Override
        public java.util.Optional<dev.dmjail.uidrange.PasswdEntry> byUid(int uid) {
            return uid == 65536 ? java.util.Optional.of(base) : java.util.Optional.empty();
        }

        @Override
        public java.util.Optional<dev.dmjail.uidrange.GroupEntry> groupByName(String name) { return java.util.Optional.empty(); }

        @Override
        public java.util.Optional<dev.dmjail.uidrange.GroupEntry> groupByGid(int gid) { return java.util.Optional.empty(); }
    };

    /** A plan made here and now (plan only, as LaunchSpecBuilderTest makes one): the writer, then the reader. */
    @Test
    void aFreshPlanRoundTripsAsWithDatabind(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path img = java.nio.file.Files.write(tmp.resolve("sa-rt.img"), new byte[1 << 20]);
        java.nio.file.Path conf = java.nio.file.Files.write(tmp.resolve("dmjail.conf"), List.of("state_dir = " + tmp.resolve("run"),
                "log_dir = " + tmp.resolve("log"), "image_dirs = " + tmp, "accel = tcg"));
        java.nio.file.Path cfg = java.nio.file.Files.write(tmp.resolve("sa-rt.cfg"), List.of("name = \"sa-rt\"", "type = \"hvm\"",
                "memory = 32", "vcpus = 2", "serial = \"pty\"", "dm_restrict = 1",
                "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]"));
        var facts = dev.dmjail.toolstack.host.HostFacts.detect();
        var layers = dev.dmjail.toolstack.layer.LayerStack.standard(facts,
                new dev.dmjail.toolstack.layer.SelinuxMcsAllocator(Map::of), x -> null);
        var store = new dev.dmjail.toolstack.state.StateStore(tmp.resolve("run"), tmp.resolve("log"));
        ConfinementPlan plan = new dev.dmjail.toolstack.plan.Planner(dev.dmjail.toolstack.host.HostConfigLoader.load(conf, true), facts,
                USERS, layers, store)
                .plan(dev.dmjail.config.XlConfigLoader.load(cfg, List.of()), 7, false);
        JsonNode byDatabind = DATABIND.valueToTree(plan);
        assertEquals(DATABIND.writeValueAsString(byDatabind), DATABIND.writeValueAsString(RecordTrees.tree(plan)));
        assertEquals(DATABIND.treeToValue(byDatabind, ConfinementPlan.class), RecordTrees.read(byDatabind, ConfinementPlan.class));
        int compared = 0;
        for (LayerPlan l : plan.layers()) {
            if (l.active()) {
                Class<?> type = SETTINGS.get(l.layer());
                assertEquals(DATABIND.convertValue(l.settings(), type), l.settingsAs(type), l.layer());
                compared++;
            }
        }
        assertTrue(compared >= 8, "active layers compared: " + compared);
    }

    @Test
    void absentNullAndUnknownFieldsAsDatabind() throws IOException {
        for (String json : List.of("{}", "{\"layer\": \"x\", \"settings\": null, \"status\": null, \"extra\": [1, {\"a\": 2}]}",
                "{\"layer\": \"x\", \"status\": \"WEAKENED\", \"reason\": \"r\", \"settings\": {\"k\": [1, null]}}")) {
            JsonNode t = DATABIND.readTree(json);
            assertEquals(DATABIND.treeToValue(t, LayerPlan.class), RecordTrees.read(t, LayerPlan.class), json);
        }
        // a JsonNode component that is JSON null is a NullNode, an absent one null (as databind gives them)
        assertEquals(NullNode.getInstance(), RecordTrees.read(DATABIND.readTree("{\"settings\": null}"), LayerPlan.class).settings());
        // primitives absent or null are 0 and false; boxes null
        for (String json : List.of("{}", "{\"abi\": null, \"denyTcp\": null, \"readOnly\": null}")) {
            JsonNode t = DATABIND.readTree(json);
            assertEquals(DATABIND.treeToValue(t, LandlockLayer.Settings.class), RecordTrees.read(t, LandlockLayer.Settings.class), json);
        }
        for (String json : List.of("{\"limits\": {\"RLIMIT_NOFILE\": 1024, \"RLIMIT_FSIZE\": 12345678901234, \"RLIMIT_CORE\": null}}",
                "{\"limits\": {}, \"fsizeReason\": \"disk\"}")) {
            JsonNode t = DATABIND.readTree(json);
            assertEquals(DATABIND.treeToValue(t, RlimitLayer.Settings.class), RecordTrees.read(t, RlimitLayer.Settings.class), json);
        }
        assertEquals(null, RecordTrees.read(NullNode.getInstance(), RlimitLayer.Settings.class));
        assertEquals(null, RecordTrees.read(null, RlimitLayer.Settings.class));
    }

    @Test
    void listsAndMapsAreMutableAsDatabindMakesThem() throws IOException {
        JsonNode t = DATABIND.readTree("{\"readOnly\": [\"/a\"], \"readWrite\": [], \"devices\": [\"/dev/null\"]}");
        LandlockLayer.Settings s = RecordTrees.read(t, LandlockLayer.Settings.class);
        assertEquals(ArrayList.class, s.readOnly().getClass());
        assertEquals(DATABIND.treeToValue(t, LandlockLayer.Settings.class).readOnly().getClass(), s.readOnly().getClass());
    }

    @Test
    void valuesOfTheWrongKindAreRefusedWithThePath() throws IOException {
        for (String json : List.of("{\"layer\": \"x\", \"status\": \"NO_SUCH_STATUS\"}", "{\"layer\": [1]}", "[]")) {
            JsonNode t = DATABIND.readTree(json);
            assertThrows(IOException.class, () -> DATABIND.treeToValue(t, LayerPlan.class), json);
            IOException e = assertThrows(IOException.class, () -> RecordTrees.read(t, LayerPlan.class), json);
            assertTrue(e.getMessage().startsWith("LayerPlan"), e.getMessage());
        }
        JsonNode t = DATABIND.readTree("{\"abi\": \"seven\"}");
        IOException e = assertThrows(IOException.class, () -> RecordTrees.read(t, LandlockLayer.Settings.class));
        assertEquals("Settings.abi: an int expected, not string", e.getMessage());
        JsonNode big = DATABIND.readTree("{\"abi\": 12345678901}");
        assertThrows(IOException.class, () -> DATABIND.treeToValue(big, LandlockLayer.Settings.class));
        assertThrows(IOException.class, () -> RecordTrees.read(big, LandlockLayer.Settings.class));
        // settingsAs keeps convertValue's exception type
        LayerPlan bad = new LayerPlan(LandlockLayer.NAME, null, null, t);
        assertThrows(IllegalArgumentException.class, () -> bad.settingsAs(LandlockLayer.Settings.class));
    }
}
