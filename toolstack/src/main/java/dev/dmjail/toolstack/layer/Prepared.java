package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the layers' host preparation has done for one domain, item by item ("tap vif3.0",
 * "dir /sys/fs/cgroup/memory/dmjail/web"), written to the domain's state file as soon as each item
 * is done. Release undoes exactly these, in reverse — libvirt's security stack rolls back only the
 * drivers already applied (src/security/security_stack.c); here it is per item, so a refused prepare
 * ("interface victim0 already exists", "cgroup holds processes") leaves that object alone, and
 * destroy after a crash still knows what was made.
 */
public final class Prepared {

    /** Persists the whole record (the state file, atomically). */
    public interface Store {
        void write(Map<String, List<String>> done) throws IOException;
    }

    private final Map<String, List<String>> done;
    private final Store store;
    /** A state file written before dmjail recorded preparation: everything planned may have been made. */
    private final boolean legacy;

    /**
     * @param done what is recorded; null for a state file from before this record existed, whose
     *             release must then undo everything its plan names, as dmjail did then
     */
    public Prepared(Map<String, List<String>> done, Store store) {
        this.done = new LinkedHashMap<>();
        this.legacy = done == null;
        if (done != null) {
            done.forEach((k, v) -> this.done.put(k, new ArrayList<>(v)));
        }
        this.store = store;
    }

    /** Nothing done, nothing persisted (unit tests of a single layer). */
    public static Prepared inMemory() {
        return new Prepared(Map.of(), d -> { });
    }

    /** Records that {@code layer} made {@code item}; call right after making it. */
    public synchronized void done(String layer, String item) throws LayerException {
        done.computeIfAbsent(layer, k -> new ArrayList<>()).add(item);
        try {
            store.write(snapshot());
        } catch (IOException e) {
            throw new LayerException(layer, "state", "recording " + item + ": " + e.getMessage(), e);
        }
    }

    /** Records that {@code layer}'s {@code item} is undone (released while the domain runs: a detached NIC). */
    public synchronized void undone(String layer, String item) throws LayerException {
        List<String> items = done.get(layer);
        if (items != null && items.remove(item)) {
            try {
                store.write(snapshot());
            } catch (IOException e) {
                throw new LayerException(layer, "state", "recording the release of " + item + ": " + e.getMessage(), e);
            }
        }
    }

    public synchronized boolean has(String layer, String item) {
        return legacy || done.getOrDefault(layer, List.of()).contains(item);
    }

    public synchronized Map<String, List<String>> snapshot() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        done.forEach((k, v) -> m.put(k, List.copyOf(v)));
        return m;
    }
}
