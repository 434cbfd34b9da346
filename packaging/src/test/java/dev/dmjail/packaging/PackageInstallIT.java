package dev.dmjail.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Installs the built .deb with the real dpkg on this machine, runs the installed CLI, purges the package,
 * and checks that every file it installed is gone and the host's accounts are byte-for-byte as before.
 *
 * <p>The machine is left as it was found. In particular the real {@code xen-qemuuser-range-base}, which
 * the toolstack's end-to-end tests use, is never removed, not even for a moment:
 * <ul>
 *   <li>{@link #installRunPurge()} works on the real root. If the range exists, the postinst sees it
 *       (ALREADY_INSTALLED), does not take ownership, and the purge leaves it. If it does not, the test
 *       sets DMJAIL_SKIP_HOST_INSTALL=1, so no account appears that a test running in parallel could see.</li>
 *   <li>{@link #postinstProvisionsRemoveKeepsPurgeRemovesTheRange()} tests the provisioning path in a private mount
 *       namespace: a copy of /etc without the range accounts is bind-mounted over /etc and a tmpfs over
 *       /var/lib/dmjail, and dpkg -i, dmjail host check, dpkg -r (range kept) and dpkg --purge (range
 *       removed, account files byte-for-byte as before) all run in there. Only the
 *       package's own files (/usr/share/dmjail, the dpkg database entry) are real, and the purge removes them.</li>
 * </ul>
 * Skipped (not failed) when not root, without dpkg, or when a dmjail package is already installed here.
 */
class PackageInstallIT {

    static final Path DEB = Path.of(System.getProperty("dmjail.deb", "target/dmjail_0.1.0_amd64.deb"));
    static final String VERSION = System.getProperty("dmjail.version", "0.1.0");
    static final List<Path> ACCOUNT_FILES = List.of(Path.of("/etc/passwd"), Path.of("/etc/group"),
            Path.of("/etc/shadow"), Path.of("/etc/gshadow"));
    static final String BASE_USER = "xen-qemuuser-range-base";

    @BeforeEach
    void preconditions() throws Exception {
        assumeTrue(isRoot(), "dpkg -i needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg")), "no dpkg on this host");
        assumeTrue(!installed(), "a dmjail package is installed on this host: the test would remove it");
        assertTrue(Files.isRegularFile(DEB), "built package " + DEB);
    }

    @AfterEach
    void purgeIfLeft() throws Exception {
        if (isRoot() && installed()) {
            // a failed test: remove the package without touching the accounts
            Files.deleteIfExists(Path.of("/var/lib/dmjail/package-provisioned"));
            run(List.of("dpkg", "--purge", "dmjail"), Map.of(), 300);
        }
    }

    @Test
    void installRunPurge() throws Exception {
        Map<Path, byte[]> accounts = snapshot(ACCOUNT_FILES);
        boolean rangeExisted = run(List.of("getent", "passwd", BASE_USER), Map.of(), 30).rc == 0;
        Path varLib = Path.of("/var/lib/dmjail");
        TreeSet<String> varLibBefore = listing(varLib);
        Map<Path, byte[]> manifest = snapshot(List.of(varLib.resolve("host-install.json")));
        boolean etcDmjailBefore = Files.exists(Path.of("/etc/dmjail"));

        Map<String, String> env = rangeExisted ? Map.of() : Map.of("DMJAIL_SKIP_HOST_INSTALL", "1");
        Result inst = run(List.of("dpkg", "-i", DEB.toString()), env, 300);
        assertEquals(0, inst.rc, "dpkg -i: " + inst.out);
        assertTrue(inst.out.contains(rangeExisted ? "already provisioned; left as it is" : "DMJAIL_SKIP_HOST_INSTALL=1"),
                inst.out);
        assertFalse(Files.exists(varLib.resolve("package-provisioned")), "the package must not own a range it did not create");

        List<Path> files = packageFiles();
        assertTrue(files.contains(Path.of("/usr/bin/dmjail")), files.toString());
        assertTrue(files.contains(Path.of("/etc/dmjail/dmjail.conf")), files.toString());
        assertTrue(files.contains(Path.of("/usr/share/bash-completion/completions/dmjail")), files.toString());
        assertTrue(files.contains(Path.of("/usr/lib/systemd/system/dmjail-watch.service")), files.toString());
        assertTrue(files.contains(Path.of("/usr/share/man/man1/dmjail-create.1.gz")), files.toString());
        assertTrue(files.contains(Path.of("/usr/share/man/man5/dmjail.conf.5.gz")), files.toString());
        for (Path f : files) {
            assertTrue(Files.exists(f, LinkOption.NOFOLLOW_LINKS), "installed: " + f);
        }
        assertEquals("/etc/dmjail/dmjail.conf", run(List.of("dpkg-query", "-W", "-f=${Conffiles}", "dmjail"), Map.of(), 30)
                .out.trim().split("\\s+")[0], "conffile");
        assertTrue(Files.isExecutable(Path.of("/usr/lib/dmjail/dm-launcher")), "the native launcher installed");
        Result steps = run(List.of("/usr/lib/dmjail/dm-launcher", "--steps"), Map.of(), 30);
        assertEquals(0, steps.rc, steps.out);
        assertTrue(steps.out.startsWith("fds-env fds-env\n") && steps.out.endsWith("spawn exec\n"), "its libraries resolve: " + steps.out);

        Result version = run(List.of("/usr/bin/dmjail", "--version"), Map.of(), 60);
        assertEquals(0, version.rc, version.out);
        assertEquals("dmjail " + VERSION, version.out.trim());
        // the CLI starts from the archive postinst built: -Xshare:on refuses to start without a usable one
        assertTrue(Files.isRegularFile(Path.of("/var/cache/dmjail/dmjail.jsa")), "CLI CDS archive built by postinst");
        Result shared = run(List.of("/usr/bin/dmjail", "--version"), Map.of("DMJAIL_JAVA_OPTS", "-Xshare:on"), 60);
        assertEquals(0, shared.rc, "the installed CLI maps its archive: " + shared.out);

        // the installed CLI reads the installed /etc/dmjail/dmjail.conf: an unknown key would exit 2 here
        Result check = run(List.of("/usr/bin/dmjail", "host", "check"), Map.of(), 60);
        assertEquals(rangeExisted ? 0 : 5, check.rc, check.out);
        assertTrue(check.out.contains("dmjail host check:"), check.out);

        // the whole planner from the installed jars: parse, resolve the uid, plan every layer (dry run)
        Path demo = Path.of(System.getProperty("dmjail.examples", "../examples"), "demo.cfg");
        Result dry = run(List.of("/usr/bin/dmjail", "create", "-n", demo.toString()), Map.of(), 60);
        assertEquals(rangeExisted ? 0 : 2, dry.rc, dry.out);
        if (rangeExisted) {
            assertTrue(dry.out.contains("\"plan\"") && dry.out.contains("\"c_info\""), dry.out);
        }

        Result completion = run(List.of("bash", "-c",
                "source /usr/share/bash-completion/completions/dmjail && complete -p dmjail"), Map.of(), 30);
        assertEquals(0, completion.rc, completion.out);

        Result purge = run(List.of("dpkg", "--purge", "dmjail"), Map.of(), 300);
        assertEquals(0, purge.rc, "dpkg --purge: " + purge.out);
        assertFalse(installed(), "dpkg still lists dmjail");
        for (Path f : files) {
            assertFalse(Files.exists(f, LinkOption.NOFOLLOW_LINKS), "left after purge: " + f);
        }
        for (String d : List.of("/usr/share/dmjail", "/usr/share/doc/dmjail", "/var/cache/dmjail")) {
            assertFalse(Files.exists(Path.of(d)), "left after purge: " + d);
        }
        assertEquals(etcDmjailBefore, Files.exists(Path.of("/etc/dmjail")), "/etc/dmjail");
        assertEquals(varLibBefore, listing(varLib), "/var/lib/dmjail as before");
        assertSnapshot(manifest);
        assertSnapshot(accounts);
        assertEquals(rangeExisted, run(List.of("getent", "passwd", BASE_USER), Map.of(), 30).rc == 0, BASE_USER);
    }

    @Test
    void postinstProvisionsRemoveKeepsPurgeRemovesTheRange() throws Exception {
        Map<Path, byte[]> accounts = snapshot(ACCOUNT_FILES);
        Path varLib = Path.of("/var/lib/dmjail");
        boolean varLibExisted = Files.isDirectory(varLib);
        Path script = Files.createTempFile("dmjail-pkg-ns", ".sh");
        Files.writeString(script, NAMESPACE_SCRIPT);
        try {
            Files.createDirectories(varLib);
            Result r = run(List.of("unshare", "--mount", "--propagation", "private", "bash", script.toString(),
                    DEB.toString(), VERSION), Map.of(), 600);
            assertEquals(0, r.rc, r.out);
            assertTrue(r.out.contains("NS-TEST PASSED"), r.out);
        } finally {
            Files.deleteIfExists(script);
            if (!varLibExisted) {
                Files.deleteIfExists(varLib);
            }
        }
        assertFalse(installed(), "dpkg still lists dmjail");
        assertFalse(Files.exists(Path.of("/usr/share/dmjail")), "left after purge: /usr/share/dmjail");
        assertSnapshot(accounts);
    }

    /**
     * Runs inside {@code unshare --mount --propagation private}: nothing it mounts is seen outside, and the
     * accounts it creates live only in the private copy of /etc.
     */
    static final String NAMESPACE_SCRIPT = """
            set -euo pipefail
            deb="$1"; version="$2"
            fail() { echo "NS-TEST FAILED: $*"; exit 1; }
            etc=$(mktemp -d /tmp/dmjail-pkg-etc.XXXXXX)
            trap 'umount /etc 2>/dev/null || true; rm -rf "$etc"' EXIT
            cp -a /etc/. "$etc"/
            for f in passwd group shadow gshadow; do
              sed -i -E '/^(xen-qemuuser-range-base|xen-qemuuser-shared|dmjail-reaper):/d' "$etc/$f"
            done
            mount --bind "$etc" /etc
            mount -t tmpfs -o mode=0755 dmjail-pkg-test /var/lib/dmjail
            ! getent passwd xen-qemuuser-range-base >/dev/null || fail "range user visible in the private /etc"
            for f in passwd group shadow gshadow; do cp -p "/etc/$f" "/tmp/$(basename "$etc").$f"; done
            before=/tmp/$(basename "$etc")

            out=$(dpkg -i "$deb" 2>&1) || fail "dpkg -i: $out"
            echo "$out"
            echo "$out" | grep -q "provisioned the device-model uid range" || fail "postinst did not provision"
            test -f /var/lib/dmjail/package-provisioned || fail "no ownership marker"
            uid=$(getent passwd xen-qemuuser-range-base | cut -d: -f3)
            [ "$uid" = 65536 ] || fail "range base uid is '$uid'"
            [ "$(/usr/bin/dmjail --version)" = "dmjail $version" ] || fail "dmjail --version"
            /usr/bin/dmjail host check || fail "dmjail host check exit $?"

            # remove, then purge in a second run: the range is host state, kept until the purge
            out=$(dpkg -r dmjail 2>&1) || fail "dpkg -r: $out"
            echo "$out"
            getent passwd xen-qemuuser-range-base >/dev/null || fail "dpkg -r removed the range user"
            [ ! -e /usr/share/dmjail ] || fail "/usr/share/dmjail left after dpkg -r"
            [ -f /etc/dmjail/dmjail.conf ] || fail "dpkg -r removed the conffile"
            ls /var/lib/dmjail/purge-kit/dmjail.jar >/dev/null || fail "no purge kit after dpkg -r"
            out=$(dpkg --purge dmjail 2>&1) || fail "dpkg --purge: $out"
            echo "$out"
            ! getent passwd xen-qemuuser-range-base >/dev/null || fail "range user left after purge"
            ! getent group xen-qemuuser-range-base >/dev/null || fail "range group left after purge"
            for f in passwd group shadow gshadow; do
              cmp "/etc/$f" "$before.$f" || fail "/etc/$f differs from before the install"
              rm -f "$before.$f"
            done
            [ -z "$(ls -A /var/lib/dmjail)" ] || fail "left in /var/lib/dmjail: $(ls -A /var/lib/dmjail)"
            [ ! -e /etc/dmjail ] || fail "/etc/dmjail left after purge"
            umount /var/lib/dmjail
            echo "NS-TEST PASSED"
            """;

    // --- helpers ---

    record Result(int rc, String out) {}

    static Result run(List<String> cmd, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        System.out.println("$ " + String.join(" ", cmd));
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        System.out.print(r.out);
        System.out.println("[exit " + r.rc + "]");
        return r;
    }

    static boolean isRoot() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("Uid:")) {
                return l.substring(4).trim().split("\\s+")[1].equals("0");
            }
        }
        return false;
    }

    static boolean installed() throws Exception {
        Result r = run(List.of("dpkg-query", "-W", "-f=${Status}", "dmjail"), Map.of(), 30);
        return r.rc == 0 && !r.out.contains("not-installed") && !r.out.contains("config-files");
    }

    /** Files and symlinks (not directories) the installed package owns, per dpkg -L. */
    static List<Path> packageFiles() throws Exception {
        Result r = run(List.of("dpkg", "-L", "dmjail"), Map.of(), 30);
        assertEquals(0, r.rc, r.out);
        List<Path> out = new ArrayList<>();
        for (String l : r.out.split("\n")) {
            Path p = Path.of(l.trim());
            if (l.startsWith("/") && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(p);
            }
        }
        return out;
    }

    static TreeSet<String> listing(Path dir) throws IOException {
        TreeSet<String> s = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> l = Files.list(dir)) {
                l.forEach(p -> s.add(p.getFileName().toString()));
            }
        }
        return s;
    }

    static Map<Path, byte[]> snapshot(List<Path> files) throws IOException {
        Map<Path, byte[]> m = new LinkedHashMap<>();
        for (Path f : files) {
            m.put(f, Files.exists(f) ? Files.readAllBytes(f) : null);
        }
        return m;
    }

    static void assertSnapshot(Map<Path, byte[]> before) throws IOException {
        for (var e : before.entrySet()) {
            byte[] now = Files.exists(e.getKey()) ? Files.readAllBytes(e.getKey()) : null;
            assertArrayEquals(e.getValue(), now, e.getKey() + " changed");
        }
    }
}
