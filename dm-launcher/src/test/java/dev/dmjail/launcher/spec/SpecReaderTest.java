package dev.dmjail.launcher.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launcher's reader reads back what the writer (the toolstack's side) writes, and nothing else:
 * the Java reader and the native launcher's ({@link NativeReader}) alike.
 */
class SpecReaderTest {
    static final Map<String, Class<? extends Section>> TYPES = SpecReader.SECTIONS;

    static LaunchSpec full() {
        return new LaunchSpec("dom1",
                new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                        new FdSpec(1, FdSpec.Kind.FILE, "/var/log/x.log", true, true),
                        new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, "/run/q.sock", false, false),
                        new FdSpec(4, FdSpec.Kind.DISK, "/img/a.qcow2", true, false, "2049:12"),
                        new FdSpec(5, FdSpec.Kind.TAP, "vif1.0", false, false))),
                new CgroupSection(List.of("/sys/fs/cgroup/pids/dmjail/1/cgroup.procs")),
                new NamespacesSection(true, true, true, false, true, "dom1"),
                new FilesystemSection("/run/dmjail/1/root", List.of("/usr/bin/qemu-system-x86_64"),
                        Map.of("/lib64", "usr/lib64"), List.of(new DeviceNode("null", 1, 3, 0666)),
                        List.of("/tmp"), 1 << 20, List.of(new RootFile("/boot/kernel", "/img/vmlinuz", "2049:13")),
                        Map.of("/usr/bin/qemu-system-x86_64", "2049:12")),
                new RlimitsSection(List.of(new RlimitSpec("FSIZE", 262144, 262144), new RlimitSpec("AS", -1, -1))),
                new DacSection(65537, 65537, true, true),
                new SelinuxSection("system_u:system_r:svirt_t:s0:c1,c2"),
                new LandlockSection(List.of("/"), List.of("/tmp"), List.of("/dev"), true, true),
                new SeccompSection(List.of("ptrace"), List.of("clone3"), true, List.of(2, 10)),
                new ExecSection("/usr/bin/qemu-system-x86_64", List.of("qemu", "-S"), Map.of("A", "b=c"), "/"));
    }

    @Test
    void everySectionOfTheStepsRoundTrips() throws Exception {
        LaunchSpec s = full();
        assertEquals(TYPES.keySet(), s.sections().keySet(), "full() holds one section of every step");
        assertEquals(s, SpecReader.read(SpecWriter.write(s), TYPES));
        NativeReader.accepts(SpecWriter.write(s));
    }

    /** The Java contract's sections are the native launcher's steps' sections, in its order. */
    @Test
    void sectionsAreTheLaunchersSteps() throws Exception {
        assertEquals(List.copyOf(TYPES.keySet()), NativeReader.stepSections());
    }

    @Test
    void keyedByLayerName() throws Exception {
        String json = new String(SpecWriter.write(full()), StandardCharsets.UTF_8);
        for (String layer : List.of("fds-env", "cgroup", "namespaces", "filesystem", "rlimits", "dac", "selinux",
                "landlock", "seccomp", "exec")) {
            assertTrue(json.contains("\"" + layer + "\":{"), layer + " in " + json);
        }
    }

    @Test
    void absentOrNullSectionsAreOffAndAbsentFieldsDefault() throws Exception {
        String json = "{\"exec\":{\"path\":\"/x\",\"argv\":[\"x\"]},\"dac\":{\"uid\":5},\"seccomp\":null}";
        LaunchSpec s = SpecReader.read(json.getBytes(StandardCharsets.UTF_8), TYPES);
        assertEquals(new DacSection(5, 0, false, false), s.section(DacSection.class));
        assertNull(s.section(SeccompSection.class));
        assertNull(s.section(FilesystemSection.class));
        assertEquals(Map.of(), s.exec().env());
        assertNull(s.domainName());
        NativeReader.accepts(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rejectsBadInput() throws Exception {
        for (String bad : List.of("", "[]", "{\"fds-env\":[]}", "{\"dac\":{\"uid\":\"0\"}}",
                "{\"dac\":{\"uid\":4294967296}}", "{\"fds-env\":{\"fds\":[{\"kind\":\"PIPE\"}]}}", "{} {}",
                "{\"dac\":{\"uid\":1.5}}", "{\"future\":{\"x\":[1,2]}}", "{\"dac\":{\"uid\":1,\"caps\":[]}}",
                "{\"dac\":{\"uid\":1},\"dac\":{\"uid\":2}}", "{\"seccomp\":{\"denySocketFamilies\":[\"AF_INET\"]}}",
                "{\"filesystem\":{\"symlinks\":{\"/a\":1}}}",
                // a key with a NUL byte is not the key before it (C strings would stop there)
                "{\"dac\":{\"uid\":1,\"uid\\u0000x\":2}}", "{\"dac\\u0000\":{\"uid\":1}}")) {
            assertThrows(IOException.class, () -> SpecReader.read(bad.getBytes(StandardCharsets.UTF_8), TYPES), bad);
            NativeReader.refuses(bad.getBytes(StandardCharsets.UTF_8), "spec", 22, "cannot read the launch spec");
        }
    }

    @Test
    void saysWhereTheInputIsWrong() throws Exception {
        IOException e = assertThrows(IOException.class, () -> SpecReader.read(
                "{\"namespaces\":{\"uts\":\"yes\"}}".getBytes(StandardCharsets.UTF_8), TYPES));
        assertEquals("namespaces.uts: expected a boolean", e.getMessage());
        e = assertThrows(IOException.class, () -> SpecReader.read(
                "{\"sandbox\":{}}".getBytes(StandardCharsets.UTF_8), TYPES));
        assertTrue(e.getMessage().startsWith("unknown section \"sandbox\" (known: fds-env, cgroup, "), e.getMessage());
        NativeReader.refuses("{\"namespaces\":{\"uts\":\"yes\"}}".getBytes(StandardCharsets.UTF_8), "spec", 22,
                "namespaces.uts: expected a boolean");
        NativeReader.refuses("{\"sandbox\":{}}".getBytes(StandardCharsets.UTF_8), "spec", 22,
                "unknown section \"sandbox\" (known: fds-env, cgroup, ");
    }
}
