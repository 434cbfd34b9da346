package dev.dmjail.launcher.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The launcher's streaming reader agrees with jackson-databind (what the toolstack writes with). */
class SpecReaderTest {
    static final ObjectMapper DATABIND = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static LaunchSpec full() {
        return new LaunchSpec("dom1",
                List.of(new LaunchSpec.FdSpec(0, LaunchSpec.FdSpec.Kind.DEV_NULL, null, false, false),
                        new LaunchSpec.FdSpec(1, LaunchSpec.FdSpec.Kind.FILE, "/var/log/x.log", true, true),
                        new LaunchSpec.FdSpec(3, LaunchSpec.FdSpec.Kind.UNIX_LISTEN, "/run/q.sock", false, false)),
                List.of("/sys/fs/cgroup/pids/dmjail/1/cgroup.procs"),
                new LaunchSpec.NamespaceSpec(true, true, true, false, true, "dom1"),
                new LaunchSpec.RootSpec("/run/dmjail/1/root", List.of("/usr/bin/qemu-system-x86_64"),
                        Map.of("/lib64", "usr/lib64"), List.of(new LaunchSpec.DeviceNode("null", 1, 3, 0666)),
                        List.of("/tmp"), 1 << 20),
                List.of(new LaunchSpec.RlimitSpec("FSIZE", 262144, 262144), new LaunchSpec.RlimitSpec("AS", -1, -1)),
                new LaunchSpec.IdentitySpec(65537, 65537, true, true),
                "system_u:system_r:svirt_t:s0:c1,c2",
                new LaunchSpec.SeccompSpec(List.of("ptrace"), List.of("clone3"), true),
                new LaunchSpec.ExecSpec("/usr/bin/qemu-system-x86_64", List.of("qemu", "-S"), Map.of("A", "b=c"), "/"));
    }

    @Test
    void roundTripsWhatDatabindWrites() throws Exception {
        LaunchSpec s = full();
        byte[] json = DATABIND.writeValueAsBytes(s);
        assertEquals(s, SpecReader.read(json));
        assertEquals(DATABIND.readValue(json, LaunchSpec.class), SpecReader.read(json));
    }

    @Test
    void absentSectionsAndUnknownFieldsLikeDatabind() throws Exception {
        String json = "{\"future\":{\"x\":[1,2]},\"exec\":{\"path\":\"/x\",\"argv\":[\"x\"]},\"identity\":{\"uid\":5}}";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(DATABIND.readValue(b, LaunchSpec.class), SpecReader.read(b));
    }

    @Test
    void rejectsBadInput() {
        for (String bad : List.of("", "[]", "{\"fds\":{}}", "{\"identity\":{\"uid\":\"0\"}}",
                "{\"identity\":{\"uid\":4294967296}}", "{\"fds\":[{\"kind\":\"PIPE\"}]}", "{} {}", "{\"identity\":{\"uid\":1.5}}")) {
            assertThrows(IOException.class, () -> SpecReader.read(bad.getBytes(StandardCharsets.UTF_8)), bad);
        }
    }
}
