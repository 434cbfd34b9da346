package dev.dmjail.toolstack.layer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device model's ELF closure (what {@link FilesystemRootContents} binds into its root), kept in
 * {@code STATE_DIR/elf-cache.json} between creates: resolving it reads the ELF headers of QEMU, its
 * accelerator modules and some sixty libraries, and it changes only when one of them, a directory
 * ld.so searches, or {@code /etc/ld.so.cache} does. An entry is keyed by the binary's path and
 * holds the identity (dev:ino:size:mtime:ctime, from lstat) of every file and symlink it was resolved
 * from, of the directories they sit in, of every directory a library was looked for in (rpath,
 * runpath, ld.so's system directories: a library appearing there changes the result), of the module
 * directory and of ld.so.cache, plus the module list; it is used only when every one is unchanged.
 *
 * <p>The cache is only a shortcut: anything wrong with it (missing, a symlink, not a regular file,
 * not owned by root, writable by group or others, larger than its bound, malformed, stale) means the
 * closure is resolved again, never that the cache is trusted. A stale entry could at worst leave a
 * library out of the root (the device model would not start) or bind a root-owned host file read-only.
 */
final class FilesystemElfCache {
    private static final Logger LOG = LoggerFactory.getLogger(FilesystemElfCache.class);
    /** Trees only, read and written by jackson-core: no ObjectMapper in a create (issue 14). */
    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;

    static final String FILE = "elf-cache.json";
    /** 2: a file's recorded identity is the one its headers were read from (1 did not check that). */
    static final int VERSION = 2;
    static final long MAX_BYTES = 1 << 20;
    static final int MAX_ENTRIES = 8;
    /** ld.so's default search directories on Debian x86_64 (ElfDependencies searches them too). */
    private static final List<String> SYSTEM_DIRS = List.of("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib");
    private static final String LD_SO_CACHE = "/etc/ld.so.cache";

    /**
     * What the root needs for the binary and its modules: real files, and symlinks met on the way;
     * and the directories searched for them (not kept in the root, but part of the key); and each
     * file's "dev:ino" as its headers were read (from the cache: the lstat identity the entry was
     * just checked against, which {@link #store} recorded only where it was the file that was read).
     */
    record Closure(List<String> files, Map<String, String> symlinks, List<String> searchedDirs,
                   Map<String, String> identities) {}

    private final Path file;
    /** Root's, writable by root only (022): it names what is bound into every device model's root. */
    private final dev.dmjail.toolstack.host.RootOwnedCache cache;

    FilesystemElfCache(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        this.cache = new dev.dmjail.toolstack.host.RootOwnedCache(file, MAX_BYTES, 022, "rw-r--r--");
    }

    Path file() { return file; }

    private JsonNode read() {
        return cache.read(VERSION);
    }

    /** The identities an entry for {@code binary} would be checked against before the resolution. */
    static Map<String, String> before(Path binary, Path moduleDir) {
        Map<String, String> ids = new TreeMap<>();
        for (String p : fixedPaths(binary, moduleDir)) {
            ids.put(p, identity(Path.of(p)));
        }
        return ids;
    }

    /** The cached closure of {@code binary} with exactly these {@code modules}, or null. */
    Closure lookup(Path binary, List<Path> modules) {
        JsonNode root = read();
        if (root == null) {
            return null;
        }
        JsonNode e = root.path("entries").path(binary.toString());
        if (!e.isObject() || !e.path("modules").equals(pathsJson(modules)) || !e.path("identities").isObject()
                || !e.path("files").isArray() || !e.path("symlinks").isObject() || !e.path("searched_dirs").isArray()) {
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("identities").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> id = it.next();
            if (!id.getValue().isTextual() || !id.getValue().asText().equals(identity(Path.of(id.getKey())))) {
                LOG.debug("ELF cache: {} changed: resolving {} again", id.getKey(), binary);
                return null;
            }
        }
        List<String> files = new ArrayList<>();
        Map<String, String> fileIds = new TreeMap<>();
        for (JsonNode f : e.path("files")) {
            String checked = f.isTextual() ? e.path("identities").path(f.asText()).asText("") : "";
            if (checked.split(":").length < 2) {
                return null; // every file is keyed: one without an identity is not an entry this class wrote
            }
            files.add(f.asText());
            fileIds.put(f.asText(), devIno(checked));
        }
        Map<String, String> links = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = e.path("symlinks").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> l = it.next();
            if (!l.getValue().isTextual()) {
                return null;
            }
            links.put(l.getKey(), l.getValue().asText());
        }
        List<String> searched = new ArrayList<>();
        for (JsonNode d : e.path("searched_dirs")) {
            if (!d.isTextual()) {
                return null;
            }
            searched.add(d.asText());
        }
        return new Closure(List.copyOf(files), Map.copyOf(links), List.copyOf(searched), Map.copyOf(fileIds));
    }

    /** "dev:ino" of an identity of {@link #identity}. */
    static String devIno(String identity) {
        String[] f = identity.split(":");
        return f[0] + ":" + f[1];
    }

    /**
     * Records the closure resolved for {@code binary}, unless a directory ld.so searches or ld.so.cache
     * changed while it was resolved ({@code before} from {@link #before}: an upgrade in progress). Best
     * effort: a cache that cannot be written is only a slower next create.
     */
    void store(Path binary, List<Path> modules, Path moduleDir, Closure c, Map<String, String> before) {
        Map<String, String> ids = new TreeMap<>();
        TreeSet<String> paths = new TreeSet<>(fixedPaths(binary, moduleDir));
        for (String f : c.files()) {
            paths.add(f);
            Path parent = Path.of(f).getParent();
            if (parent != null) {
                paths.add(parent.toString());
            }
        }
        paths.addAll(c.symlinks().keySet());
        paths.addAll(c.searchedDirs());
        for (String p : paths) {
            ids.put(p, identity(Path.of(p)));
        }
        for (Map.Entry<String, String> b : before.entrySet()) {
            if (!b.getValue().equals(ids.get(b.getKey()))) {
                LOG.debug("ELF cache: {} changed while {} was resolved: not cached", b.getKey(), binary);
                return;
            }
        }
        for (String f : c.files()) {
            // the name must still be the file whose headers were read, or the entry would vouch for another
            String now = ids.get(f);
            if (now.equals("absent") || !devIno(now).equals(c.identities().get(f))) {
                LOG.debug("ELF cache: {} is not the file read for {}: not cached", f, binary);
                return;
            }
        }
        // keep the other binaries' entries (device_model_override), newest last, at most MAX_ENTRIES
        ObjectNode root = cache.replacingEntry(VERSION, binary.toString(), MAX_ENTRIES, k -> true);
        ObjectNode e = ((ObjectNode) root.get("entries")).putObject(binary.toString());
        e.set("modules", pathsJson(modules));
        ArrayNode files = e.putArray("files");
        c.files().forEach(files::add);
        ObjectNode links = e.putObject("symlinks");
        c.symlinks().forEach(links::put);
        ArrayNode searched = e.putArray("searched_dirs");
        c.searchedDirs().forEach(searched::add);
        ObjectNode idNode = e.putObject("identities");
        ids.forEach(idNode::put);
        if (!cache.write(root)) {
            LOG.debug("ELF cache: not written ({})", file);
        }
    }


    private static List<String> fixedPaths(Path binary, Path moduleDir) {
        List<String> out = new ArrayList<>(SYSTEM_DIRS);
        out.add(LD_SO_CACHE);
        out.add(moduleDir.toString());
        out.add(binary.toAbsolutePath().normalize().toString());
        return out;
    }

    /** lstat identity; "absent" for a path that does not exist (its appearance is a change too). */
    static String identity(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
            return a.get("dev") + ":" + a.get("ino") + ":" + a.get("size") + ":"
                    + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) + ":"
                    + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "absent";
        }
    }

    private static ArrayNode pathsJson(List<Path> paths) {
        ArrayNode a = JSON.arrayNode();
        paths.forEach(p -> a.add(p.toString()));
        return a;
    }
}
