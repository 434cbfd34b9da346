package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.elf.ElfDependencies;
import dev.dmjail.toolstack.elf.LdSoCache;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a device model's private root must hold, resolved from its ELF headers like ld.so would
 * ({@link ElfDependencies}): the binary, its interpreter and libraries at their
 * canonical paths, every symlink on the way (Debian is merged-/usr: /lib64 → usr/lib64 …), the
 * firmware directories, and the accelerator modules QEMU dlopen()s with their own libraries. The ELF
 * part is kept between creates in the state directory ({@link FilesystemElfCache}) while nothing it was
 * resolved from changes.
 *
 * <p>Each bind comes with the identity ("dev:ino") the toolstack saw on its own fd: for an ELF file,
 * the fd its headers were read from ({@code ElfFile}); for a firmware directory, one opened here with
 * no symlink on the way. The launcher binds only a source that is still that file (a tenant may own
 * a directory on the path: a device_model_override and the libraries beside it).
 *
 * @param identities bind → "dev:ino"; a bind that does not exist (a dry run of a binary this host
 *                   lacks) has none, and create refuses that binary before it plans
 */
public record FilesystemRootContents(List<String> binds, Map<String, String> symlinks, Map<String, String> identities) {

    /** Resolved afresh, no cache. */
    public static FilesystemRootContents compute(Path binary, List<String> firmwareDirs) throws IOException {
        return compute(binary, firmwareDirs, null);
    }

    /** @param stateDir where the ELF cache lives (root's state directory), or null for none */
    public static FilesystemRootContents compute(Path binary, List<String> firmwareDirs, Path stateDir) throws IOException {
        if (!java.nio.file.Files.isRegularFile(binary) || !java.nio.file.Files.isExecutable(binary)
                || !dev.dmjail.toolstack.elf.ElfFile.isElf64(binary, -1)) {
            // only in a dry run: a binary this host lacks is a problem the planner lists ({@link Problems}),
            // and create refuses it before any layer plans; what it would need cannot be known
            TreeSet<String> binds = new TreeSet<>(firmwareDirs);
            binds.add(binary.toString());
            Map<String, String> ids = new TreeMap<>();
            for (String b : binds) {
                String id = observed(b, false);
                if (id != null) {
                    ids.put(b, id);
                }
            }
            return new FilesystemRootContents(List.copyOf(binds), Map.of(), Map.copyOf(ids));
        }
        List<Path> modules = FilesystemFirmwareDirs.modules(binary.toString());
        Path moduleDir = FilesystemFirmwareDirs.moduleDir(binary.toString());
        FilesystemElfCache cache = stateDir == null ? null : new FilesystemElfCache(stateDir);
        FilesystemElfCache.Closure c = cache == null ? null : cache.lookup(binary, modules);
        if (c == null) {
            Map<String, String> before = cache == null ? null : FilesystemElfCache.before(binary, moduleDir);
            c = resolve(binary, modules);
            if (cache != null) {
                cache.store(binary, modules, moduleDir, c, before);
            }
        }
        TreeSet<String> binds = new TreeSet<>(c.files());
        Map<String, String> ids = new TreeMap<>(c.identities());
        for (String d : firmwareDirs) {
            if (binds.add(d)) {
                String id = observed(d, true);
                if (id == null) {
                    throw new IOException("firmware directory " + d + " cannot be opened with no symlink on the way");
                }
                ids.put(d, id);
            }
        }
        return new FilesystemRootContents(List.copyOf(binds), Map.copyOf(c.symlinks()), Map.copyOf(ids));
    }

    /**
     * "dev:ino" of {@code path} opened with no symlink on the way (O_PATH: nothing read, no device
     * opened), from that fd; null when it cannot be opened, or is not a directory though {@code dir}.
     */
    static String observed(String path, boolean dir) {
        SafeFile.Opened o = SafeFile.open(path, Sys.O_PATH, 0);
        if (!o.ok()) {
            return null;
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            return st == null || (dir && st.type() != Sys.S_IFDIR) ? null : st.identity();
        } finally {
            SafeFile.close(o.fd());
        }
    }

    private static FilesystemElfCache.Closure resolve(Path binary, List<Path> modules) throws IOException {
        TreeSet<String> files = new TreeSet<>();
        TreeMap<String, String> links = new TreeMap<>();
        TreeSet<String> searched = new TreeSet<>();
        TreeMap<String, String> ids = new TreeMap<>();
        List<Path> elves = new ArrayList<>();
        elves.add(binary);
        elves.addAll(modules);
        LdSoCache ldCache = LdSoCache.load();
        for (Path elf : elves) {
            ElfDependencies.Result r = ElfDependencies.resolve(elf, ldCache);
            r.files().forEach(f -> files.add(f.toString()));
            r.symlinks().forEach((k, v) -> links.put(k.toString(), v));
            r.searchedDirs().forEach(d -> searched.add(d.toString()));
            for (Map.Entry<Path, String> e : r.identities().entrySet()) {
                String had = ids.putIfAbsent(e.getKey().toString(), e.getValue());
                if (had != null && !had.equals(e.getValue())) {
                    throw new IOException(e.getKey() + " changed while it was resolved (read as " + had + ", then as "
                            + e.getValue() + ")");
                }
            }
        }
        return new FilesystemElfCache.Closure(List.copyOf(files), Map.copyOf(links), List.copyOf(searched), Map.copyOf(ids));
    }
}
