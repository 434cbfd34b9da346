package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record release follows: each item persisted as it is done; a pre-record state file releases all. */
class PreparedTest {

    @Test
    void recordsAndPersistsEachItem() throws Exception {
        List<Map<String, List<String>>> written = new ArrayList<>();
        Prepared p = new Prepared(Map.of(), written::add);
        assertFalse(p.has("network", "tap vif1.0"));
        p.done("network", "tap vif1.0");
        p.done("cgroup", "dir /sys/fs/cgroup/pids/dmjail/x");
        assertTrue(p.has("network", "tap vif1.0"));
        assertFalse(p.has("network", "tap vif1.1"));
        assertEquals(2, written.size(), "the state is written after every item");
        assertEquals(Map.of("network", List.of("tap vif1.0"), "cgroup", List.of("dir /sys/fs/cgroup/pids/dmjail/x")),
                written.get(1));
        Prepared reread = new Prepared(written.get(1), d -> { });
        assertTrue(reread.has("cgroup", "dir /sys/fs/cgroup/pids/dmjail/x"));
    }

    @Test
    void aStateFileFromBeforeTheRecordReleasesWhatItsPlanNames() {
        Prepared legacy = new Prepared(null, d -> { });
        assertTrue(legacy.has("network", "tap vif9.0"), "upgrading dmjail must not leak the old domains' taps");
    }
}
