package dev.dmjail.launcher.spec;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each section's own rules ({@code validate}), one good and the broken cases each, with the errno the
 * launcher reports: in the Java records (the toolstack may call them when it plans) and, for the same
 * spec as the toolstack writes it, in the native launcher ({@link NativeReader}).
 */
class SectionRulesTest {
    static final ExecSection EXEC = new ExecSection("/usr/bin/qemu", List.of("qemu"), Map.of(), "/");
    static final NamespacesSection ALL_NS = new NamespacesSection(true, true, true, true, true, "dm-x");

    static void ok(Section s, Section... others) {
        assertDoesNotThrow(() -> spec(s, others).validate());
        assertDoesNotThrow(() -> NativeReader.accepts(SpecWriter.write(spec(s, others))));
    }

    static void broken(Section s, int errno, String message, Section... others) {
        SpecException e = assertThrows(SpecException.class, () -> spec(s, others).validate(), s.toString());
        assertEquals(s.sectionName(), e.section());
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertDoesNotThrow(() -> NativeReader.refuses(SpecWriter.write(spec(s, others)), s.sectionName(), errno, message));
    }

    static LaunchSpec spec(Section s, Section... others) {
        LaunchSpec l = new LaunchSpec("t", others).with(s);
        return l.exec() == null ? l.with(EXEC) : l;
    }

    @Test
    void execIsRequiredAndChecked() {
        SpecException e = assertThrows(SpecException.class, () -> new LaunchSpec("t", ALL_NS).validate());
        assertEquals("exec", e.section());
        assertDoesNotThrow(() -> NativeReader.refuses(SpecWriter.write(new LaunchSpec("t", ALL_NS)), "exec", 22,
                "no exec section"));
        ok(EXEC);
        broken(new ExecSection("qemu", List.of("qemu"), Map.of(), "/"), 22, "exec.path must be absolute");
        broken(new ExecSection("/q", List.of(), Map.of(), "/"), 22, "argv[0]");
        broken(new ExecSection("/q", List.of("q"), Map.of(), "tmp"), 22, "exec.cwd");
        broken(new ExecSection("/q", List.of("q"), Map.of("A=B", "c"), "/"), 22, "bad environment entry");
        broken(new ExecSection("/q", List.of("q\0"), Map.of(), "/"), 22, "bad argv entry");
    }

