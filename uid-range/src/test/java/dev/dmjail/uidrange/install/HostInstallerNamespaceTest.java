package dev.dmjail.uidrange.install;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.dmjail.uidrange.PosixUserDatabase;

/**
 * Drives the real useradd/groupadd/userdel/groupdel (and the file-editing fallback) against a
 * throwaway copy of /etc, bind-mounted over /etc in a private mount namespace of a child process.
 */
class HostInstallerNamespaceTest {
    private static final String BASE = "xen-qemuuser-range-base";
    private static final String[] ACCOUNT_FILES = {"passwd", "group", "shadow", "gshadow", "subuid", "subgid"};
    private static Map<String, String> realBefore;
    private static boolean realManifestExisted;
    private ThrowawayEtc etc;

    @BeforeAll
    static void snapshotRealEtc() throws Exception {
        assumeTrue(ThrowawayEtc.supported(), "needs root, unshare and shadow's useradd");
        realBefore = RealEtcGuard.snapshot();
        realManifestExisted = Files.exists(InstallOptions.DEFAULT_MANIFEST);
    }

    /**
     * Other work on this shared host may legitimately edit the real files while these tests run, so
     * the suite-wide guard looks for our fingerprints (the GECOS dmjail writes, the default manifest);
     * the byte-for-byte proof is {@link #theMachinesRealEtcIsUnchangedAfterANamespaceInstall}.
     */
    @AfterAll
    static void realEtcHasNoTraceOfTheTests() throws Exception {
        if (realBefore == null) {
            return;
        }
        String passwd = Files.readString(java.nio.file.Path.of("/etc/passwd"), StandardCharsets.ISO_8859_1);
        for (String gecos : List.of("dmjail device-model uid range base", "dmjail shared device-model user",
                "dmjail device-model reaper")) {
            assertEquals(realBefore.get("passwd").contains(gecos), passwd.contains(gecos), gecos);
        }
        assertEquals(realBefore.get("subuid"), RealEtcGuard.snapshot().get("subuid"));
        assertEquals(realBefore.get("subgid"), RealEtcGuard.snapshot().get("subgid"));
        if (!realManifestExisted) {
            assertFalse(Files.exists(InstallOptions.DEFAULT_MANIFEST), "tests must never write the real manifest");
        }
    }

    @BeforeEach
    void copyEtc() throws Exception {
        etc = ThrowawayEtc.create();
    }

    @AfterEach
    void dropCopy() throws Exception {
        etc.close();
    }

