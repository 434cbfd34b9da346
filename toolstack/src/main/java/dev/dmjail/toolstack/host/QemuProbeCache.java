package dev.dmjail.toolstack.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    /** Trees only, read and written by jackson-core: no ObjectMapper in a create (issue 14). */
    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    static final String FILE = "qemu-probe.json";
    static final int VERSION = 1;
    static final long MAX_BYTES = 64 << 10;
    static final int MAX_ENTRIES = 8;

    private final Path file;

    QemuProbeCache(Path stateDir) {
        this.file = stateDir.resolve(FILE);
    }

    Path file() { return file; }

    /** The facts recorded for exactly this identity, or null. */
    QemuFacts lookup(String identity) {
        JsonNode root = read();
        return root == null ? null : facts(root.path("entries").path(identity));
    }

    /** Records {@code facts} for {@code identity}, keeping at most {@link #MAX_ENTRIES} (newest last). Best effort. */
    void store(String identity, QemuFacts facts) {
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            return;
        }
        ObjectNode root = JSON.objectNode();
        root.put("version", VERSION);
        ObjectNode entries = root.putObject("entries");
        JsonNode old = read();
        if (old != null) {
            List<Map.Entry<String, JsonNode>> kept = new ArrayList<>();
            old.path("entries").fields().forEachRemaining(kept::add);
            kept.removeIf(k -> k.getKey().equals(identity) || facts(k.getValue()) == null);
            for (Map.Entry<String, JsonNode> k : kept.subList(Math.max(0, kept.size() - (MAX_ENTRIES - 1)), kept.size())) {
                entries.set(k.getKey(), k.getValue());
            }
        }
        ObjectNode e = entries.putObject(identity);
        e.put("version", facts.version());
        e.put("chroot", facts.chroot());
        e.put("runas", facts.runas());
        e.put("run_with_chroot", facts.runWithChroot());
        e.put("run_with_user", facts.runWithUser());
        try {
            Path tmp = Files.createTempFile(dir, ".qemu-probe", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, dev.dmjail.toolstack.text.JsonTrees.write(root).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | UnsupportedOperationException e2) {
            // a cache that cannot be written is only a slower next command
        }
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

    /** The cache's JSON, or null when there is none or it is not one root wrote for root alone. */
    private JsonNode read() {
        SafeFile.Opened o = SafeFile.open(file.toString(), Sys.O_RDONLY, 0); // no symlink on the way, never blocks
        if (!o.ok()) {
            return null;
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.regular() || st.uid() != 0 || (st.mode() & 077) != 0 || st.size() > MAX_BYTES) {
                return null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long off = 0; off <= MAX_BYTES; ) {
                byte[] chunk = SafeFile.pread(o.fd(), 16384, off);
                if (chunk == null) {
                    return null;
                }
                if (chunk.length == 0) {
                    JsonNode root = dev.dmjail.toolstack.text.JsonTrees.parse(out.toByteArray());
                    return root != null && root.path("version").isInt() && root.path("version").asInt() == VERSION
                            && root.path("entries").isObject() ? root : null;
                }
                out.write(chunk, 0, chunk.length);
                off += chunk.length;
            }
            return null; // grew past the bound while read
        } catch (IOException e) {
            return null;
        } finally {
            SafeFile.close(o.fd());
        }
    }
}
