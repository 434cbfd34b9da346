package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dmjail.launcher.spec.CgroupSection;
import dev.dmjail.launcher.spec.DacSection;
import dev.dmjail.launcher.spec.DeviceNode;
import dev.dmjail.launcher.spec.ExecSection;
import dev.dmjail.launcher.spec.FdSpec;
import dev.dmjail.launcher.spec.FdsEnvSection;
import dev.dmjail.launcher.spec.FilesystemSection;
import dev.dmjail.launcher.spec.LandlockSection;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.NamespacesSection;
import dev.dmjail.launcher.spec.RlimitSpec;
import dev.dmjail.launcher.spec.RlimitsSection;
import dev.dmjail.launcher.spec.RootFile;
import dev.dmjail.launcher.spec.SeccompSection;
import dev.dmjail.launcher.spec.SelinuxSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real launcher (the native binary, as root) confines the probe; everything is asserted from the
 * kernel's view in /proc/PID. One launch serves every assertion of this class.
 */
class LauncherConfinementTest {
    /** Outside the dm uid range (65536..98287) that other modules' tests kill by uid. */
    static final int UID = 231599, GID = 231599;
    static final Map<String, String> ENV = Map.of("PATH", "/nonexistent", "HOME", "/tmp", "DMJAIL_PROBE", "1");

    static Path dir, mountPoint, log, sock, probe;
    static LddRoot.Result deps;
    static int pid = -1;
    static List<String> probeOutput;