    private List<byte[]> accountFiles() throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (String f : ACCOUNT_FILES) {
            out.add(Files.exists(etc.etc(f)) ? etc.bytes(f) : new byte[0]);
        }
        return out;
    }

    private static void assertSameFiles(List<byte[]> expected, List<byte[]> actual) {
        for (int i = 0; i < ACCOUNT_FILES.length; i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "/etc/" + ACCOUNT_FILES[i] + " differs");
        }
    }

    private String line(String file, String name) throws Exception {
        return etc.lines(file).stream().filter(l -> l.startsWith(name + ":")).findFirst().orElse(null);
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isTextual() ? n.asText() : n.toString()));
        return out;
    }

    private static boolean anyContains(List<String> items, String... parts) {
        return items.stream().anyMatch(s -> List.of(parts).stream().allMatch(s::contains));
    }

    @Test
    void shadowToolsInstallIsExactIdempotentAndUninstallRestoresBytes() throws Exception {
        List<byte[]> pristine = accountFiles();

        ThrowawayEtc.Result first = etc.run("install");
        assertEquals(0, first.exitCode(), first.stdout());
        assertEquals("INSTALLED", first.report().get("outcome").asText());
        assertEquals("shadow-tools", first.report().get("method").asText());
        assertEquals(BASE + ":x:65536:65536:dmjail device-model uid range base:/nonexistent:/usr/sbin/nologin",
                line("passwd", BASE));
        assertEquals(BASE + ":x:65536:", line("group", BASE));
        assertTrue(line("shadow", BASE).matches(BASE + ":!:\\d+::::::"), line("shadow", BASE));
        assertEquals(BASE + ":!::", line("gshadow", BASE));
        assertTrue(Files.exists(etc.manifest()));

        List<byte[]> installed = accountFiles();
        ThrowawayEtc.Result second = etc.run("install");
        assertEquals(0, second.exitCode());
        assertEquals("ALREADY_INSTALLED", second.report().get("outcome").asText());
        assertSameFiles(installed, accountFiles());

        ThrowawayEtc.Result check = etc.run("check");
        assertEquals(0, check.exitCode(), check.stdout());
        assertEquals("OK", check.report().get("verdict").asText());
        assertTrue(anyContains(texts(check.report().get("provisioned")), BASE, "uid 65536", "created by dmjail"));

        ThrowawayEtc.Result un = etc.run("uninstall");
        assertEquals(0, un.exitCode(), un.stdout());
        assertEquals("REMOVED", un.report().get("outcome").asText());
        assertSameFiles(pristine, accountFiles());
        assertFalse(Files.exists(etc.manifest()));

        ThrowawayEtc.Result after = etc.run("check");
        assertEquals(2, after.exitCode());
        assertEquals("NOT_INSTALLED", after.report().get("verdict").asText());
        assertEquals("NOTHING_TO_REMOVE", etc.run("uninstall").report().get("outcome").asText());
    }

    @Test
    void sharedAndReaperUsersAreSystemUsersOutsideTheRange() throws Exception {
        List<byte[]> pristine = accountFiles();
        ThrowawayEtc.Result r = etc.run("install", "--shared", "--reaper");
        assertEquals("INSTALLED", r.report().get("outcome").asText(), r.stdout());
        for (String name : List.of("xen-qemuuser-shared", "dmjail-reaper")) {
            String[] f = line("passwd", name).split(":");
            int uid = Integer.parseInt(f[2]);
            assertTrue(uid > 0 && uid < 1000, name + " uid " + uid);
            assertEquals("/nonexistent", f[5]);
            assertEquals("/usr/sbin/nologin", f[6]);
            assertTrue(line("group", name).startsWith(name + ":x:" + f[3] + ":"), line("group", name));
        }
        assertEquals("OK", etc.run("check").report().get("verdict").asText());
        assertEquals("REMOVED", etc.run("uninstall").report().get("outcome").asText());
        assertSameFiles(pristine, accountFiles());
    }

    @Test
    void fileFallbackWhenToolsAreMissingMatchesUseraddAndRestoresBytes() throws Exception {
        List<byte[]> pristine = accountFiles();
        Object shadowMode = Files.getAttribute(etc.etc("shadow"), "unix:mode");
        Object shadowGid = Files.getAttribute(etc.etc("shadow"), "unix:gid");

        ThrowawayEtc.Result r = etc.run("install", "--shared", "--reaper", "--tool-dir", "/nonexistent-tools");
        assertEquals(0, r.exitCode(), r.stdout());
        assertEquals("files", r.report().get("method").asText());
        assertTrue(anyContains(texts(r.report().get("warnings")), "not found", "directly"), r.stdout());
        assertEquals(BASE + ":x:65536:65536:dmjail device-model uid range base:/nonexistent:/usr/sbin/nologin",
                line("passwd", BASE));
        assertEquals(BASE + ":x:65536:", line("group", BASE));
        assertTrue(line("shadow", BASE).matches(BASE + ":!:\\d+::::::"), line("shadow", BASE));
        assertEquals(BASE + ":!::", line("gshadow", BASE));
        int sharedUid = Integer.parseInt(line("passwd", "xen-qemuuser-shared").split(":")[2]);
        assertTrue(sharedUid >= 101 && sharedUid <= 999, "shared uid " + sharedUid);
        assertEquals(shadowMode, Files.getAttribute(etc.etc("shadow"), "unix:mode"));
        assertEquals(shadowGid, Files.getAttribute(etc.etc("shadow"), "unix:gid"));

        List<byte[]> installed = accountFiles();
        assertEquals("ALREADY_INSTALLED", etc.run("install", "--shared", "--reaper", "--tool-dir",
                "/nonexistent-tools").report().get("outcome").asText());
        assertSameFiles(installed, accountFiles());
        assertEquals("OK", etc.run("check").report().get("verdict").asText());

        ThrowawayEtc.Result un = etc.run("uninstall", "--backend", "files");
        assertEquals("REMOVED", un.report().get("outcome").asText(), un.stdout());
        assertSameFiles(pristine, accountFiles());
        assertEquals(shadowMode, Files.getAttribute(etc.etc("shadow"), "unix:mode"));
    }

    @Test
    void userInRangeIsReportedByNameAndNothingChanges() throws Exception {
        etc.append("passwd", "alice:x:70000:1000::/home/alice:/bin/sh");
        List<byte[]> before = accountFiles();
        ThrowawayEtc.Result r = etc.run("install");
        assertEquals(1, r.exitCode());
        assertEquals("REFUSED", r.report().get("outcome").asText());
        List<String> conflicts = texts(r.report().get("conflicts"));
        assertTrue(anyContains(conflicts, "USER_IN_RANGE", "alice", "uid 70000", "[65536, 98288)"), r.stdout());
        assertSameFiles(before, accountFiles());
        assertFalse(Files.exists(etc.manifest()));
    }

    @Test
    void groupInRangeIsReportedByName() throws Exception {
        etc.append("group", "vmusers:x:65600:");
        ThrowawayEtc.Result r = etc.run("install");
        assertEquals("REFUSED", r.report().get("outcome").asText());
        assertTrue(anyContains(texts(r.report().get("conflicts")), "GROUP_IN_RANGE", "vmusers", "gid 65600"),
                r.stdout());
        assertEquals(null, line("passwd", BASE));
    }

    @Test
    void subuidAndSubgidOverlapsAreReportedWithTheirRanges() throws Exception {
        etc.append("subuid", "bob:90000:65536");
        etc.append("subgid", "carol:65536:1");
        List<byte[]> before = accountFiles();
        ThrowawayEtc.Result r = etc.run("install");
        assertEquals("REFUSED", r.report().get("outcome").asText());
        List<String> conflicts = texts(r.report().get("conflicts"));
        assertTrue(anyContains(conflicts, "SUBUID_OVERLAP", "bob", "bob:90000:65536", "[90000, 155536)"), r.stdout());
        assertTrue(anyContains(conflicts, "SUBGID_OVERLAP", "carol", "[65536, 65537)"), r.stdout());
        assertSameFiles(before, accountFiles());
    }

    @Test
    void baseInsideLoginDefsAllocationRangeIsRefused() throws Exception {
        ThrowawayEtc.Result r = etc.run("install", "--base", "30000");
        assertEquals("REFUSED", r.report().get("outcome").asText());
        List<String> conflicts = texts(r.report().get("conflicts"));
        assertTrue(anyContains(conflicts, "LOGIN_DEFS_OVERLAP", "UID_MIN..UID_MAX", "1000..60000"), r.stdout());
        assertTrue(anyContains(conflicts, "LOGIN_DEFS_OVERLAP", "GID_MIN..GID_MAX"), r.stdout());
    }

    @Test
    void checkIsBrokenWhenSomethingMovesIntoTheRangeOrGoesMissing() throws Exception {
        assertEquals("INSTALLED", etc.run("install").report().get("outcome").asText());
        etc.append("passwd", "mallory:x:65537:100::/:/bin/sh");
        ThrowawayEtc.Result r = etc.run("check");
        assertEquals(1, r.exitCode());
        assertEquals("BROKEN", r.report().get("verdict").asText());
        assertTrue(anyContains(texts(r.report().get("conflicts")), "mallory", "uid 65537"), r.stdout());

        String passwd = Files.readString(etc.etc("passwd"), StandardCharsets.ISO_8859_1);
        Files.writeString(etc.etc("passwd"), passwd.replaceAll("(?m)^" + BASE + ":.*\n", ""),
                StandardCharsets.ISO_8859_1);
        ThrowawayEtc.Result gone = etc.run("check");
        assertEquals("BROKEN", gone.report().get("verdict").asText());
        assertTrue(anyContains(texts(gone.report().get("problems")), "user " + BASE, "missing"), gone.stdout());
    }

    @Test
    void handMadeBaseUserIsKeptAndNeverUninstalled() throws Exception {
        // What `adduser --system --uid 65536 xen-qemuuser-range-base` gives: primary group nogroup.
        etc.append("passwd", BASE + ":x:65536:65534::/nonexistent:/usr/sbin/nologin");
        List<byte[]> before = accountFiles();
        ThrowawayEtc.Result r = etc.run("install");
        assertEquals("ALREADY_INSTALLED", r.report().get("outcome").asText(), r.stdout());
        assertTrue(anyContains(texts(r.report().get("warnings")), "gid 65534"), r.stdout());
        ThrowawayEtc.Result check = etc.run("check");
        assertEquals("OK", check.report().get("verdict").asText(), check.stdout());
        assertTrue(anyContains(texts(check.report().get("provisioned")), "not created by dmjail"));
        assertEquals("NOTHING_TO_REMOVE", etc.run("uninstall").report().get("outcome").asText());
        assertSameFiles(before, accountFiles());
    }

    @Test
    void uninstallKeepsAnAccountWhoseIdChanged() throws Exception {
        etc.run("install", "--reaper");
        String passwd = Files.readString(etc.etc("passwd"), StandardCharsets.ISO_8859_1);
        Files.writeString(etc.etc("passwd"), passwd.replaceAll("(?m)^dmjail-reaper:x:\\d+:", "dmjail-reaper:x:4321:"),
                StandardCharsets.ISO_8859_1);
        ThrowawayEtc.Result un = etc.run("uninstall");
        assertEquals("PARTIAL", un.report().get("outcome").asText(), un.stdout());
        assertTrue(anyContains(texts(un.report().get("kept")), "dmjail-reaper", "4321"), un.stdout());
        assertEquals(null, line("passwd", BASE));
        assertTrue(line("passwd", "dmjail-reaper") != null);
        assertTrue(Files.readString(etc.manifest()).contains("dmjail-reaper"));
    }

    @Test
    void theMachinesRealEtcIsUnchangedAfterANamespaceInstall() throws Exception {
        Map<String, String> before = RealEtcGuard.snapshot();
        assertEquals("INSTALLED", etc.run("install", "--shared").report().get("outcome").asText());
        String created = line("passwd", BASE);
        assertTrue(created != null, "the copy got the user");
        assertEquals(before, RealEtcGuard.snapshot(), "real /etc account files changed byte-wise");
        // The real host may have its own range (a host where dmjail is installed): what matters is
        // that nothing the namespace install did reached it, which the byte-wise snapshot proves.
        assertEquals(before, RealEtcGuard.snapshot(), "real /etc account files changed after the namespace exited");
    }
}
