package dev.dmjail.toolstack.elf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a dynamically linked binary needs to start, found the way ld.so finds it, without running
 * it: PT_INTERP, then DT_NEEDED breadth first; each name searched in DT_RPATH of the requesting
 * object and its loaders (only when the requester has no DT_RUNPATH), DT_RUNPATH of the requester,
 * /etc/ld.so.cache, then the system dirs (Debian x86_64: /lib/x86_64-linux-gnu,
 * /usr/lib/x86_64-linux-gnu, /lib, /usr/lib); {@code $ORIGIN}, {@code $LIB}, {@code $PLATFORM}
 * expanded; a candidate is taken only if it is ELF64 for the same machine. A name already loaded
 * (by file name or DT_SONAME) is not searched again. LD_LIBRARY_PATH, LD_PRELOAD and the
 * glibc-hwcaps / legacy hwcap subdirectories are not considered (the device model runs with a
 * fixed environment; Debian 12 ships no glibc-hwcaps libraries by default).
 *
 * <p>The result holds every real file (canonical paths) and every symlink met on the way to them
 * (path → link text, each with a canonical parent), so that a root can be rebuilt with the same
 * paths: bind {@link Result#files()}, recreate {@link Result#symlinks()}. On merged-/usr Debian
 * 12, {@code /lib64/ld-linux-x86-64.so.2} yields the symlinks {@code /lib64 → usr/lib64},
 * {@code /usr/lib64/ld-linux-x86-64.so.2 → /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2},
 * {@code /lib → usr/lib} and the file {@code /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2}.
 * A statically linked binary yields just itself.
 */
public final class ElfDependencies {
    private ElfDependencies() {}

    static final int EM_X86_64 = 62, EM_AARCH64 = 183;
    private static final int MAX_SYMLINKS = 40;

    /**
     * @param binary       the binary as given (first entry of files is its canonical path)
     * @param interpreter  PT_INTERP as written in the binary, or null (static)
     * @param libraries    soname/needed name → path where ld.so would find it (before symlinks)
     * @param files        canonical paths of the binary, the interpreter and every library
     * @param symlinks     every symlink on the way (absolute path → link text as stored)
     * @param searchedDirs every directory a library was looked for in, up to where it was found: a
     *                     file appearing in one of them can change the result (toolstack's ELF cache)
     * @param identities   each of {@code files} → "dev:ino" of the fd its headers were read from
     *                     ({@link ElfFile#identity}): the file this result vouches for, which the
     *                     launcher checks again on the fd it binds from
     */
    public record Result(Path binary, String interpreter, Map<String, String> libraries, List<Path> files,
                         Map<Path, String> symlinks, List<Path> searchedDirs, Map<Path, String> identities) {
        public boolean staticallyLinked() {
            return interpreter == null && libraries.isEmpty();
        }
    }

    /** A DT_NEEDED that no search path satisfies. */
    public static final class UnresolvedLibraryException extends IOException {
        UnresolvedLibraryException(String m) {
            super(m);
        }
    }

    public static Result resolve(Path binary) throws IOException {
        return resolve(binary, LdSoCache.load());
    }

    /**
     * The binary plus objects it dlopen()s at run time, which no DT_NEEDED names: QEMU loads its
     * accelerator and UI/audio/display modules from /usr/lib/x86_64-linux-gnu/qemu (QEMU 7.2 on
     * Debian cannot even start TCG without accel-tcg-x86_64.so). Each module is resolved like a
     * binary (its own DT_NEEDED, rpath, runpath) and everything is merged.
     */
    public static Result resolveAll(Path binary, Collection<Path> dlopened) throws IOException {
        LdSoCache cache = LdSoCache.load();
        Result main = resolve(binary, cache);
        Set<Path> files = new LinkedHashSet<>(main.files());
        Map<Path, String> links = new LinkedHashMap<>(main.symlinks());
        Map<String, String> libs = new LinkedHashMap<>(main.libraries());
        Set<Path> searched = new LinkedHashSet<>(main.searchedDirs());
        Map<Path, String> ids = new LinkedHashMap<>(main.identities());
        for (Path m : dlopened) {
            Result r = resolve(m, cache);
            files.addAll(r.files());
            links.putAll(r.symlinks());
            r.libraries().forEach(libs::putIfAbsent);
            searched.addAll(r.searchedDirs());
            for (Map.Entry<Path, String> e : r.identities().entrySet()) {
                String had = ids.putIfAbsent(e.getKey(), e.getValue());
                if (had != null && !had.equals(e.getValue())) {
                    // two reads of one name met two files: which one the root would get is a race
                    throw new IOException(e.getKey() + " changed while it was resolved (read as " + had + ", then as "
                            + e.getValue() + ")");
                }
            }
        }
        return new Result(main.binary(), main.interpreter(), libs, List.copyOf(files), Map.copyOf(links), List.copyOf(searched),
                Map.copyOf(ids));
    }

    public static Result resolve(Path binary, LdSoCache cache) throws IOException {
        Path abs = binary.toAbsolutePath().normalize();
        Collector col = new Collector();
        Path realBinary = col.add(abs);
        ElfFile exe = ElfFile.parse(realBinary);
        Map<Path, String> ids = new LinkedHashMap<>();
        ids.put(realBinary, exe.identity());
        int archFlag = exe.machine() == EM_AARCH64 ? LdSoCache.FLAG_AARCH64_LIB64 : LdSoCache.FLAG_X8664_LIB64;
        String lib = exe.machine() == EM_AARCH64 ? "lib/aarch64-linux-gnu" : "lib/x86_64-linux-gnu";
        String platform = exe.machine() == EM_AARCH64 ? "aarch64" : "x86_64";
        List<String> systemDirs = List.of("/" + lib, "/usr/" + lib, "/lib", "/usr/lib");

        Map<String, String> libraries = new LinkedHashMap<>();
        Set<String> loadedNames = new LinkedHashSet<>();
        if (exe.interpreter() != null) {
            Path interp = Path.of(exe.interpreter());
            Path realInterp = col.add(interp);
            loadedNames.add(interp.getFileName().toString());
            ElfFile ld = ElfFile.parse(realInterp);
            ids.put(realInterp, ld.identity());
            if (ld.soname() != null) loadedNames.add(ld.soname());
        }
        // breadth first, like _dl_map_object_deps
        record Node(ElfFile elf, String origin, List<String> inheritedRpath) {}
        Deque<Node> queue = new ArrayDeque<>();
        queue.add(new Node(exe, realBinary.getParent().toString(), List.of()));
        Map<String, ElfFile> parsed = new HashMap<>();
        Set<Path> searched = new LinkedHashSet<>();
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            List<String> ownRpath = split(n.elf().rpath(), n.origin(), lib, platform);
            List<String> chainRpath = new ArrayList<>(ownRpath);
            chainRpath.addAll(n.inheritedRpath());
            for (String need : n.elf().needed()) {
                if (loadedNames.contains(need) || libraries.containsKey(need)) continue;
                List<String> candidates = new ArrayList<>();
                if (need.contains("/")) {
                    candidates.add(need);
                } else {
                    List<String> dirs = new ArrayList<>();
                    if (n.elf().runpath() == null) dirs.addAll(chainRpath);
                    dirs.addAll(split(n.elf().runpath(), n.origin(), lib, platform));
                    for (String d : dirs) candidates.add(d + "/" + need);
                    String cached = cache.lookup(need, archFlag);
                    if (cached != null) candidates.add(cached);
                    for (String d : systemDirs) candidates.add(d + "/" + need);
                }
                String found = null;
                for (String c : candidates) {
                    Path cp = Path.of(c);
                    if (cp.getParent() != null) searched.add(cp.getParent());
                    if (Files.isRegularFile(cp) && ElfFile.isElf64(cp, exe.machine())) {
                        found = c;
                        break;
                    }
                }
                if (found == null) {
                    throw new UnresolvedLibraryException(need + " (needed by " + n.elf().path() + ") not found");
                }
                libraries.put(need, found);
                Path real = col.add(Path.of(found));
                ElfFile dep = parsed.get(real.toString());
                if (dep == null) {
                    dep = ElfFile.parse(real);
                    parsed.put(real.toString(), dep);
                    ids.put(real, dep.identity());
                }
                if (dep.soname() != null) loadedNames.add(dep.soname());
                // a library's DT_RPATH chain continues only while no DT_RUNPATH intervenes
                List<String> inherit = n.elf().runpath() == null ? chainRpath : List.of();
                queue.add(new Node(dep, Path.of(found).toAbsolutePath().getParent().toString(), inherit));
            }
        }
        return new Result(abs, exe.interpreter(), libraries, List.copyOf(col.files), Map.copyOf(col.symlinks),
                List.copyOf(searched), Map.copyOf(ids));
    }

    private static List<String> split(String path, String origin, String lib, String platform) {
        List<String> out = new ArrayList<>();
        if (path == null || path.isEmpty()) return out;
        for (String d : path.split(":")) {
            if (d.isEmpty()) continue; // ld.so would use the cwd: never for a device model
            String e = d.replace("${ORIGIN}", origin).replace("$ORIGIN", origin)
                    .replace("${LIB}", lib).replace("$LIB", lib)
                    .replace("${PLATFORM}", platform).replace("$PLATFORM", platform);
            while (e.length() > 1 && e.endsWith("/")) e = e.substring(0, e.length() - 1);
            out.add(e);
        }
        return out;
    }

    /** Follows a path component by component, recording symlinks; returns the real file. */
    static final class Collector {
        final Set<Path> files = new LinkedHashSet<>();
        final Map<Path, String> symlinks = new LinkedHashMap<>();

        Path add(Path p) throws IOException {
            Path real = walk(p.toAbsolutePath().normalize());
            files.add(real);
            return real;
        }

        private Path walk(Path p) throws IOException {
            Path current = Path.of("/");
            Deque<String> rest = new ArrayDeque<>();
            for (Path c : p) rest.add(c.toString());
            int links = 0;
            while (!rest.isEmpty()) {
                String comp = rest.poll();
                if (comp.equals(".") || comp.isEmpty()) continue;
                if (comp.equals("..")) {
                    current = current.getParent() == null ? current : current.getParent();
                    continue;
                }
                Path next = current.resolve(comp);
                if (Files.isSymbolicLink(next)) {
                    if (++links > MAX_SYMLINKS) throw new IOException(p + ": too many levels of symbolic links");
                    String target = Files.readSymbolicLink(next).toString();
                    symlinks.put(next, target);
                    Deque<String> expanded = new ArrayDeque<>();
                    for (Path c : Path.of(target)) expanded.add(c.toString());
                    while (!expanded.isEmpty()) rest.addFirst(expanded.pollLast());
                    if (target.startsWith("/")) current = Path.of("/");
                } else if (Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                    current = next;
                } else {
                    throw new NoSuchFileException(next.toString(), null, "while resolving " + p);
                }
            }
            return current;
        }
    }
}
