package dev.dmjail.uidrange.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-process tests on a fake root (no namespace needed): parsers, atomic edits, lock, manifest. */
class InstallFilesTest {
    @TempDir
    Path root;

    private EtcPaths fakeRoot() throws IOException {
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        Files.writeString(etc.resolve("shadow"), "root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
        Files.writeString(etc.resolve("gshadow"), "root:*::\nnogroup:*::\n");
        Files.setAttribute(etc.resolve("shadow"), "unix:mode", 0640);
        return new EtcPaths(root);
    }

    @Test
    void loginDefsReadsValuesAndFallsBackToShadowDefaults() throws IOException {
        Path f = root.resolve("login.defs");
        Files.writeString(f, "# comment\nUID_MIN\t\t 1000\nUID_MAX 60000\nSYS_UID_MAX   499\nGID_MAX 0x10000\n");
        LoginDefs d = LoginDefs.read(f);
        assertEquals(IdRange.inclusive(1000, 60000), d.userIds(false));
        assertEquals(IdRange.inclusive(101, 499), d.systemIds(false));
        assertEquals(IdRange.inclusive(1000, 65536), d.userIds(true));
        assertEquals(IdRange.inclusive(101, 999), d.systemIds(true));
        assertEquals(IdRange.inclusive(100000, 600100000), LoginDefs.read(root.resolve("missing")).subordinateIds(false));
    }

    @Test
    void subordinateIdFileParsing() throws IOException {
        Path f = root.resolve("subuid");
        Files.writeString(f, "alice:100000:65536\n# x\nbroken\nbob:165536:65536\n");
        assertEquals(List.of(new SubordinateIdEntry("alice", 100000, 65536), new SubordinateIdEntry("bob", 165536, 65536)),
                SubordinateIdEntry.read(f));
        assertEquals(List.of(), SubordinateIdEntry.read(root.resolve("none")));
    }

    @Test
    void fileWriterAddsAndRemovesLinesByteForByteKeepingMode() throws IOException {
        EtcPaths p = fakeRoot();
        byte[] passwd = Files.readAllBytes(p.passwd());
        byte[] shadow = Files.readAllBytes(p.shadow());
        byte[] group = Files.readAllBytes(p.group());
        byte[] gshadow = Files.readAllBytes(p.gshadow());
        EtcFilesAccountWriter w = new EtcFilesAccountWriter(p, LoginDefs.empty());
        w.createGroup("xen-qemuuser-range-base", 65536L);
        w.createUser("xen-qemuuser-range-base", 65536L, "xen-qemuuser-range-base", "c");
        w.createGroup("dmjail-reaper", null);
        w.createUser("dmjail-reaper", null, "dmjail-reaper", "r");
        assertTrue(Files.readString(p.passwd()).contains(
                "xen-qemuuser-range-base:x:65536:65536:c:/nonexistent:/usr/sbin/nologin\n"));
        assertTrue(Files.readString(p.passwd()).contains("dmjail-reaper:x:999:999:r:/nonexistent:/usr/sbin/nologin\n"));
        assertTrue(Files.readString(p.gshadow()).endsWith("dmjail-reaper:!::\n"));
        assertEquals(0640, (Integer) Files.getAttribute(p.shadow(), "unix:mode") & 07777);
        assertThrows(IOException.class, () -> w.createUser("dmjail-reaper", null, "dmjail-reaper", "r"));
        assertThrows(IOException.class, () -> w.createGroup("other", 65536L));

        w.deleteUser("dmjail-reaper");
        w.deleteGroup("dmjail-reaper");
        w.deleteUser("xen-qemuuser-range-base");
        w.deleteGroup("xen-qemuuser-range-base");
        assertArrayEquals(passwd, Files.readAllBytes(p.passwd()));
        assertArrayEquals(shadow, Files.readAllBytes(p.shadow()));
        assertArrayEquals(group, Files.readAllBytes(p.group()));
        assertArrayEquals(gshadow, Files.readAllBytes(p.gshadow()));
        assertEquals(0640, (Integer) Files.getAttribute(p.shadow(), "unix:mode") & 07777);
        assertThrows(IOException.class, () -> w.deleteUser("dmjail-reaper"));
        try (var s = Files.list(p.etc())) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().contains(".dmjail-")), "temp files left");
        }
    }

    @Test
    void accountFileRemoveMatchesWholeNameOnly() throws IOException {
        Path f = root.resolve("passwd");
        Files.writeString(f, "ab:x:1:1::/:/bin/sh\na:x:2:2::/:/bin/sh\nabc:x:3:3::/:/bin/sh");
        new AccountFile(f).remove("a");
        assertEquals("ab:x:1:1::/:/bin/sh\nabc:x:3:3::/:/bin/sh", Files.readString(f));
        new AccountFile(f).append("z:x:4:4::/:/bin/sh");
        assertEquals("ab:x:1:1::/:/bin/sh\nabc:x:3:3::/:/bin/sh\nz:x:4:4::/:/bin/sh\n", Files.readString(f));
    }

    @Test
    void passwdLockWaitsForAnotherProcessHoldingLckpwdfLock() throws Exception {
        Path lock = root.resolve(".pwd.lock");
        Process holder = new ProcessBuilder("python3", "-c", "import fcntl,sys,time\n"
                + "f=open(sys.argv[1],'w'); fcntl.lockf(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(1.5)",
                lock.toString()).start();
        try {
            String first = new String(holder.getInputStream().readNBytes(6), StandardCharsets.UTF_8);
            assertEquals("locked", first);
            long t0 = System.nanoTime();
            try (PasswdLock l = PasswdLock.acquire(lock)) {
                long waitedMs = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(waitedMs >= 500, "acquired after only " + waitedMs + " ms while held");
            }
        } finally {
            holder.destroy();
            holder.waitFor();
        }
    }

    @Test
    void manifestRoundTripsAndReplacesRecreatedEntries() throws IOException {
        ManifestStore store = new ManifestStore(root.resolve("var/lib/dmjail/host-install.json"));
        InstallManifest m = new InstallManifest(1, 65536, "files", "t0", List.of())
                .plus(List.of(new InstallManifest.Entry(InstallManifest.Kind.USER, "u", 5)), "files", "t1")
                .plus(List.of(new InstallManifest.Entry(InstallManifest.Kind.USER, "u", 6)), "files", "t2");
        store.write(m);
        assertEquals(m, store.read().orElseThrow());
        assertEquals(1, store.read().orElseThrow().created().size());
        Files.writeString(store.path(), "{not json");
        assertThrows(IOException.class, store::read);
    }

    @Test
    void shadowToolsWithPrefixEditOnlyTheOtherRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ThrowawayEtc.supported(), "needs root and shadow's useradd");
        try (ThrowawayEtc copy = ThrowawayEtc.create()) {
            prefixRoundTrip(copy.root());
        }
    }

    private static void prefixRoundTrip(Path root) throws Exception {
        EtcPaths p = new EtcPaths(root);
        byte[] passwd = Files.readAllBytes(p.passwd());
        byte[] shadow = Files.readAllBytes(p.shadow());
        InstallOptions o = InstallOptions.defaults().withRoot(root).withBackend(InstallOptions.Backend.SHADOW_TOOLS)
                .withManifestPath(root.resolve("m.json"));
        byte[] livePasswd = Files.readAllBytes(Path.of("/etc/passwd"));
        HostInstaller hi = new HostInstaller();
        InstallReport r = hi.install(o);
        assertEquals(InstallReport.Outcome.INSTALLED, r.outcome(), r.toText());
        assertTrue(Files.readString(p.passwd()).contains("xen-qemuuser-range-base:x:65536:65536:"));
        // the live system may have its own range already; --prefix must leave it byte for byte
        assertArrayEquals(livePasswd, Files.readAllBytes(Path.of("/etc/passwd")), "the live system must not get the user");
        assertEquals(UninstallReport.Outcome.REMOVED, hi.uninstall(o).outcome());
        assertArrayEquals(passwd, Files.readAllBytes(p.passwd()));
        assertArrayEquals(shadow, Files.readAllBytes(p.shadow()));
    }

    @Test
    void filesBackendInstallCheckUninstallOnAFakeRoot() throws IOException {
        EtcPaths p = fakeRoot();
        byte[] passwd = Files.readAllBytes(p.passwd());
        InstallOptions o = InstallOptions.defaults().withRoot(root).withBackend(InstallOptions.Backend.FILES)
                .withManifestPath(root.resolve("m.json")).withReaper(true);
        HostInstaller hi = new HostInstaller();
        InstallReport r = hi.install(o);
        assertEquals(InstallReport.Outcome.INSTALLED, r.outcome(), r.toText());
        assertTrue(r.toText().contains("created system user xen-qemuuser-range-base (uid 65536"), r.toText());
        assertEquals(InstallReport.Outcome.ALREADY_INSTALLED, hi.install(o).outcome());
        CheckReport c = hi.check(o);
        assertEquals(CheckReport.Verdict.OK, c.verdict(), c.toText());
        assertTrue(Reports.toJson(c).contains("\"verdict\" : \"OK\""));
        assertEquals(UninstallReport.Outcome.REMOVED, hi.uninstall(o).outcome());
        assertArrayEquals(passwd, Files.readAllBytes(p.passwd()));
        assertEquals(CheckReport.Verdict.NOT_INSTALLED, hi.check(o).verdict());
    }
}
