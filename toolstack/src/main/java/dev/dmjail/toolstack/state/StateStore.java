package dev.dmjail.toolstack.state;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-domain state under {@code STATE_DIR/domains/KEY/state.json} ({@link DomainKey}), written
 * atomically (temp file, fsync, rename), and the host-wide lock under which domids, names and keys
 * are allocated.
 */
public final class StateStore {

    /** Domids as Xen allocates them for guests: 1..32751 (0x7FF0 and above are reserved). */
    public static final int FIRST_DOMID = 1;
    public static final int LAST_DOMID = 32751;

    /** flock() is per open file description; one JVM may run several creates at once (tests). */
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Path stateDir;
    private final Path logDir;

    /**
     * The records the thread holding the host lock has read or written in its {@link #locked} body, by
     * key: a create asks for the name, the lowest free domid, the disks in use and the MCS pairs in use,
     * each a walk over every domain, and with 200 domains reading every state file for each question was
     * what made the 200th create slower than the first (issue 14). Each file is read once per body; the
     * body's own writes and removals replace what it holds. What a create asks about (names, domids,
     * disks, MCS pairs) is changed only under the lock (create, rename, the hotplugs); without it other
     * processes write their own domain's progress (pid, prepared items), and a destroy removes its
     * domain, which a body that read it first still counts as taken: the safe side.
     */
    private final ThreadLocal<java.util.Map<String, Optional<DomainRecord>>> heldSnapshot = new ThreadLocal<>();

    public StateStore(Path stateDir, Path logDir) {
        this.stateDir = canonical(stateDir);
        this.logDir = canonical(logDir);
    }

