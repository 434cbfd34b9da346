package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dmjail.launcher.elf.ElfDependencies;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.LaunchSpec.ExecSpec;
import dev.dmjail.launcher.spec.LaunchSpec.FdSpec;
import dev.dmjail.launcher.spec.LaunchSpec.IdentitySpec;
import dev.dmjail.launcher.spec.LaunchSpec.NamespaceSpec;
import dev.dmjail.launcher.spec.LaunchSpec.RlimitSpec;
import dev.dmjail.launcher.spec.LaunchSpec.RootSpec;
import dev.dmjail.launcher.spec.LaunchSpec.SeccompSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each step failing on its own: the launcher answers the error JSON naming the step, one stderr
 * line, exit 1, and spawns nothing (no child left for this subreaper, no process of the dm uid, no
 * stale socket when the failure happened before the pivot).
 */
class LauncherFailureTest {
    static final int UID = 231598; // outside the dm uid range (65536..98287) other modules' tests use
    static Path probe;
    static ElfDependencies.Result deps;
    Path dir, mountPoint, sock;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Harness.isRoot(), "needs root");
        Harness.becomeSubreaper();
        probe = Harness.probe(false);
        deps = ElfDependencies.resolve(probe);
    }

    @BeforeEach
    void dir() throws Exception {
        dir = Files.createTempDirectory(Harness.TARGET, "fail-");
        mountPoint = Files.createDirectory(dir.resolve("root"));
        sock = dir.resolve("qmp.sock");
    }

    @AfterEach
    void cleanup() throws Exception {
        Harness.deleteTree(dir);
    }

    /** A spec that works; each test breaks one section. */
    LaunchSpec good() {
        Map<String, String> links = new HashMap<>();
        deps.symlinks().forEach((k, v) -> links.put(k.toString(), v));
        return new LaunchSpec("fail-test",
                List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                        new FdSpec(1, FdSpec.Kind.FILE, dir.resolve("log").toString(), true, true),
                        new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, sock.toString(), false, false)),
                List.of(),
                new NamespaceSpec(true, true, true, true, true, null),
                new RootSpec(mountPoint.toString(), deps.files().stream().map(Path::toString).toList(), links,
                        List.of(), List.of("/tmp"), 0),
                List.of(new RlimitSpec("CORE", 0, 0)),
                new IdentitySpec(UID, UID, true, true),
                null,
                new SeccompSpec(List.of("ptrace"), List.of("clone3"), true),
                new ExecSpec(probe.toString(), List.of("probe"), Map.of(), "/"));
    }

    void expectFailure(LaunchSpec spec, String step, int errno, boolean socketCleaned) throws Exception {
        expectFailure(Harness.JSON.writeValueAsBytes(spec), step, errno, socketCleaned);
    }

    void expectFailure(byte[] spec, String step, int errno, boolean socketCleaned) throws Exception {
        Harness.Result r = Harness.launch(spec);
        try {
            assertEquals(1, r.exit(), r.stdout() + r.stderr());
            assertFalse(r.json().get("ok").asBoolean());
            assertEquals(step, r.json().get("step").asText(), r.stdout());
            assertEquals(errno, r.json().get("errno").asInt(), r.stdout());
            assertTrue(r.json().get("message").asText().length() > 0);
            assertEquals(1, r.stdout().strip().lines().count(), r.stdout());
            List<String> err = r.stderr().strip().lines().toList();
            assertEquals(1, err.size(), r.stderr());
            assertTrue(err.get(0).startsWith("dm-launcher: " + step + ": "), err.get(0));
            assertTrue(err.get(0).endsWith("(errno " + errno + ")"), err.get(0));
            assertEquals(List.of(), Harness.children(), "nothing spawned");
            assertEquals(List.of(), Harness.processesOf(UID), "nothing runs as the dm uid");
            if (socketCleaned) {
                assertFalse(Files.exists(sock), "socket removed after an early failure");
            }
        } finally {
            for (int pid : Harness.children()) Harness.killAndReap(pid);
        }
    }

    @Test
    void goodSpecWorks() throws Exception {
        Harness.Result r = Harness.launch(good());
        assertEquals(0, r.exit(), r.stderr());
        int pid = r.json().get("pid").asInt();
        try {
            assertTrue(pid > 0);
            assertEquals(List.of(pid), Harness.children());
        } finally {
            Harness.killAndReap(pid);
        }
    }

    /** Landlock on top of the good spec: the launcher proves it in force (its TCP probe refused with EACCES). */
    @Test
    void landlockIsProvenAtSpawn() throws Exception {
        LaunchSpec g = good();
        LaunchSpec spec = new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), g.exec(),
                new LaunchSpec.LandlockSpec(List.of("/"), List.of("/tmp"), List.of(), true, true));
        Harness.Result r = Harness.launch(spec);
        assertEquals(0, r.exit(), r.stderr());
        int pid = r.json().get("pid").asInt();
        try {
            assertTrue(r.json().path("landlock").asText().endsWith("probe connect(127.0.0.1:1) = EACCES"), r.stdout());
        } finally {
            Harness.killAndReap(pid);
        }
    }

    @Test
    void badSpecJson() throws Exception {
        expectFailure("{not json".getBytes(StandardCharsets.UTF_8), "spec", 22, true);
    }

    @Test
    void missingFile() throws Exception {
        LaunchSpec g = good();
        List<FdSpec> fds = new ArrayList<>(g.fds());
        fds.add(new FdSpec(4, FdSpec.Kind.FILE, dir.resolve("does-not-exist").toString(), false, false));
        expectFailure(new LaunchSpec(g.domainName(), fds, g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), g.exec()), "fds", 2, true);
    }

    @Test
    void fileBehindSymlinkRefused() throws Exception {
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/hostname"));
        LaunchSpec g = good();
        List<FdSpec> fds = new ArrayList<>(g.fds());
        fds.add(new FdSpec(4, FdSpec.Kind.FILE, dir.resolve("link").toString(), false, false));
        expectFailure(new LaunchSpec(g.domainName(), fds, g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), g.exec()), "fds", 40 /* ELOOP: O_NOFOLLOW */, true);
    }

    @Test
    void socketPathHeldByARegularFile() throws Exception {
        Files.writeString(sock, "not a socket");
        expectFailure(good(), "fds", 17, false);
        assertEquals("not a socket", Files.readString(sock), "left untouched");
    }

    @Test
    void missingCgroup() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), List.of(dir.resolve("nocg/cgroup.procs").toString()),
                g.namespaces(), g.root(), g.rlimits(), g.identity(), null, g.seccomp(), g.exec()), "cgroup", 2, true);
    }

    @Test
    void hostnameWithoutUtsNamespace() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(),
                new NamespaceSpec(true, true, false, true, true, "renamed-host"), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), g.exec()), "namespaces", 22, true);
    }

    @Test
    void missingBindSource() throws Exception {
        LaunchSpec g = good();
        RootSpec r = g.root();
        List<String> binds = new ArrayList<>(r.readOnlyBinds());
        binds.add("/no/such/firmware");
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(),
                new RootSpec(r.mountPoint(), binds, r.symlinks(), r.devices(), r.writableDirs(), 0), g.rlimits(),
                g.identity(), null, g.seccomp(), g.exec()), "root", 2, true);
    }

    /** A kernel bound into the root must be the file the plan checked: one swapped in under its name is refused. */
    @Test
    void rootFileReplacedAfterPlanning() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "planned");
        String planned = Files.getAttribute(kernel, "unix:dev") + ":" + Files.getAttribute(kernel, "unix:ino");
        Files.writeString(dir.resolve("other"), "swapped in"); // made while the planned one lives: another inode
        Files.move(dir.resolve("other"), kernel, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        expectFailure(withRootFile(kernel, planned), "root", 116 /* ESTALE */, true);
    }

    @Test
    void rootFileBehindSymlinkRefused() throws Exception {
        Path kernel = Files.createSymbolicLink(dir.resolve("vmlinuz"), Path.of("/etc/hostname"));
        String id = Files.getAttribute(Path.of("/etc/hostname"), "unix:dev") + ":"
                + Files.getAttribute(Path.of("/etc/hostname"), "unix:ino");
        expectFailure(withRootFile(kernel, id), "root", 40 /* ELOOP */, true);
    }

    private LaunchSpec withRootFile(Path host, String identity) {
        LaunchSpec g = good();
        RootSpec r = g.root();
        return new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(),
                new RootSpec(r.mountPoint(), r.readOnlyBinds(), r.symlinks(), r.devices(), r.writableDirs(), 0,
                        List.of(new LaunchSpec.RootFile("/boot/kernel", host.toString(), identity))),
                g.rlimits(), g.identity(), null, g.seccomp(), g.exec());
    }

    @Test
    void unknownRlimit() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(),
                List.of(new RlimitSpec("BOGUS", 0, 0)), g.identity(), null, g.seccomp(), g.exec()), "rlimits", 22, true);
    }

    @Test
    void badUid() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                new IdentitySpec(-1, UID, true, true), null, g.seccomp(), g.exec()), "identity", 22, true);
    }

    @Test
    void selinuxLabelWithoutSelinux() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), "system_u:system_r:svirt_t:s0:c1,c2", g.seccomp(), g.exec()), "selinux", 95, true);
    }

    @Test
    void unknownSyscallName() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, new SeccompSpec(List.of("ptrace", "no_such_syscall"), List.of(), false), g.exec()),
                "seccomp", 22, true);
    }

    @Test
    void execMissingInsideTheRoot() throws Exception {
        // fails after every layer is in force (after the pivot): glibc reaps the failed child
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), new ExecSpec("/usr/bin/true", List.of("true"), Map.of(), "/")),
                "spawn", 2, false);
    }

    @Test
    void cwdNotInTheRoot() throws Exception {
        LaunchSpec g = good();
        expectFailure(new LaunchSpec(g.domainName(), g.fds(), g.cgroupProcs(), g.namespaces(), g.root(), g.rlimits(),
                g.identity(), null, g.seccomp(), new ExecSpec(probe.toString(), List.of("probe"), Map.of(), "/etc")),
                "spawn", 2, false);
    }
}
