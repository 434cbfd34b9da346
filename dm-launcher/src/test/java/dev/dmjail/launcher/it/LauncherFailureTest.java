package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dmjail.launcher.spec.CgroupSection;
import dev.dmjail.launcher.spec.DacSection;
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
import dev.dmjail.launcher.spec.SpecWriter;
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
    static LddRoot.Result deps;
    Path dir, mountPoint, sock;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Harness.isRoot(), "needs root");
        Harness.becomeSubreaper();
        probe = Harness.probe(false);
        deps = LddRoot.of(probe);
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

    /** A spec that works; each test breaks one section (by name: {@link LaunchSpec#with}). */
    LaunchSpec good() {
        Map<String, String> links = new HashMap<>();
        links.putAll(deps.symlinks());
        return new LaunchSpec("fail-test",
                new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                        new FdSpec(1, FdSpec.Kind.FILE, dir.resolve("log").toString(), true, true),
                        new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, sock.toString(), false, false))),
                new NamespacesSection(true, true, true, true, true, null),
                root(List.of()),
                new RlimitsSection(List.of(new RlimitSpec("CORE", 0, 0))),
                new DacSection(UID, UID, true, true),
                new SeccompSection(List.of("ptrace"), List.of("clone3"), true),
                new ExecSection(probe.toString(), List.of("probe"), Map.of(), "/"));
    }

    /** The probe's root and {@code moreBinds}, each with the identity it has now ("0:0" for one that does not exist). */
    FilesystemSection root(List<String> moreBinds, RootFile... files) {
        Map<String, String> ids = new HashMap<>(deps.identities());
        for (String b : moreBinds) {
            ids.put(b, Files.exists(Path.of(b), java.nio.file.LinkOption.NOFOLLOW_LINKS) ? identity(b) : "0:0");
        }
        return root(moreBinds, ids, files);
    }

    FilesystemSection root(List<String> moreBinds, Map<String, String> identities, RootFile... files) {
        Map<String, String> links = new HashMap<>();
        links.putAll(deps.symlinks());
        List<String> binds = new ArrayList<>(deps.files());
        binds.addAll(moreBinds);
        return new FilesystemSection(mountPoint.toString(), binds, links, List.of(), List.of("/tmp"), 0, List.of(files),
                identities);
    }

    static String identity(String path) {
        try {
            return LddRoot.identity(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The good fds and one more. */
    FdsEnvSection fdsWith(FdSpec extra) {
        List<FdSpec> fds = new ArrayList<>(good().section(FdsEnvSection.class).fds());
        fds.add(extra);
        return new FdsEnvSection(fds);
    }

    void expectFailure(LaunchSpec spec, String step, int errno, boolean socketCleaned) throws Exception {
        expectFailure(SpecWriter.write(spec), step, errno, socketCleaned);
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
        LaunchSpec spec = good().with(new LandlockSection(List.of("/"), List.of("/tmp"), List.of(), true, true));
        Harness.Result r = Harness.launch(spec);
        assertEquals(0, r.exit(), r.stderr());
        int pid = r.json().get("pid").asInt();
        try {
            assertTrue(r.json().path("proofs").path("landlock").asText().endsWith("probe connect(127.0.0.1:1) = EACCES"), r.stdout());
        } finally {
            Harness.killAndReap(pid);
        }
    }

    /** An absent section is the layer switched off: the launcher skips its step (here seccomp: no filter). */
    @Test
    void absentSectionSkipsItsStep() throws Exception {
        Harness.Result r = Harness.launch(good().without("seccomp"));
        assertEquals(0, r.exit(), r.stderr());
        int pid = r.json().get("pid").asInt();
        try {
            String status = Files.readString(Path.of("/proc/" + pid + "/status"));
            assertTrue(status.contains("\nSeccomp:\t0\n"), status);
            assertTrue(status.contains("\nNoNewPrivs:\t1\n"), "dac still applied: " + status);
        } finally {
            Harness.killAndReap(pid);
        }
    }

    @Test
    void unknownSectionRefused() throws Exception {
        String json = new String(SpecWriter.write(good()), StandardCharsets.UTF_8);
        expectFailure(json.replaceFirst("\\{", "{\"sandbox\":{\"on\":true},").getBytes(StandardCharsets.UTF_8), "spec", 22,
                true);
    }

    @Test
    void unknownFieldOfASectionRefused() throws Exception {
        String json = new String(SpecWriter.write(good()), StandardCharsets.UTF_8);
        expectFailure(json.replace("\"clearCapabilities\":true", "\"clearCapabilities\":true,\"keepCaps\":true")
                .getBytes(StandardCharsets.UTF_8), "spec", 22, true);
    }

    /** A rule across sections, checked in the section that needs it before any step ran. */
    @Test
    void privateRootWithoutMountNamespace() throws Exception {
        expectFailure(good().with(new NamespacesSection(false, true, true, true, true, null)), "filesystem", 22, true);
    }

    @Test
    void badTapName() throws Exception {
        expectFailure(good().with(fdsWith(new FdSpec(5, FdSpec.Kind.TAP, "vif1.0;rm", false, false))), "fds-env", 22, true);
    }

    /**
     * x86_64 only, said once (launcher.h, before anything else): the launcher does not build for
     * another architecture. Checked by compiling the header as if for one.
     */
    @Test
    void otherArchitectureRefusedAtBuild() throws Exception {
        Process p = new ProcessBuilder("gcc", "-fsyntax-only", "-U__x86_64__", "-D__aarch64__", "-x", "c",
                Harness.TARGET.getParent().resolve("src/main/c/launcher.h").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor() != 0, out);
        assertTrue(out.contains("#error \"dmjail runs on x86_64 only\""), out);
    }

    @Test
    void badSpecJson() throws Exception {
        expectFailure("{not json".getBytes(StandardCharsets.UTF_8), "spec", 22, true);
    }

    @Test
    void missingFile() throws Exception {
        expectFailure(good().with(fdsWith(new FdSpec(4, FdSpec.Kind.FILE, dir.resolve("does-not-exist").toString(),
                false, false))), "fds-env", 2, true);
    }

    @Test
    void fileBehindSymlinkRefused() throws Exception {
        Files.createSymbolicLink(dir.resolve("link"), Path.of("/etc/hostname"));
        expectFailure(good().with(fdsWith(new FdSpec(4, FdSpec.Kind.FILE, dir.resolve("link").toString(), false, false))),
                "fds-env", 40 /* ELOOP: O_NOFOLLOW */, true);
    }

    @Test
    void socketPathHeldByARegularFile() throws Exception {
        Files.writeString(sock, "not a socket");
        expectFailure(good(), "fds-env", 17, false);
        assertEquals("not a socket", Files.readString(sock), "left untouched");
    }

    @Test
    void missingCgroup() throws Exception {
        expectFailure(good().with(new CgroupSection(List.of(dir.resolve("nocg/cgroup.procs").toString()))), "cgroup", 2, true);
    }

    @Test
    void hostnameWithoutUtsNamespace() throws Exception {
        expectFailure(good().with(new NamespacesSection(true, true, false, true, true, "renamed-host")), "namespaces", 22,
                true);
    }

    @Test
    void missingBindSource() throws Exception {
        expectFailure(good().with(root(List.of("/no/such/firmware"))), "filesystem", 2, true);
    }

    /** A kernel bound into the root must be the file the plan checked: one swapped in under its name is refused. */
    @Test
    void rootFileReplacedAfterPlanning() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "planned");
        String planned = Files.getAttribute(kernel, "unix:dev") + ":" + Files.getAttribute(kernel, "unix:ino");
        Files.writeString(dir.resolve("other"), "swapped in"); // made while the planned one lives: another inode
        Files.move(dir.resolve("other"), kernel, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        expectFailure(withRootFile(kernel, planned), "filesystem", 116 /* ESTALE */, true);
    }

    @Test
    void rootFileBehindSymlinkRefused() throws Exception {
        Path kernel = Files.createSymbolicLink(dir.resolve("vmlinuz"), Path.of("/etc/hostname"));
        String id = Files.getAttribute(Path.of("/etc/hostname"), "unix:dev") + ":"
                + Files.getAttribute(Path.of("/etc/hostname"), "unix:ino");
        expectFailure(withRootFile(kernel, id), "filesystem", 40 /* ELOOP */, true);
    }

    /**
     * A bind the plan checked (a device_model_override's directory, say, which a tenant owns), swapped
     * for another directory under its name after planning: refused before anything is mounted on the
     * host, nothing spawned, nothing left (the root's tmpfs lived only in the launcher's mount namespace).
     */
    @Test
    void bindReplacedAfterPlanning() throws Exception {
        Path fw = Files.createDirectory(dir.resolve("firmware"));
        Files.writeString(fw.resolve("bios.bin"), "planned");
        String planned = identity(fw.toString());
        Path other = Files.createDirectory(dir.resolve("other"));
        Files.writeString(other.resolve("bios.bin"), "swapped in");
        Files.move(fw, dir.resolve("planned-one"));
        Files.move(other, fw);
        Map<String, String> ids = new HashMap<>(deps.identities());
        ids.put(fw.toString(), planned);
        Harness.Result r = Harness.launch(good().with(root(List.of(fw.toString()), ids)));
        try {
            assertEquals(1, r.exit(), r.stdout() + r.stderr());
            assertEquals("filesystem", r.json().get("step").asText(), r.stdout());
            assertEquals(116 /* ESTALE */, r.json().get("errno").asInt(), r.stdout());
            String message = r.json().get("message").asText();
            assertTrue(message.contains(fw + " is not the file the plan checked") && message.contains("planned " + planned),
                    message);
            assertEquals(List.of(), Harness.children(), "nothing spawned");
            // (other tests mount beside this one: only this test's directory is looked for)
            assertEquals(List.of(), Files.readString(Path.of("/proc/self/mountinfo")).lines().filter(l -> l.contains(dir.toString()))
                    .toList(), "nothing mounted on the host");
            try (var entries = Files.list(mountPoint)) {
                assertEquals(List.of(), entries.toList(), "the mount point is left empty");
            }
            assertFalse(Files.exists(sock), "socket removed");
        } finally {
            for (int pid : Harness.children()) Harness.killAndReap(pid);
        }
    }

    /** The same for a library of the closure swapped for another file (a rename over it). */
    @Test
    void libraryReplacedAfterPlanning() throws Exception {
        Path lib = Files.writeString(dir.resolve("libplanned.so"), "planned");
        String planned = identity(lib.toString());
        Path other = Files.writeString(dir.resolve("libother.so"), "swapped in");
        Files.move(other, lib, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<String, String> ids = new HashMap<>(deps.identities());
        ids.put(lib.toString(), planned);
        expectFailure(good().with(root(List.of(lib.toString()), ids)), "filesystem", 116 /* ESTALE */, true);
    }

    /** Identities are part of the contract: a bind without one is refused by the rules, before any step. */
    @Test
    void bindWithoutIdentityRefused() throws Exception {
        Map<String, String> ids = new HashMap<>(deps.identities());
        ids.remove(deps.files().get(0));
        expectFailure(good().with(root(List.of(), ids)), "filesystem", 22, true);
    }

    private LaunchSpec withRootFile(Path host, String identity) {
        return good().with(root(List.of(), new RootFile("/boot/kernel", host.toString(), identity)));
    }

    @Test
    void unknownRlimit() throws Exception {
        expectFailure(good().with(new RlimitsSection(List.of(new RlimitSpec("BOGUS", 0, 0)))), "rlimits", 22, true);
    }

    @Test
    void badUid() throws Exception {
        expectFailure(good().with(new DacSection(-1, UID, true, true)), "dac", 22, true);
    }

    @Test
    void selinuxLabelWithoutSelinux() throws Exception {
        expectFailure(good().with(new SelinuxSection("system_u:system_r:svirt_t:s0:c1,c2")), "selinux", 95, true);
    }

    @Test
    void unknownSyscallName() throws Exception {
        expectFailure(good().with(new SeccompSection(List.of("ptrace", "no_such_syscall"), List.of(), false)),
                "seccomp", 22, true);
    }

    @Test
    void execMissingInsideTheRoot() throws Exception {
        // fails after every layer is in force (after the pivot): glibc reaps the failed child
        expectFailure(good().with(new ExecSection("/usr/bin/true", List.of("true"), Map.of(), "/")), "spawn", 2, false);
    }

    @Test
    void cwdNotInTheRoot() throws Exception {
        expectFailure(good().with(new ExecSection(probe.toString(), List.of("probe"), Map.of(), "/etc")), "spawn", 2, false);
    }
}