    /**
     * The path with the admin's symlinks resolved (of the part that exists): the launcher opens the
     * log, console and QMP socket with no symlink allowed on the way (openat2 RESOLVE_NO_SYMLINKS),
     * so a host where /var/log or /run is a symlink must be planned with the real path.
     */
    public static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs));
        } catch (IOException e) {
            return abs;
        }
    }

    public Path stateDir() { return stateDir; }

    /** The paths of domain {@code r}, named by its key. */
    public DomainPaths paths(DomainRecord r) { return pathsOfKey(r.key()); }

    public DomainPaths pathsOfKey(String key) { return DomainPaths.of(stateDir, logDir, key); }

    /** Runs {@code body} holding the host-wide dmjail lock (flock on STATE_DIR/lock). */
    public <T, E extends Exception> T locked(LockedBody<T, E> body) throws E, IOException {
        Files.createDirectories(stateDir.resolve("domains"));
        IN_PROCESS.lock();
        boolean outermost = heldSnapshot.get() == null;
        try (FileChannel ch = FileChannel.open(stateDir.resolve("lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (outermost) {
                heldSnapshot.set(new java.util.HashMap<>());
            }
            return body.run();
        } finally {
            if (outermost) {
                heldSnapshot.remove();
            }
            IN_PROCESS.unlock();
        }
    }

    @FunctionalInterface
    public interface LockedBody<T, E extends Exception> {
        T run() throws E, IOException;
    }

    /** Lowest domid not used by any recorded domain nor in {@code skip}; call under {@link #locked}. */
    public int lowestFreeDomid(java.util.Set<Integer> skip) throws IOException {
        BitSet used = new BitSet();
        skip.forEach(used::set);
        for (DomainRecord r : list()) {
            used.set(r.domid());
        }
        int d = used.nextClearBit(FIRST_DOMID);
        if (d > LAST_DOMID) {
            throw new IOException("no free domid: all of " + FIRST_DOMID + ".." + LAST_DOMID + " are in use");
        }
        return d;
    }

    /** The record in the state dir of {@code key}, if there is one (a state file from before keys gets its dir's name). */
    public Optional<DomainRecord> readKey(String key) throws IOException {
        if (!DomainKey.isKey(key)) {
            return Optional.empty();
        }
        java.util.Map<String, Optional<DomainRecord>> held = heldSnapshot.get();
        if (held == null) {
            return readFile(key);
        }
        Optional<DomainRecord> r = held.get(key);
        if (r == null) {
            r = readFile(key);
            held.put(key, r);
        }
        return r;
    }

    private Optional<DomainRecord> readFile(String key) throws IOException {
        Path f = pathsOfKey(key).stateFile();
        try {
            byte[] bytes = Files.readAllBytes(f);
            DomainRecord r;
            try {
                r = StateFileReader.read(bytes);
            } catch (IOException e) {
                throw new IOException(f + ": " + e.getMessage(), e);
            }
            return Optional.of(r.key() == null ? r.withKey(key) : r);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The newest stored record of the domain {@code r} (by its key, which no rename changes). */
    public Optional<DomainRecord> reread(DomainRecord r) throws IOException {
        return readKey(r.key());
    }

    /**
     * The domain named {@code name}. The state dir named by the name's own key is tried first (every
     * domain that was not renamed and whose name fits: one file read); only a miss reads every state
     * file, as a domid lookup does.
     */
    public Optional<DomainRecord> byName(String name) throws IOException {
        Optional<DomainRecord> direct = readKey(DomainKey.escape(name));
        if (direct.isPresent() && direct.get().name().equals(name)) {
            return direct;
        }
        for (String key : keys()) {
            if (name.equals(nameIn(key))) {
                return readKey(key);
            }
        }
        return Optional.empty();
    }

    /**
     * The name in {@code key}'s state file, read by streaming up to its top-level "name" field (the
     * record's first): a miss of {@link #byName} looks at every state file, and parsing each one's
     * plan would cost it a quarter of a second with 200 domains. Null when there is no state file.
     */
    private String nameIn(String key) throws IOException {
        if (heldSnapshot.get() != null) { // under the lock the whole record is read once and kept
            return readKey(key).map(DomainRecord::name).orElse(null);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(pathsOfKey(key).stateFile());
        } catch (NoSuchFileException e) {
            return null;
        }
        try (com.fasterxml.jackson.core.JsonParser p = dev.dmjail.toolstack.text.JsonTrees.factory().createParser(bytes)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = p.getCurrentName();
                p.nextToken();
                if (field.equals("name")) {
                    return p.getValueAsString();
                }
                p.skipChildren();
            }
            return null;
        }
    }

    /**
     * A domain by name or domid, by xl's rule (libxl_domain_qualifier_to_domid): an argument of
     * digits only (the empty one included, which is domid 0, the host's) is a domid, anything else
     * a name. A domain whose name is all digits is thus reached by its domid, as with xl.
     */
    public Optional<DomainRecord> find(String nameOrId) throws IOException {
        if (nameOrId.matches("\\d*")) {
            if (nameOrId.length() > 9) {
                return Optional.empty();
            }
            int id = nameOrId.isEmpty() ? 0 : Integer.parseInt(nameOrId);
            for (DomainRecord r : list()) {
                if (r.domid() == id) {
                    return Optional.of(r);
                }
            }
            return Optional.empty();
        }
        return byName(nameOrId);
    }

    public List<DomainRecord> list() throws IOException {
        List<DomainRecord> out = new ArrayList<>();
        for (String key : keys()) {
            readKey(key).ifPresent(out::add);
        }
        out.sort(Comparator.comparingInt(DomainRecord::domid));
        return out;
    }

    /** The names of the state dirs there are (each a domain's key, a record in it or not). */
    public java.util.Set<String> keys() throws IOException {
        Path domains = stateDir.resolve("domains");
        java.util.Set<String> out = new java.util.TreeSet<>();
        if (!Files.isDirectory(domains)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(domains)) {
            for (Path d : ds) {
                String k = d.getFileName().toString();
                if (DomainKey.isKey(k)) {
                    out.add(k);
                }
            }
        }
        return out;
    }

    /**
     * The key a new domain {@code name} gets with {@code domid} (null: a dry run); call under {@link #locked}.
     * Only the keys of domains (a state dir with its state file) are taken: a dir left without one
     * stays in the way, and create refuses it, naming it, as it always did.
     */
    public String newKey(String name, Integer domid) throws IOException {
        java.util.Set<String> live = new java.util.HashSet<>();
        for (String k : keys()) {
            if (Files.exists(pathsOfKey(k).stateFile(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                live.add(k);
            }
        }
        return DomainKey.choose(name, domid, live);
    }

    /** Atomic replace: a reader sees the old or the new record, never a torn one. */
    public void write(DomainRecord r) throws IOException {
        DomainPaths p = paths(r);
        Files.createDirectories(p.dir(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmp = p.dir().resolve(".state.json.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(StateFileWriter.write(r)));
            ch.force(true);
        }
        try {
            Files.move(tmp, p.stateFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("state dir does not support atomic rename: " + p.dir(), e);
        }
        java.util.Map<String, Optional<DomainRecord>> held = heldSnapshot.get();
        if (held != null) {
            held.put(r.key(), Optional.of(r));
        }
    }

    /** Removes the domain's state directory and everything dmjail put in it. */
    public void remove(DomainRecord r) throws IOException {
        java.util.Map<String, Optional<DomainRecord>> held = heldSnapshot.get();
        if (held != null) {
            held.remove(r.key()); // read again if asked: what is left of it, if anything
        }
        Path dir = paths(r).dir();
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