    @BeforeAll
    static void launch() throws Exception {
        assumeTrue(Harness.isRoot(), "needs root");
        Harness.becomeSubreaper();
        assertTrue(Harness.processesOf(UID).isEmpty(), "uid " + UID + " already in use");
        probe = Harness.probe(false);
        deps = LddRoot.of(probe);
        dir = Files.createTempDirectory(Harness.TARGET, "confine-");
        mountPoint = Files.createDirectory(dir.resolve("root"));
        log = dir.resolve("probe.log");
        sock = dir.resolve("qmp.sock");
        Harness.Result r = Harness.launch(spec());
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.json().get("ok").asBoolean(), r.stdout());
        pid = r.json().get("pid").asInt();
        assertEquals("", r.stderr());
        for (int i = 0; i < 500; i++) {
            if (Files.exists(log) && Files.readString(log).contains("ready")) break;
            Thread.sleep(10);
        }
        probeOutput = Files.readAllLines(log);
        assertTrue(probeOutput.contains("ready"), "probe output: " + probeOutput);
    }

    static LaunchSpec spec() {
        List<String> binds = deps.files();
        Map<String, String> links = new HashMap<>();
        links.putAll(deps.symlinks());
        return new LaunchSpec("confine-test",
                new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                        new FdSpec(1, FdSpec.Kind.FILE, log.toString(), true, true),
                        new FdSpec(2, FdSpec.Kind.FILE, log.toString(), true, true),
                        new FdSpec(7, FdSpec.Kind.UNIX_LISTEN, sock.toString(), false, false))),
                new NamespacesSection(true, true, true, true, true, "dm-probe"),
                new FilesystemSection(mountPoint.toString(), binds, links,
                        List.of(new DeviceNode("null", 1, 3, 0666), new DeviceNode("zero", 1, 5, 0666)),
                        List.of("/tmp"), 1 << 20, List.of(), deps.identities()),
                new RlimitsSection(List.of(new RlimitSpec("FSIZE", 262144, 262144), new RlimitSpec("CORE", 0, 0),
                        new RlimitSpec("MSGQUEUE", 0, 0), new RlimitSpec("LOCKS", 0, 0),
                        new RlimitSpec("MEMLOCK", 0, 0), new RlimitSpec("NOFILE", 64, 64))),
                new DacSection(UID, GID, true, true),
                new SeccompSection(List.of("unshare", "ptrace", "mount", "setns", "kexec_load"), List.of("clone3"), true),
                new ExecSection(probe.toString(), List.of("probe", "/tmp"), ENV, "/"));
    }

    @AfterAll
    static void cleanup() throws Exception {
        Harness.killAndReap(pid);
        if (dir != null) Harness.deleteTree(dir);
        assertTrue(Harness.processesOf(UID).isEmpty());
    }

    static Map<String, String> status() throws IOException {
        Map<String, String> m = new HashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int i = l.indexOf(':');
            m.put(l.substring(0, i), l.substring(i + 1).trim());
        }
        return m;
    }

    @Test
    void identityAndCapabilities() throws IOException {
        Map<String, String> s = status();
        assertEquals(UID + "\t" + UID + "\t" + UID + "\t" + UID, s.get("Uid"));
        assertEquals(GID + "\t" + GID + "\t" + GID + "\t" + GID, s.get("Gid"));
        assertEquals("", s.get("Groups"));
        for (String cap : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals("0000000000000000", s.get(cap), cap);
        }
        assertEquals("1", s.get("NoNewPrivs"));
        assertEquals("2", s.get("Seccomp"));
        assertTrue(probeOutput.contains("pid=1 uid=231599 euid=231599 gid=231599 egid=231599"), probeOutput.toString());
    }

    @Test
    void pidOneInItsOwnNamespaces() throws IOException {
        assertEquals(pid + "\t1", status().get("NSpid"));
        for (String ns : List.of("mnt", "pid", "net", "ipc", "uts")) {
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)),
                    Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/" + ns)), ns);
        }
        // not planned: stays the host's
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/user")),
                Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/user")));
        // the launcher exited: the probe was re-parented to this JVM, its child subreaper
        assertEquals(String.valueOf(TestLibC.C.getpid()), status().get("PPid"));
    }

    @Test
    void rootHoldsOnlyThePlannedFiles() throws IOException {
        Path root = Path.of("/proc/" + pid + "/root");
        Set<String> seen = new TreeSet<>();
        try (Stream<Path> s = Files.walk(root.resolve("."))) {
            s.forEach(p -> seen.add("/" + root.resolve(".").relativize(p).toString()));
        }
        seen.remove("/");
        Set<String> expected = new TreeSet<>();
        for (String p : Stream.concat(deps.files().stream(),
                deps.symlinks().keySet().stream()).toList()) {
            for (Path q = Path.of(p); q != null && !q.toString().equals("/"); q = q.getParent()) {
                expected.add(q.toString());
            }
        }
        expected.addAll(List.of("/dev", "/dev/null", "/dev/zero", "/tmp", "/tmp/probe-file"));
        assertEquals(expected, seen);
        assertTrue(Files.isSymbolicLink(root.resolve("./lib64")), "merged-/usr symlink recreated");
        // nothing of the host root leaked in, nothing of the new root leaked out
        assertFalse(Files.exists(root.resolve("./etc")));
        try (Stream<Path> s = Files.list(mountPoint)) {
            assertEquals(0, s.count(), "mount point stays empty on the host");
        }
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(mountPoint.toString()));
    }

    @Test
    void everyMountReadOnlyButTheWritableTmpfs() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"));
        Set<String> points = new TreeSet<>();
        for (String l : lines) {
            String[] f = l.split(" ");
            String point = f[4];
            Set<String> opts = Set.of(f[5].split(","));
            points.add(point);
            assertTrue(opts.contains("nosuid"), l);
            if (point.equals("/tmp")) {
                assertTrue(opts.containsAll(Set.of("rw", "nodev", "noexec")), l);
                assertTrue(l.contains("mode=700,uid=231599,gid=231599"), l);
            } else {
                assertTrue(opts.contains("ro"), l);
                if (!point.equals("/dev")) assertTrue(opts.contains("nodev"), l);
            }
        }
        Set<String> expected = new TreeSet<>(List.of("/", "/dev", "/tmp"));
        expected.addAll(deps.files());
        assertEquals(expected, points);
        assertTrue(probeOutput.contains("create_in_root=30"), "EROFS: " + probeOutput);
        assertTrue(probeOutput.contains("devnull_write=0"), probeOutput.toString());
        assertTrue(probeOutput.contains("write_in_writable=0"), probeOutput.toString());
    }

    @Test
    void rlimits() throws IOException {
        Map<String, String> lim = new HashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/limits"))) {
            String[] f = l.substring(26).trim().split("\\s+");
            lim.put(l.substring(0, 26).trim(), f[0] + " " + f[1]);
        }
        assertEquals("262144 262144", lim.get("Max file size"));
        assertEquals("0 0", lim.get("Max core file size"));
        assertEquals("0 0", lim.get("Max msgqueue size"));
        assertEquals("0 0", lim.get("Max file locks"));
        assertEquals("0 0", lim.get("Max locked memory"));
        assertEquals("64 64", lim.get("Max open files"));
    }

    @Test
    void onlyTheTargetFdsAndExactlyThePlannedEnvironment() throws IOException {
        Path fd = Path.of("/proc/" + pid + "/fd");
        Set<String> fds;
        try (Stream<Path> s = Files.list(fd)) {
            fds = s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(new TreeSet<>(List.of("0", "1", "2", "7")), fds);
        assertEquals("/dev/null", Files.readSymbolicLink(fd.resolve("0")).toString());
        assertEquals(log.toString(), Files.readSymbolicLink(fd.resolve("1")).toString());
        assertTrue(Files.readSymbolicLink(fd.resolve("7")).toString().startsWith("socket:["));
        // the listening socket is root-owned 0600 on the host
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS)));
        assertEquals(0, (int) Files.getAttribute(sock, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));

        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
        Set<String> env = new TreeSet<>(List.of(environ.split("\0")));
        Set<String> expected = new TreeSet<>();
        ENV.forEach((k, v) -> expected.add(k + "=" + v));
        assertEquals(expected, env);
        List<String> argv = List.of(Files.readString(Path.of("/proc/" + pid + "/cmdline")).split("\0"));
        assertEquals(List.of("probe", "/tmp"), argv);
    }

    @Test
    void deniedSyscallsAnswerTheirErrno() {
        List<String> expected = new ArrayList<>(List.of(
                "unshare_user=1",   // EPERM: unshare denied
                "ptrace_traceme=1", // EPERM
                "clone3=38",        // ENOSYS
                "clone_newuser=1",  // EPERM: clone with CLONE_NEWUSER
                "fork=0"));         // plain clone still works
        for (String e : expected) {
            assertTrue(probeOutput.contains(e), e + " in " + probeOutput);
        }
    }

    @Test
    void hostnameAndSessionLeader() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(String.valueOf(pid), f[3], "session leader (POSIX_SPAWN_SETSID)");
        assertEquals("0000000000000000", status().get("SigBlk"));
    }
}
