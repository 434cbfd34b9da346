package dev.dmjail.toolstack.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import java.util.function.Predicate;

/**
 * A JSON cache file of root's in the state directory (the ELF closure cache, the QEMU probe cache):
 * trusted only when it is a regular file owned by root with none of the {@code forbiddenMode} bits,
 * reached with no symlink on the way and opened without blocking (a FIFO planted there cannot hang
 * the privileged side), read from that one fd within a bound; written whole to a temporary file
 * and renamed over it, so a reader sees the old file or the new one. Anything else is "no cache":
 * the caller recomputes, a cache is only ever a faster next command.
 */
public final class RootOwnedCache {
    private final Path file;
    private final long maxBytes;
    private final int forbiddenMode;
    private final String mode;

    /**
     * @param forbiddenMode mode bits the file must not have (022: writable by root only; 077: root's alone)
     * @param mode          the mode it is written with, as PosixFilePermissions spells it ("rw-------")
     */
    public RootOwnedCache(Path file, long maxBytes, int forbiddenMode, String mode) {
        this.file = file;
        this.maxBytes = maxBytes;
        this.forbiddenMode = forbiddenMode;
        this.mode = mode;
    }

    public Path file() {
        return file;
    }

    /** The file's JSON object at {@code version} with an "entries" object, or null (absent, untrusted, malformed). */
    public JsonNode read(int version) {
        SafeFile.Opened o = SafeFile.open(file.toString(), Sys.O_RDONLY, 0); // no symlink on the way, never blocks
        if (!o.ok()) {
            return null;
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.regular() || st.uid() != 0 || (st.mode() & forbiddenMode) != 0 || st.size() > maxBytes) {
                return null;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long off = 0; off <= maxBytes; ) {
                byte[] chunk = SafeFile.pread(o.fd(), 65536, off);
                if (chunk == null) {
                    return null;
                }
                if (chunk.length == 0) {
                    JsonNode root = dev.dmjail.toolstack.text.JsonTrees.parse(out.toByteArray()); // jackson-core: no ObjectMapper on create
                    return root != null && root.path("version").isInt() && root.path("version").asInt() == version
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

    /**
     * A new tree at {@code version} to store an entry for {@code key} in: the file's other entries that
     * {@code stillValid} accepts, newest last, at most {@code maxEntries - 1} of them (the oldest go), so that the
     * caller's {@code entries.putObject(key)} makes the newest, and the {@link #write} holds at most maxEntries.
     */
    public ObjectNode replacingEntry(int version, String key, int maxEntries, Predicate<JsonNode> stillValid) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", version);
        ObjectNode entries = root.putObject("entries");
        JsonNode old = read(version);
        if (old != null) {
            List<Map.Entry<String, JsonNode>> kept = new ArrayList<>();
            old.path("entries").fields().forEachRemaining(kept::add);
            kept.removeIf(k -> k.getKey().equals(key) || !stillValid.test(k.getValue()));
            for (Map.Entry<String, JsonNode> k : kept.subList(Math.max(0, kept.size() - (maxEntries - 1)), kept.size())) {
                entries.set(k.getKey(), k.getValue());
            }
        }
        return root;
    }

    /** Replaces the file with {@code root}; false when it could not be written (no state dir yet, a full disk). */
    public boolean write(JsonNode root) {
        try {
            Path dir = file.getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                return false; // a dry run never creates the state dir
            }
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
            try {
                Files.write(tmp, dev.dmjail.toolstack.text.JsonTrees.write(root).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
