package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a binary needs in a private root, for these tests: ldd's list (the dynamic loader's own answer)
 * as canonical files to bind, and every symlink met on the way to them (merged /usr: /lib64 → usr/lib64,
 * ...), each with a canonical parent, as the filesystem section wants them. The toolstack plans roots
 * with its own ELF reader (toolstack/elf, tested against ldd); the launcher only applies a root.
 */
final class LddRoot {
    /** @param identities each file's "dev:ino", seen when this was resolved (the plan's view of it) */
    record Result(List<String> files, Map<String, String> symlinks, Map<String, String> identities) {
        /** These identities and those of {@code more} binds (seen now). */
        Map<String, String> identitiesWith(List<String> more) throws IOException {
            Map<String, String> all = new TreeMap<>(identities);
            for (String m : more) all.put(m, identity(m));
            return all;
        }
    }

    /** "dev:ino" as the filesystem section's bindIdentities want it (lstat: the binds are canonical). */
    static String identity(String path) throws IOException {
        Path p = Path.of(path);
        return Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private static final Pattern ARROW = Pattern.compile("=>\\s+(/\\S+)\\s+\\(0x");
    private static final Pattern BARE = Pattern.compile("^\\s*(/\\S+)\\s+\\(0x");

    private final Set<String> files = new LinkedHashSet<>();
    private final Map<String, String> symlinks = new TreeMap<>();

    private LddRoot() {}

    /** {@code binary} and the objects it would dlopen, with everything ldd lists for each. */
    static Result of(Path binary, Path... dlopened) throws Exception {
        LddRoot r = new LddRoot();
        List<Path> objects = new ArrayList<>(List.of(binary));
        objects.addAll(List.of(dlopened));
        for (Path o : objects) {
            r.walk(o.toString());
            for (String lib : ldd(o)) {
                r.walk(lib);
            }
        }
        Map<String, String> ids = new TreeMap<>();
        for (String f : r.files) ids.put(f, identity(f));
        return new Result(List.copyOf(r.files), Map.copyOf(r.symlinks), Map.copyOf(ids));
    }

    private static List<String> ldd(Path binary) throws Exception {
        Process p = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        List<String> libs = new ArrayList<>();
        for (String l : out.lines().toList()) { // "not a dynamic executable": nothing (a static binary)
            assertTrue(!l.contains("not found"), l);
            Matcher m = ARROW.matcher(l);
            Matcher b = BARE.matcher(l);
            if (m.find()) libs.add(m.group(1));
            else if (b.find()) libs.add(b.group(1));
        }
        return libs;
    }

    /** Resolves {@code path} component by component, recording each symlink, and keeps the file it ends at. */
    private void walk(String path) throws IOException {
        Deque<String> rest = new ArrayDeque<>(components(path));
        Path done = Path.of("/");
        for (int links = 0; !rest.isEmpty(); ) {
            Path next = done.resolve(rest.pop());
            if (!Files.isSymbolicLink(next)) {
                done = next;
                continue;
            }
            if (++links > 40) throw new IOException("too many symlinks on " + path); // ld.so's ELOOP bound
            String target = Files.readSymbolicLink(next).toString();
            symlinks.put(next.toString(), target);
            List<String> t = components(done.resolve(target).normalize().toString());
            for (int i = t.size() - 1; i >= 0; i--) rest.push(t.get(i));
            done = Path.of("/");
        }
        assertTrue(Files.isRegularFile(done, LinkOption.NOFOLLOW_LINKS), done + " (from " + path + ")");
        files.add(done.toString());
    }

    private static List<String> components(String absolute) {
        List<String> out = new ArrayList<>();
        for (String c : absolute.split("/")) {
            if (!c.isEmpty()) out.add(c);
        }
        return out;
    }
}
