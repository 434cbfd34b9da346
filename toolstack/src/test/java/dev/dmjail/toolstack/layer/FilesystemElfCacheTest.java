package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device model's ELF closure cached in the state directory (issue 14): the same closure as a fresh
 * resolution; invalidated by a change of the binary, of a library, of a directory searched for a
 * library, of the module list; a cache file not root's, writable by others, a symlink, or malformed
 * is ignored (resolved afresh, then rewritten). Real binaries built with gcc, run as root.
 */
class FilesystemElfCacheTest {

    @TempDir
    Path tmp;

    Path prog, lib, state;

    @BeforeEach
    void build() throws Exception {
        Files.createDirectories(tmp.resolve("bin"));
        Files.createDirectories(tmp.resolve("lib"));
        Files.createDirectories(tmp.resolve("lib0"));
        state = Files.createDirectories(tmp.resolve("state"));
        lib = tmp.resolve("lib/libpf.so");
        buildLib(lib, "int pf(void) { return 1; }");
        Files.writeString(tmp.resolve("prog.c"), "int pf(void);\nint main(void) { return pf(); }\n");
        prog = tmp.resolve("bin/prog");
        // lib0 comes first in the rpath and holds no libpf.so yet
        gcc("-o", prog.toString(), tmp.resolve("prog.c").toString(), "-L" + tmp.resolve("lib"), "-lpf",
                "-Wl,--disable-new-dtags,-rpath,$ORIGIN/../lib0:$ORIGIN/../lib");
    }

    private void buildLib(Path out, String src) throws Exception {
        Path c = tmp.resolve("lib.c");
        Files.writeString(c, src + "\n");
        gcc("-shared", "-fPIC", "-o", out.toString(), c.toString());
    }

