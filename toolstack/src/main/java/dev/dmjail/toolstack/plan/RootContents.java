package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.elf.ElfDependencies;
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
 * firmware directories, and the accelerator modules QEMU dlopen()s with their own libraries.
 */
public record RootContents(List<String> binds, Map<String, String> symlinks) {

    public static RootContents compute(Path binary, List<String> firmwareDirs) throws IOException {
        if (!java.nio.file.Files.isRegularFile(binary) || !java.nio.file.Files.isExecutable(binary)) {
            // only in a dry run: a binary this host lacks is a problem the planner lists ({@link Problems}),
            // and create refuses it before any layer plans; what it would need cannot be known
            TreeSet<String> binds = new TreeSet<>(firmwareDirs);
            binds.add(binary.toString());
            return new RootContents(List.copyOf(binds), Map.of());
        }
        TreeSet<String> binds = new TreeSet<>();
        TreeMap<String, String> links = new TreeMap<>();
        List<Path> elves = new ArrayList<>();
        elves.add(binary);
        elves.addAll(FirmwareDirs.modules(binary.toString()));
        for (Path elf : elves) {
            ElfDependencies.Result r = ElfDependencies.resolve(elf);
            r.files().forEach(f -> binds.add(f.toString()));
            r.symlinks().forEach((k, v) -> links.put(k.toString(), v));
        }
        binds.addAll(firmwareDirs);
        return new RootContents(List.copyOf(binds), Map.copyOf(links));
    }
}
