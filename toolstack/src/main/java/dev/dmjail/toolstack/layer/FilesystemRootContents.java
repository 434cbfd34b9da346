package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.elf.ElfDependencies;
import dev.dmjail.toolstack.elf.LdSoCache;
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
 */
public record FilesystemRootContents(List<String> binds, Map<String, String> symlinks) {

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
            return new FilesystemRootContents(List.copyOf(binds), Map.of());
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
        binds.addAll(firmwareDirs);
        return new FilesystemRootContents(List.copyOf(binds), Map.copyOf(c.symlinks()));
    }

    private static FilesystemElfCache.Closure resolve(Path binary, List<Path> modules) throws IOException {
        TreeSet<String> files = new TreeSet<>();
        TreeMap<String, String> links = new TreeMap<>();
        TreeSet<String> searched = new TreeSet<>();
        List<Path> elves = new ArrayList<>();
        elves.add(binary);
        elves.addAll(modules);
        LdSoCache ldCache = LdSoCache.load();
        for (Path elf : elves) {
            ElfDependencies.Result r = ElfDependencies.resolve(elf, ldCache);
            r.files().forEach(f -> files.add(f.toString()));
            r.symlinks().forEach((k, v) -> links.put(k.toString(), v));
            r.searchedDirs().forEach(d -> searched.add(d.toString()));
        }
        return new FilesystemElfCache.Closure(List.copyOf(files), Map.copyOf(links), List.copyOf(searched));
    }
}
