package dev.dmjail.toolstack.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link QemuProbe}'s answers kept between commands in {@code STATE_DIR/qemu-probe.json}: running
 * {@code -help} costs a QEMU start-up (tens of milliseconds) on every create and dry run otherwise. An
 * entry is keyed by the binary's identity (path, dev, ino, size, mtime, ctime), so a replaced, rebuilt
 * or touched binary is probed again.
 *
 * <p>Only a shortcut: a cache that is missing, reached through a symlink, not a regular file, not root's,
 * readable or writable by anyone else (not 0600), larger than {@link #MAX_BYTES}, malformed or of another
 * version is ignored, the binary probed again and the file rewritten. It is never created with the state
 * dir: a dry run leaves the host as it found it, so the cache is written only where the dir exists.
 */
final class QemuProbeCache {
    static final String FILE = "qemu-probe.json";
    static final int VERSION = 1;
    static final long MAX_BYTES = 64 << 10;
    static final int MAX_ENTRIES = 8;

    private final RootOwnedCache cache;

    QemuProbeCache(Path stateDir) {
        this.cache = new RootOwnedCache(stateDir.resolve(FILE), MAX_BYTES, 077, "rw-------");
    }

    Path file() { return cache.file(); }

    private JsonNode read() {
        return cache.read(VERSION);
    }

    /** The facts recorded for exactly this identity, or null. */
    QemuFacts lookup(String identity) {
        JsonNode root = read();
        return root == null ? null : facts(root.path("entries").path(identity));
    }

    /** Records {@code facts} for {@code identity}, keeping at most {@link #MAX_ENTRIES} (newest last). Best effort. */
    void store(String identity, QemuFacts facts) {
        ObjectNode root = cache.replacingEntry(VERSION, identity, MAX_ENTRIES, k -> facts(k) != null);
        ObjectNode e = ((ObjectNode) root.get("entries")).putObject(identity);
        e.put("version", facts.version());
        e.put("chroot", facts.chroot());
        e.put("runas", facts.runas());
        e.put("run_with_chroot", facts.runWithChroot());
        e.put("run_with_user", facts.runWithUser());
        cache.write(root); // a cache that cannot be written is only a slower next command
    }

    /** One entry's facts, or null when it is not exactly what {@link #store} writes. */
    private static QemuFacts facts(JsonNode e) {
        if (!e.isObject() || e.size() != 5 || !e.path("version").isTextual() || e.path("version").asText().isEmpty()) {
            return null;
        }
        for (String k : List.of("chroot", "runas", "run_with_chroot", "run_with_user")) {
            if (!e.path(k).isBoolean()) {
                return null;
            }
        }
        return new QemuFacts(e.path("version").asText(), e.path("chroot").asBoolean(), e.path("runas").asBoolean(),
                e.path("run_with_chroot").asBoolean(), e.path("run_with_user").asBoolean());
    }

}
