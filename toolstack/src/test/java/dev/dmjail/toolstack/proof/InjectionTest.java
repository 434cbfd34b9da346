package dev.dmjail.toolstack.proof;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.CliRun;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.TestHost;
import dev.dmjail.toolstack.layer.DomainSwitches;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, part 5 (end to end): config values with commas, '=', newlines, NULs, '..' and symlinks
 * cannot add a QEMU option, escape the root or make the launcher open an unplanned path. Checked on
 * the plan itself ({@code create -n}: argv and fds) and with one real create of a symlinked disk
 * image. And {@code require_confined = 1} refuses every {@code dmjail_*=0} switch.
 */
class InjectionTest {

    @TempDir
    Path tmp;
    TestHost host;

    @BeforeAll
    static void range() {
        ProofSupport.ensureRangeInstalled();
    }

    private static final String HEAD = "type = \"hvm\"\ndm_restrict = 1\nmemory = 32\n";

    private Path cfg(String name, String body) throws Exception {
        Path p = tmp.resolve("c" + Math.abs(body.hashCode()) + ".cfg");
        Files.writeString(p, "name = \"" + name + "\"\n" + HEAD + body + "\n");
        return p;
    }

    private JsonNode plan(Path cfg) throws Exception {
        CliRun r = host.run("create", "-n", cfg.toString());
        assertEquals(0, r.exit(), cfg + ": " + r.err() + "\n" + Files.readString(cfg));
        return ProofSupport.JSON.readTree(r.out()).get("plan");
    }

    private static List<String> argv(JsonNode plan) {
        List<String> a = new ArrayList<>();
        plan.get("argv").forEach(x -> a.add(x.asText()));
        return a;
    }

    private static List<String> fdPaths(JsonNode plan) {
        List<String> out = new ArrayList<>();
        for (JsonNode l : plan.get("layers")) {
            if (l.get("layer").asText().equals("fds-env")) {
                l.at("/settings/fds").forEach(f -> {
                    if (f.hasNonNull("path")) out.add(f.get("path").asText());
                });
            }
        }
        return out;
    }

    private static Set<String> options(List<String> argv) {
        Set<String> o = new TreeSet<>();
        argv.stream().skip(1).filter(s -> s.startsWith("-")).forEach(o::add);
        return o;
    }

    /** Every KEY= inside QEMU option values (split at single commas; ",," is QEMU's escaped comma). */
    private static Set<String> keys(List<String> argv) {
        Set<String> k = new TreeSet<>();
        for (String a : argv.subList(1, argv.size())) {
            for (String part : a.replace(",,", "\u0001").split(",")) {
                int eq = part.indexOf('=');
                if (eq > 0) k.add(part.substring(0, eq));
            }
        }
        return k;
    }

    /**
     * The plan adds no option and no option key beyond the clean baseline's, and opens only the
     * domain's own files plus {@code disks} (and what the clean baseline opens, e.g. a tap).
     */
    private void assertSafe(JsonNode plan, String name, List<String> disks, List<String> passthrough) {
        assertSafe(plan, name, disks, passthrough, BASELINE_OPTIONS, BASELINE_KEYS, Set.of());
    }

    private void assertSafe(JsonNode plan, String name, List<String> disks, List<String> passthrough, Set<String> baseOptions,
                            Set<String> baseKeys, Set<String> baseFds) {
        List<String> argv = argv(plan);
        List<String> own = argv.subList(0, argv.size() - passthrough.size());
        Set<String> extra = options(own);
        extra.removeAll(baseOptions);
        assertEquals(Set.of(), extra, "options beyond the baseline: " + argv);
        Set<String> extraKeys = keys(own);
        extraKeys.removeAll(baseKeys);
        assertEquals(Set.of(), extraKeys, "option keys beyond the baseline: " + argv);
        assertEquals(passthrough, argv.subList(argv.size() - passthrough.size(), argv.size()),
                "device_model_args must stay one argv element each, in order, at the end");
        for (String a : argv.subList(0, argv.size() - passthrough.size())) {
            assertFalse(a.contains("/etc/") || a.contains("/srv/") || a.contains(".."), "a path reached QEMU's argv: " + a);
        }
        Set<String> allowed = new TreeSet<>(disks);
        allowed.addAll(baseFds);
        // the log and console while the domain runs: each on its bounded tmpfs in the domain's state dir
        allowed.add(host.stateDir.resolve("domains").resolve(name).resolve("log-fs/qemu.log").toString());
        allowed.add(host.stateDir.resolve("domains").resolve(name).resolve("console-fs/console.log").toString());
        allowed.add(host.stateDir.resolve("domains").resolve(name).resolve("qmp.sock").toString());
        allowed.add(host.stateDir.resolve("domains").resolve(name).resolve("serial.sock").toString()); // root-only, 0600
        for (String p : fdPaths(plan)) {
            assertTrue(allowed.contains(p), "an unplanned path would be opened: " + p + " (planned: " + allowed + ")");
        }
    }

