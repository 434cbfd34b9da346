package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Under the host lock each state file is read once (issue 14: a create's questions — name free, lowest
 * free domid, disks in use — each walked every state file); the body's own writes and removals are
 * what it then sees, and once the lock is released every read goes to the files again.
 */
class StateStoreSnapshotTest {

    private static DomainRecord rec(String name, int domid) {
        return new DomainRecord(name, DomainKey.escape(name), domid, DomainState.RUNNING, null, null, null, null, 64, 1,
                "", 0L, com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), java.util.Map.of());
    }

    @Test
    void eachFileIsReadOncePerLockedBody(@TempDir Path dir) throws IOException {
        StateStore store = new StateStore(dir.resolve("run"), dir.resolve("log"));
        store.write(rec("a", 1));
        store.write(rec("b", 2));
        Path bFile = store.pathsOfKey("b").stateFile();
        store.locked(() -> {
            assertEquals(List.of("a", "b"), store.list().stream().map(DomainRecord::name).toList());
            // changed behind the store's back: this body goes on with what it read
            Files.writeString(bFile, "{\"name\": \"b\", \"key\": \"b\", \"domid\": 9, \"state\": \"RUNNING\"}");
            assertEquals(2, store.byName("b").orElseThrow().domid());
            assertEquals(3, store.lowestFreeDomid(Set.of()));
            // its own writes and removals it sees
            store.write(rec("c", 3));
            assertEquals(4, store.lowestFreeDomid(Set.of()));
            store.remove(store.byName("a").orElseThrow());
            assertTrue(store.byName("a").isEmpty());
            assertEquals(1, store.lowestFreeDomid(Set.of()));
            return null;
        });
        // released: the files again
        assertEquals(9, store.byName("b").orElseThrow().domid());
        assertEquals(List.of("c", "b"), store.list().stream().map(DomainRecord::name).toList());
    }

    @Test
    void anotherThreadReadsTheFiles(@TempDir Path dir) throws Exception {
        StateStore store = new StateStore(dir.resolve("run"), dir.resolve("log"));
        store.write(rec("a", 1));
        store.locked(() -> {
            store.list();
            Files.writeString(store.pathsOfKey("a").stateFile(), "{\"name\": \"a\", \"key\": \"a\", \"domid\": 5, \"state\": \"RUNNING\"}");
            int[] seen = new int[1];
            Thread t = new Thread(() -> {
                try {
                    seen[0] = store.byName("a").orElseThrow().domid();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            assertEquals(5, seen[0]);
            return null;
        });
    }
}
