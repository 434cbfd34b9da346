package dev.dmjail.toolstack.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.host.CgroupLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The v2 device program for real: a cgroup on this host's cgroup2 mount with the program attached,
 * and a shell moved into it that tries an allowed and a forbidden device.
 */
class DeviceProgramTest {

    @Test
    void allowsOnlyListedCharDevices() throws Exception {
        Path v2 = CgroupLayout.detect().v2Mount();
        // v1-only hosts have no cgroup2 to attach to: dmjail uses devices.allow there (CgroupLayerFakeHostTest).
        Assumptions.assumeTrue(v2 != null, "this host has no cgroup2 mount (a v1-only host): the BPF device program cannot be attached here");
        Path dir = v2.resolve("dmjail-bpf-test-" + ProcessHandle.current().pid());
        Files.createDirectory(dir);
        try {
            // /dev/null is 1:3; /dev/zero (1:5) is not listed
            Bpf.attachDeviceAllowList(dir, List.of(new DeviceProgram.CharDevice(1, 3)));
            assertEquals(1, Bpf.attachedDevicePrograms(dir));
            String script = "echo 0 > " + dir + "/cgroup.procs || exit 9\n"
                    + "if true < /dev/null; then echo null-ok; else echo null-denied; fi\n"
                    + "if true < /dev/zero; then echo zero-ok; else echo zero-denied; fi\n";
            Process p = new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            assertTrue(out.contains("null-ok"), out);
            assertTrue(out.contains("zero-denied") && out.contains("Operation not permitted"), out);
        } finally {
            for (int i = 0; i < 100 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir);
                } catch (java.io.IOException busy) {
                    Thread.sleep(10);
                }
            }
        }
    }

    @Test
    void programShape() {
        byte[] p = DeviceProgram.assemble(List.of(new DeviceProgram.CharDevice(1, 3), new DeviceProgram.CharDevice(10, 232)));
        assertEquals((5 + 3 * 2 + 4) * 8, p.length);
    }
}