    private static Set<String> BASELINE_OPTIONS;
    private static Set<String> BASELINE_KEYS;

    private void baseline() throws Exception {
        if (BASELINE_OPTIONS == null) {
            Path img = tmp.resolve("base.img");
            Files.write(img, new byte[4096]);
            JsonNode p = plan(cfg("base", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + img + "\" ]\n"
                    + "serial = \"pty\"\nuuid = \"6ba7b810-9dad-11d1-80b4-00c04fd430c8\""));
            BASELINE_OPTIONS = options(argv(p));
            BASELINE_KEYS = keys(argv(p));
        }
    }

    /** The plan, or null when refused with one FILE:LINE: KEY: line (either is safe). */
    private JsonNode planOrRefused(Path c, String key) throws Exception {
        CliRun r = host.run("create", "-n", c.toString());
        if (r.exit() == 0) return ProofSupport.JSON.readTree(r.out()).get("plan");
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().filter(l -> !l.startsWith("dmjail: WARN")).count(), err);
        assertTrue(err.contains(c + ":") && err.contains(key), err);
        return null;
    }

    /**
     * Names xl accepts are accepted (issue 13), and none reaches a host path or QEMU's option syntax:
     * every path is named by the key (state.DomainKey), one component under its parent; -name's value
     * has its commas doubled; the device model's hostname is dm-KEY.
     */
    @Test
    void hostileNamesAreMadeSafe() throws Exception {
        host = new TestHost(tmp);
        for (String n : List.of("a,b", "a=b", "a\\nb", "../../etc", "a/b", "..", ".x", "-help", "x..y",
                "a b", "a,,b", "x" + "y".repeat(64), "", "guest=x,debug-threads=on", "$(reboot)", "*", "%2e%2e")) {
            Path c = cfg(n, "");
            CliRun r = host.run("create", "-n", c.toString());
            assertEquals(0, r.exit(), n + ": " + r.err());
            JsonNode out = ProofSupport.JSON.readTree(r.out());
            String name = out.at("/domain/c_info/name").asText();
            JsonNode plan = out.get("plan");
            String key = plan.at("/paths/key").asText();
            assertTrue(dev.dmjail.toolstack.state.DomainKey.isKey(key) && key.matches("[A-Za-z0-9%][A-Za-z0-9_.%~-]*"), n + ": " + key);
            assertEquals(host.stateDir.resolve("domains").resolve(key).resolve("state.json").toString(), plan.at("/paths/state").asText());
            assertEquals(host.logDir.resolve(key + ".log").toString(), plan.at("/paths/log").asText());
            List<String> a = argv(plan);
            assertEquals("guest=" + name.replace(",", ",,") + ",debug-threads=on", a.get(a.indexOf("-name") + 1), n);
            for (JsonNode l : plan.get("layers")) {
                if (l.get("layer").asText().equals("cgroup")) {
                    l.at("/settings/groups").forEach(g -> assertEquals("dmjail/" + key, g.get("relPath").asText(), n));
                }
                if (l.get("layer").asText().equals("namespaces")) {
                    assertEquals("dm-" + key, l.at("/settings/hostname").asText(), n);
                }
            }
        }
        // An octal escape such as \\000 produces no character at all (libxlutil's lexer, see XlLexer):
        // no NUL can reach a name. A raw NUL byte in the file is a lexical error.
        assertEquals("ab", ProofSupport.JSON.readTree(host.run("create", "-n", cfg("a\\000b", "").toString()).out())
                .at("/domain/c_info/name").asText());
        Path raw = tmp.resolve("nul.cfg");
        Files.write(raw, ("name = \"a\0b\"\n" + HEAD).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRun r = host.run("create", "-n", raw.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains(raw + ":1:"), r.err());
    }

    @Test
    void diskTargetsAreOnePathEachAndNeverReachTheArgv() throws Exception {
        host = new TestHost(tmp);
        baseline();
        Files.createDirectories(tmp.resolve("d"));
        // '..' is resolved like any path; one that lands in a system directory is refused outright
        for (String target : List.of("/srv/../etc/shadow", "/srv/../../etc/./shadow")) {
            CliRun r = host.run("create", "-n", cfg("dsk", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + target + "\" ]").toString());
            assertEquals(2, r.exit(), r.out());
            assertTrue(r.err().contains("resolves to /etc/shadow, under /etc"), r.err());
        }
        for (String target : List.of("/srv/a.img,file=/etc/shadow", "/srv/a.img,,if=none,id=x", "/srv/x=y.img",
                tmp.resolve("d/../d/../../etc/shadow").toString(), "/srv/a.img -drive file=/etc/shadow")) {
            String body = "disk = [ \"format=raw, vdev=hda, access=rw, target=" + target + "\" ]";
            JsonNode p = plan(cfg("dsk", body));
            // The whole target is one path (commas and all); '..' is resolved like any path (the
            // config names that file: the plan shows which one).
            String path = Path.of(target).normalize().toString();
            assertSafe(p, "dsk", List.of(path), List.of());
            assertTrue(fdPaths(p).contains(path), "the whole target is one path: " + fdPaths(p));
        }
        for (String spec : List.of("format=raw, vdev=hda,file=/etc/shadow, target=/srv/a.img",
                "format=raw, vdev=hda\\nfile=/etc/shadow, target=/srv/a.img", "format=raw,,vdev=hda, target=/srv/a.img",
                "format=raw, vdev=hda, access=rw,readonly=off, target=/srv/a.img")) {
            JsonNode p = planOrRefused(cfg("dsk", "disk = [ \"" + spec + "\" ]"), "disk");
            if (p != null) assertSafe(p, "dsk", List.of("/srv/a.img"), List.of());
        }
    }

    @Test
    void vifAndSerialSpecsCannotAddOptionsOrPaths() throws Exception {
        host = new TestHost(tmp);
        baseline();
        // networking may or may not be planned by this backend: compare with one clean vif
        JsonNode clean = plan(cfg("vif", "vif = [ 'bridge=br0' ]"));
        Set<String> vifOptions = new TreeSet<>(BASELINE_OPTIONS);
        vifOptions.addAll(options(argv(clean)));
        Set<String> vifKeys = new TreeSet<>(BASELINE_KEYS);
        vifKeys.addAll(keys(argv(clean)));
        Set<String> vifFds = new TreeSet<>(fdPaths(clean));
        for (String vif : List.of("mac=00:16:3e:00:00:01,bridge=br0,script=/etc/shadow",
                "bridge=br0 -netdev user,id=x", "model=e1000,,id=x,ip=10.0.0.1")) {
            JsonNode p = planOrRefused(cfg("vif", "vif = [ '" + vif + "' ]"), "vif");
            if (p != null) {
                assertSafe(p, "vif", List.of(), List.of(), vifOptions, vifKeys, vifFds);
            }
        }
        for (String serial : List.of("file:/etc/shadow", "tcp:127.0.0.1:4444,server=on,wait=off", "unix:/etc/shadow,server",
                "pty,logfile=/etc/shadow", "pty -chardev file,id=x,path=/etc/shadow", "/dev/vda")) {
            JsonNode p = planOrRefused(cfg("ser", "serial = \"" + serial + "\""), "serial");
            if (p != null) assertSafe(p, "ser", List.of(), List.of());
        }
    }

    @Test
    void deviceModelArgsStayOneElementEachAndCannotAddFds() throws Exception {
        host = new TestHost(tmp);
        baseline();
        List<String> pass = List.of("-global", "x,,y=z", "a\nb", "-drive file=/etc/shadow", "../../etc/shadow");
        JsonNode p = plan(cfg("dma", "device_model_args = [ \"-global\", \"x,,y=z\", \"a\\nb\", \"-drive file=/etc/shadow\", "
                + "\"../../etc/shadow\" ]"));
        assertSafe(p, "dma", List.of(), pass);
        assertTrue(p.get("warnings").toString().contains("names a host path"), p.get("warnings").toString());
        Path raw = tmp.resolve("nul-args.cfg");
        Files.write(raw, ("name = \"dma\"\n" + HEAD + "device_model_args = [ \"a\0b\" ]\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        CliRun r = host.run("create", "-n", raw.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains(raw + ":"), r.err());
        // a raw NUL byte inside other quoted values that name paths: a config error, never an internal one
        for (String body : List.of("device_model_override = \"/usr/bin/q\0emu\"",
                "disk = [ \"format=raw, vdev=hda, target=/srv/a\0b.img\" ]", "kernel = \"/boot/a\0b\"")) {
            Path f = tmp.resolve("nul-path.cfg");
            Files.write(f, ("name = \"nulp\"\n" + HEAD + body + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            CliRun n = host.run("create", "-n", f.toString());
            assertTrue(n.exit() == 0 || n.exit() == ExitCodes.BAD_CONFIG, body + ": exit " + n.exit() + " " + n.err());
            if (n.exit() != 0) assertTrue(n.err().contains(f + ":5: "), n.err());
        }
    }

    /**
     * DiskResolver follows a symlink the admin wrote once, at plan time, and the plan names the
     * resolved file; the launcher opens exactly that path with O_NOFOLLOW. A real create through a
     * symlinked image: QEMU holds fds to the real file only, nothing else of the host, and the
     * image's owner and mode are unchanged.
     */
    @Test
    void symlinkedDiskImageOpensExactlyThePlannedFile() throws Exception {
        host = new TestHost(ProofSupport.openDir(tmp));
        Path real = tmp.resolve("real.img");
        Files.copy(ProofSupport.GUEST, real);
        Files.setPosixFilePermissions(real, PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectories(tmp.resolve("links"));
        Path link = tmp.resolve("links/link.img");
        Files.createSymbolicLink(link, Path.of("../real.img"));
        Map<String, Object> realBefore = ProofSupport.ownerMode(real);
        Path c = cfg("pf-link", "disk = [ \"format=raw, vdev=hda, access=rw, target=" + tmp.resolve("links/../links/link.img")
                + "\" ]\nserial = \"pty\"");
        JsonNode dry = plan(c);
        assertTrue(fdPaths(dry).contains(real.toString()), "the plan names the resolved file: " + fdPaths(dry));
        assertFalse(fdPaths(dry).contains(link.toString()), fdPaths(dry).toString());
        CliRun r = host.run("create", c.toString());
        try {
            assertEquals(0, r.exit(), r.err());
            long pid = ProofSupport.listed(host, "pf-link").get("pid").asLong();
            Set<String> targets = new TreeSet<>(dev.dmjail.toolstack.ProcFacts.fdTargets(pid));
            Set<String> files = new TreeSet<>();
            targets.stream().filter(t -> t.startsWith("/")).forEach(files::add);
            Path dom = host.stateDir.resolve("domains").resolve("pf-link");
            Set<String> expected = new TreeSet<>(Set.of(real.toString(), "/dev/null",
                    dom.resolve("log-fs/qemu.log").toString(), dom.resolve("console-fs/console.log").toString()));
            files.removeIf(f -> f.startsWith("/dev/") && !f.equals("/dev/null")); // QEMU's own, inside its root
            assertEquals(expected, files, "QEMU's fds to host files: " + targets);
        } finally {
            host.run("destroy", "pf-link");
        }
        assertEquals(List.of(), ProofSupport.leftovers(host, "pf-link", null));
        assertEquals(realBefore, ProofSupport.ownerMode(real));
    }

    @Test
    void requireConfinedRefusesEverySwitchOff() throws Exception {
        host = new TestHost(tmp, "require_confined = 1");
        for (String s : DomainSwitches.NAMES) {
            Path c = cfg("rc", "dmjail_" + s + " = 0");
            // this host's policy: the dry run lists it (--check: 6), create refuses it at the switch's line
            CliRun r = host.run("create", "-n", "--check", c.toString());
            assertEquals(ExitCodes.WOULD_REFUSE, r.exit(), "dmjail_" + s + "=0 accepted under require_confined: " + r.out());
            assertTrue(r.out().contains(c + ":5: dmjail_" + s + ": host policy require_confined=1"), r.out());
            Path on = cfg("rc", "dmjail_" + s + " = 1");
            CliRun ok = host.run("create", "-n", "--check", on.toString());
            assertEquals(0, ok.exit(), "dmjail_" + s + "=1 must stay allowed: " + ok.err());
        }
        // every switch off at once: refused too, naming the first
        StringBuilder all = new StringBuilder();
        DomainSwitches.NAMES.forEach(s -> all.append("dmjail_").append(s).append(" = 0\n"));
        Path every = cfg("rc", all.toString());
        CliRun r = host.run("create", "-n", "--check", every.toString());
        assertEquals(ExitCodes.WOULD_REFUSE, r.exit());
        assertFalse(Files.exists(host.stateDir), "a dry run touched the host");
        r = host.run("create", every.toString());
        assertEquals(ExitCodes.BAD_CONFIG, r.exit(), r.out());
        assertTrue(r.err().contains(every + ":5: dmjail_" + DomainSwitches.NAMES.get(0) + ": host policy require_confined=1"),
                r.err());
    }
}
