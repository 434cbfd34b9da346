package dev.dmjail.toolstack.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ElfDependencies against ldd (the oracle, in the test only) on this machine's real binaries. */
class ElfDependenciesTest {
    static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

    /** Canonical paths of everything ldd lists (interpreter included, vdso excluded). */
    static Set<String> ldd(Path binary) throws Exception {
        Process p = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Set<String> files = new TreeSet<>();
        Pattern arrow = Pattern.compile("=>\\s+(/\\S+)\\s+\\(0x");
        Pattern bare = Pattern.compile("^\\s*(/\\S+)\\s+\\(0x");
        for (String l : out.lines().toList()) {
            assertTrue(!l.contains("not found"), l);
            Matcher m = arrow.matcher(l);
            Matcher b = bare.matcher(l);
            if (m.find()) files.add(Path.of(m.group(1)).toRealPath().toString());
            else if (b.find()) files.add(Path.of(b.group(1)).toRealPath().toString());
        }
        return files;
    }

    static void assertMatchesLdd(Path binary) throws Exception {
        ElfDependencies.Result r = ElfDependencies.resolve(binary);
        Set<String> ours = new TreeSet<>();
        r.files().forEach(f -> ours.add(f.toString()));
        String self = binary.toRealPath().toString();
        assertEquals(self, r.files().get(0).toString());
        ours.remove(self);
        assertEquals(ldd(binary), ours);
        // every file is canonical, every symlink has a canonical parent and is a real symlink
        for (Path f : r.files()) {
            assertEquals(f.toRealPath().toString(), f.toString());
            assertTrue(Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS), f.toString());
        }
        r.symlinks().forEach((link, target) -> {
            try {
                assertEquals(link.getParent().toRealPath(), link.getParent());
                assertEquals(target, Files.readSymbolicLink(link).toString());
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        // the root rebuilt from files + symlinks resolves every path ld.so uses
        List<String> used = new ArrayList<>(r.libraries().values());
        if (r.interpreter() != null) used.add(r.interpreter());
        for (String u : used) {
            assertTrue(r.files().contains(resolveWithin(r, u)), u);
        }
    }

    /** Resolves a path using only the result's symlinks (as inside the rebuilt root). */
    static Path resolveWithin(ElfDependencies.Result r, String path) {
        Path cur = Path.of("/");
        List<String> rest = new ArrayList<>();
        for (Path c : Path.of(path)) rest.add(c.toString());
        int guard = 0;
        while (!rest.isEmpty() && guard++ < 100) {
            String comp = rest.remove(0);
            Path next = cur.resolve(comp);
            String t = r.symlinks().get(next);
            if (t == null) {
                cur = next;
                continue;
            }
            List<String> exp = new ArrayList<>();
            for (Path c : Path.of(t)) exp.add(c.toString());
            rest.addAll(0, exp);
            if (t.startsWith("/")) cur = Path.of("/");
        }
        return cur.normalize();
    }

    @Test
    void qemuMatchesLdd() throws Exception {
        assumeTrue(Files.exists(QEMU));
        assertMatchesLdd(QEMU);
        ElfDependencies.Result r = ElfDependencies.resolve(QEMU);
        assertEquals("/lib64/ld-linux-x86-64.so.2", r.interpreter());
        assertTrue(r.libraries().size() > 20, r.libraries().toString());
        // each file with the dev:ino of the fd its headers were read from (the root binds only that file)
        assertEquals(new TreeSet<>(r.files()), new TreeSet<>(r.identities().keySet()));
        for (Path f : r.files()) {
            assertEquals(Files.getAttribute(f, "unix:dev", java.nio.file.LinkOption.NOFOLLOW_LINKS) + ":"
                    + Files.getAttribute(f, "unix:ino", java.nio.file.LinkOption.NOFOLLOW_LINKS), r.identities().get(f), f.toString());
        }
    }

    @Test
    void qemuWithItsDlopenedTcgModule() throws Exception {
        Path tcg = Path.of("/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so");
        assumeTrue(Files.exists(QEMU) && Files.exists(tcg));
        ElfDependencies.Result all = ElfDependencies.resolveAll(QEMU, List.of(tcg));
        ElfDependencies.Result qemu = ElfDependencies.resolve(QEMU);
        assertTrue(all.files().containsAll(qemu.files()));
        assertTrue(all.files().contains(tcg.toRealPath()));
        assertEquals(new TreeSet<>(all.files()), new TreeSet<>(all.identities().keySet()), "the merged closure keeps every identity");
        Set<String> expected = new TreeSet<>(ldd(QEMU));
        expected.addAll(ldd(tcg));
        expected.add(QEMU.toRealPath().toString());
        expected.add(tcg.toRealPath().toString());
        Set<String> ours = new TreeSet<>();
        all.files().forEach(f -> ours.add(f.toString()));
        assertEquals(expected, ours);
    }

    @Test
    void binTrueMatchesLddAndRecordsMergedUsrSymlinks() throws Exception {
        Path t = Path.of("/bin/true");
        assertMatchesLdd(t);
        ElfDependencies.Result r = ElfDependencies.resolve(t);
        assertEquals(Path.of("/usr/bin/true"), r.files().get(0));
        assertEquals("usr/bin", r.symlinks().get(Path.of("/bin")));
        assertEquals("usr/lib64", r.symlinks().get(Path.of("/lib64")));
        assertEquals("usr/lib", r.symlinks().get(Path.of("/lib")));
        assertTrue(r.files().contains(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6")), r.files().toString());
        assertTrue(r.files().contains(Path.of("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")), r.files().toString());
    }

    @Test
    void staticBinaryYieldsJustItself() throws Exception {
        Path out = Path.of("target", "it", "static-true").toAbsolutePath();
        Files.createDirectories(out.getParent());
        Path src = out.resolveSibling("static-true.c");
        Files.writeString(src, "int main(void) { return 0; }\n");
        Process p = new ProcessBuilder("gcc", "-static", "-o", out.toString(), src.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        ElfDependencies.Result r = ElfDependencies.resolve(out);
        assertTrue(r.staticallyLinked());
        assertNull(r.interpreter());
        assertEquals(List.of(out.toRealPath()), r.files());
        assertEquals(0, r.symlinks().size(), r.symlinks().toString());
    }

    @Test
    void notElf() {
        assertThrows(ElfFile.NotElfException.class, () -> ElfDependencies.resolve(Path.of("/etc/hostname")));
    }

    @Test
    void ldSoCacheMatchesLdconfig() throws Exception {
        LdSoCache cache = LdSoCache.load();
        Process p = new ProcessBuilder("/sbin/ldconfig", "-p").redirectErrorStream(true).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        p.waitFor();
        // "\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6"
        Pattern e = Pattern.compile("^\\s+(\\S+) \\(([^)]*)\\) => (\\S+)$");
        int checked = 0;
        for (String l : lines) {
            Matcher m = e.matcher(l);
            if (!m.find() || !m.group(2).contains("x86-64") || m.group(2).contains("hwcap")) continue;
            assertEquals(m.group(3), cache.lookup(m.group(1), LdSoCache.FLAG_X8664_LIB64), l);
            checked++;
        }
        assertTrue(checked > 50, "checked " + checked);
        Matcher n = Pattern.compile("^(\\d+) libs found").matcher(lines.get(0));
        assertTrue(n.find(), lines.get(0));
        assertEquals(Integer.parseInt(n.group(1)), cache.entries().size());
    }
}