    private static void gcc(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("gcc"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), String.join(" ", cmd));
    }

    private FilesystemElfCache cache() { return new FilesystemElfCache(state); }

    private FilesystemElfCache.Closure lookup() {
        return cache().lookup(prog, FilesystemFirmwareDirs.modules(prog.toString()));
    }

    private FilesystemRootContents cached() throws IOException { return FilesystemRootContents.compute(prog, List.of(), state); }

    private FilesystemRootContents fresh() throws IOException { return FilesystemRootContents.compute(prog, List.of()); }

    @Test
    void theCachedClosureIsTheResolvedOneInARootOnlyFile() throws Exception {
        assertNull(lookup());
        FilesystemRootContents first = cached();
        assertEquals(fresh(), first);
        assertTrue(first.binds().contains(lib.toRealPath().toString()), first.binds().toString());
        Path f = state.resolve(FilesystemElfCache.FILE);
        assertEquals("root", Files.getOwner(f, LinkOption.NOFOLLOW_LINKS).getName());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertNotNull(lookup());
        assertEquals(first, cached());
    }

    /**
     * Every bind carries the dev:ino of the file the closure was read from (the launcher binds only that
     * file), from a fresh resolution and from the cache alike; a library renamed over between the read
     * and the store is not cached as the file that was read.
     */
    @Test
    void everyBindCarriesTheIdentityItWasReadAs() throws Exception {
        FilesystemRootContents first = cached();
        assertEquals(new java.util.TreeSet<>(first.binds()), new java.util.TreeSet<>(first.identities().keySet()));
        for (String b : first.binds()) {
            Path p = Path.of(b);
            assertEquals(Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS) + ":"
                    + Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS), first.identities().get(b), b);
        }
        assertEquals(first.identities(), lookup().identities(), "the cache gives the identities it was stored with");

        // the store's view of a library is another file than the one whose headers were read: no entry
        Files.delete(state.resolve(FilesystemElfCache.FILE));
        FilesystemElfCache.Closure c = resolvedFresh();
        Path other = tmp.resolve("lib/libpf.so.new");
        Files.copy(lib, other);
        Files.move(other, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        cache().store(prog, List.of(), FilesystemFirmwareDirs.moduleDir(prog.toString()), c,
                FilesystemElfCache.before(prog, FilesystemFirmwareDirs.moduleDir(prog.toString())));
        assertNull(lookup(), "not cached: " + lib + " is not the file that was read");
    }

    /** The closure resolved afresh (no cache), as a cache entry would hold it. */
    private FilesystemElfCache.Closure resolvedFresh() throws IOException {
        FilesystemRootContents r = fresh();
        return new FilesystemElfCache.Closure(r.binds(), r.symlinks(), List.of(), r.identities());
    }

    @Test
    void aChangedLibraryOrBinaryIsResolvedAgain() throws Exception {
        cached();
        buildLib(lib, "int pf(void) { return 2; }\nint pf2(void) { return 3; }");
        assertNull(lookup(), "a rebuilt library invalidates the entry");
        assertEquals(fresh(), cached());
        assertNotNull(lookup(), "and the new closure is cached");

        Files.setLastModifiedTime(prog, FileTime.fromMillis(Files.getLastModifiedTime(prog).toMillis() - 60_000));
        assertNull(lookup(), "a touched binary invalidates the entry");
        cached();
        assertNotNull(lookup());
    }

    @Test
    void aLibraryAppearingEarlierInTheSearchPathIsResolvedAgain() throws Exception {
        FilesystemRootContents before = cached();
        Path earlier = tmp.resolve("lib0/libpf.so");
        buildLib(earlier, "int pf(void) { return 4; }");
        assertNull(lookup(), "lib0 was searched: its new entry invalidates the cache");
        FilesystemRootContents after = cached();
        assertEquals(fresh(), after);
        assertTrue(after.binds().contains(earlier.toRealPath().toString()) && !before.equals(after), after.binds().toString());
    }

    @Test
    void anotherModuleListIsAMiss() throws Exception {
        cached();
        assertNull(cache().lookup(prog, List.of(tmp.resolve("lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"))));
    }

    @Test
    void aCacheNotRootsOrWritableByOthersIsIgnored() throws Exception {
        FilesystemRootContents good = cached();
        Path f = state.resolve(FilesystemElfCache.FILE);
        UserPrincipalLookupService users = f.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(f, users.lookupPrincipalByName("nobody"));
        assertNull(lookup(), "owned by nobody");
        assertEquals(good, cached(), "resolved afresh");
        assertEquals("root", Files.getOwner(f).getName(), "and rewritten as root's");
        assertNotNull(lookup());

        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));
        assertNull(lookup(), "group-writable");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--rw-"));
        assertNull(lookup(), "writable by others");
        assertEquals(good, cached());
    }

    @Test
    void aSymlinkInPlaceOfTheCacheIsIgnored() throws Exception {
        cached();
        Path f = state.resolve(FilesystemElfCache.FILE);
        Path elsewhere = tmp.resolve("elsewhere.json");
        Files.move(f, elsewhere);
        Files.createSymbolicLink(f, elsewhere);
        assertNull(lookup(), "a symlink, even to a good cache, is not followed");
        assertEquals(fresh(), cached());
    }

    @Test
    void aMalformedCacheIsIgnored() throws Exception {
        FilesystemRootContents good = fresh();
        Path f = state.resolve(FilesystemElfCache.FILE);
        String entry = "{\"version\":1,\"entries\":{\"" + prog + "\":";
        for (String bad : List.of("\u0000\u00ff not json", "{", "[]", "{\"version\":2,\"entries\":{}}",
                entry + "{\"modules\":[],\"files\":\"/etc/shadow\",\"symlinks\":{},\"searched_dirs\":[],\"identities\":{}}}}",
                entry + "{\"modules\":[],\"files\":[1],\"symlinks\":{},\"searched_dirs\":[],\"identities\":{}}}}",
                entry + "{\"modules\":[],\"files\":[],\"symlinks\":{},\"searched_dirs\":[],\"identities\":{\"/x\":1}}}}")) {
            Files.deleteIfExists(f);
            Files.writeString(f, bad);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            assertNull(lookup(), bad);
            assertEquals(good, cached(), bad);
            assertNotNull(lookup(), "rewritten after " + bad);
        }
        Files.deleteIfExists(f);
        Files.write(f, new byte[(int) FilesystemElfCache.MAX_BYTES + 1]);
        assertNull(lookup(), "past its bound");
    }

    @Test
    void qemusClosureFromTheCacheIsTheFreshOne() throws Exception {
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        List<String> fw = FilesystemFirmwareDirs.forBinary(qemu.toString());
        FilesystemRootContents fresh = FilesystemRootContents.compute(qemu, fw);
        assertEquals(fresh, FilesystemRootContents.compute(qemu, fw, state));
        assertNotNull(cache().lookup(qemu, FilesystemFirmwareDirs.modules(qemu.toString())));
        assertEquals(fresh, FilesystemRootContents.compute(qemu, fw, state));
    }
}