    @Test
    void fdsEnv() {
        ok(new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                new FdSpec(3, FdSpec.Kind.TAP, "vif12.0", false, false))));
        broken(new FdsEnvSection(List.of(new FdSpec(-1, FdSpec.Kind.DEV_NULL, null, false, false))), 9, "negative");
        broken(new FdsEnvSection(List.of(new FdSpec(1, FdSpec.Kind.DEV_NULL, null, false, false),
                new FdSpec(1, FdSpec.Kind.DEV_NULL, null, false, false))), 22, "appears twice");
        broken(new FdsEnvSection(List.of(new FdSpec(1, null, "/x", false, false))), 22, "kind missing");
        broken(new FdsEnvSection(List.of(new FdSpec(1, FdSpec.Kind.FILE, "x.log", false, false))), 22, "absolute");
        broken(new FdsEnvSection(List.of(new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, "/" + "s".repeat(107), false, false))),
                36, "socket path too long");
        for (String bad : List.of("", "a-very-long-name0", "vif 1", "vif/1", "a;b")) {
            broken(new FdsEnvSection(List.of(new FdSpec(3, FdSpec.Kind.TAP, bad, false, false))), 22, "tap interface");
        }
        assertTrue(FdSpec.validInterfaceName("vif32751.255"));
        assertTrue(!FdSpec.validInterfaceName(null));
    }

    @Test
    void cgroup() {
        ok(new CgroupSection(List.of("/sys/fs/cgroup/dmjail/x/cgroup.procs")));
        broken(new CgroupSection(List.of("cgroup.procs")), 22, "absolute");
    }

    @Test
    void namespaces() {
        ok(ALL_NS);
        ok(new NamespacesSection(true, false, false, false, false, null));
        broken(new NamespacesSection(true, true, false, true, true, "renamed"), 22, "without a uts namespace");
        broken(new NamespacesSection(true, true, true, true, true, "h".repeat(65)), 22, "longer than 64");
    }

    @Test
    void filesystemNeedsAMountNamespaceAndNormalPaths() {
        FilesystemSection good = new FilesystemSection("/run/x/root", List.of("/usr/bin/qemu"), Map.of("/lib64", "usr/lib64"),
                List.of(new DeviceNode("net/tun", 10, 200, 0666)), List.of("/tmp"), 0,
                List.of(new RootFile("/boot/kernel", "/img/vmlinuz", "1:2")), Map.of("/usr/bin/qemu", "2049:131"));
        ok(good, ALL_NS);
        broken(good, 22, "needs a mount namespace");
        broken(good, 22, "needs a mount namespace", new NamespacesSection(false, true, true, true, true, null));
        broken(new FilesystemSection("run/x", List.of(), Map.of(), List.of(), List.of(), 0), 22, "mountPoint", ALL_NS);
        broken(new FilesystemSection("/r", List.of("/usr/../etc"), Map.of(), List.of(), List.of(), 0), 22, "bind", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of("lib64", "usr/lib64"), List.of(), List.of(), 0), 22,
                "symlink path", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of("/lib64", ""), List.of(), List.of(), 0), 22, "no target", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(new DeviceNode("../kvm", 10, 232, 0666)),
                List.of(), 0), 22, "bad device name", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(new DeviceNode("kvm", 10, 232, 0100666)),
                List.of(), 0), 22, "bad mode", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(), List.of("/"), 0), 22, "writable dir", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(), List.of(), -1), 22, "tmpfsBytes", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(), List.of(), 0,
                List.of(new RootFile("/boot/kernel", "/k", null))), 22, "no identity", ALL_NS);
        broken(new FilesystemSection("/r", List.of(), Map.of(), List.of(), List.of(), 0,
                List.of(new RootFile("/boot/kernel", "k", "1:2"))), 22, "host path", ALL_NS);
        // every bind carries the dev:ino the plan saw, and only binds do
        broken(new FilesystemSection("/r", List.of("/usr/bin/qemu"), Map.of(), List.of(), List.of(), 0), 22,
                "bind /usr/bin/qemu: no identity planned", ALL_NS);
        for (String bad : new String[] {"", "12", "1:2:3", "a:1", "1:", ":1", "-1:2", "1:" + "9".repeat(21)}) {
            broken(new FilesystemSection("/r", List.of("/q"), Map.of(), List.of(), List.of(), 0, List.of(), Map.of("/q", bad)), 22,
                    "bind /q: no identity planned", ALL_NS);
        }
        java.util.Map<String, String> nullId = new java.util.HashMap<>();
        nullId.put("/q", null);
        broken(new FilesystemSection("/r", List.of("/q"), Map.of(), List.of(), List.of(), 0, List.of(), nullId), 22,
                "bind /q: no identity planned (dev:ino), got null", ALL_NS);
        broken(new FilesystemSection("/r", List.of("/q"), Map.of(), List.of(), List.of(), 0, List.of(),
                Map.of("/q", "1:2", "/etc", "3:4")), 22, "identity for /etc, which is not a bind", ALL_NS);
    }

    @Test
    void rlimitsByTheOneTable() {
        ok(new RlimitsSection(List.of(new RlimitSpec("FSIZE", 1, 1), new RlimitSpec("RLIMIT_NOFILE", 64, 64),
                new RlimitSpec("as", -1, -1))));
        broken(new RlimitsSection(List.of(new RlimitSpec("BOGUS", 0, 0))), 22, "unknown rlimit");
        broken(new RlimitsSection(List.of(new RlimitSpec("CORE", 2, 1))), 22, "above hard");
        assertEquals(1, Rlimit.FSIZE.number());
        assertEquals(7, Rlimit.NOFILE.number());
        assertEquals(15, Rlimit.RTTIME.number());
        assertEquals("Max open files", Rlimit.byName("RLIMIT_NOFILE").label());
    }

    @Test
    void dac() {
        ok(new DacSection(65537, 65537, true, true));
        broken(new DacSection(-1, 5, true, true), 22, "unchanged");
        broken(new DacSection(5, -2, true, true), 22, "0..2^31-1");
    }

    @Test
    void selinux() {
        ok(new SelinuxSection("system_u:system_r:svirt_t:s0:c1,c2"));
        broken(new SelinuxSection(""), 22, "bad SELinux label");
        broken(new SelinuxSection(null), 22, "bad SELinux label");
    }

    @Test
    void landlock() {
        ok(new LandlockSection(List.of("/"), List.of("/tmp"), List.of("/dev"), true, true));
        broken(new LandlockSection(List.of("tmp"), List.of(), List.of(), true, true), 22, "absolute");
    }

    @Test
    void seccomp() {
        ok(new SeccompSection(List.of("ptrace"), List.of("clone3"), true, List.of(2, 10)));
        broken(new SeccompSection(List.of("ptrace", "ptrace"), List.of(), false), 17, "listed twice");
        broken(new SeccompSection(List.of("ptrace"), List.of("ptrace"), false), 17, "listed twice");
        broken(new SeccompSection(List.of(""), List.of(), false), 22, "empty syscall name");
        broken(new SeccompSection(List.of("clone"), List.of(), true), 17, "both denied");
        broken(new SeccompSection(List.of(), List.of(), false, List.of(1)), 22, "AF_UNIX");
    }

    @Test
    void twoSectionsOfOneNameRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchSpec("t", EXEC, EXEC));
    }
}
