package dev.dmjail.launcher.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The real device model binary, fully confined in a root built from what ldd lists:
 * {@code qemu-system-x86_64 -version} loads its ~60 libraries through the pivoted root and
 * prints its version. Also checks the packaged command line (AppCDS archive, jffi stub) when the
 * module has been packaged.
 */
class QemuUnderLauncherTest {
    static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

    @Test
    void qemuVersionInsideEveryLayer() throws Exception {
        assumeTrue(Harness.isRoot() && Files.exists(QEMU));
        Harness.becomeSubreaper();
        LddRoot.Result deps = LddRoot.of(QEMU);
        Path dir = Files.createTempDirectory(Harness.TARGET, "qemu-");
        int pid = -1;
        try {
            Path root = Files.createDirectory(dir.resolve("root"));
            Path out = dir.resolve("qemu.out");
            Map<String, String> links = new HashMap<>();
            links.putAll(deps.symlinks());
            LaunchSpec spec = new LaunchSpec("qemu-version",
                    new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                            new FdSpec(1, FdSpec.Kind.FILE, out.toString(), true, true),
                            new FdSpec(2, FdSpec.Kind.FILE, out.toString(), true, true))),
                    new NamespacesSection(true, true, true, true, true, "qemu"),
                    new FilesystemSection(root.toString(), deps.files(), links,
                            List.of(new DeviceNode("null", 1, 3, 0666), new DeviceNode("urandom", 1, 9, 0444)),
                            List.of("/tmp"), 0, List.of(), deps.identities()),
                    new RlimitsSection(List.of(new RlimitSpec("FSIZE", 262144, 262144), new RlimitSpec("CORE", 0, 0))),
                    new DacSection(231596, 231596, true, true),
                    new SeccompSection(List.of("ptrace", "mount", "unshare"), List.of("clone3"), true),
                    new ExecSection(QEMU.toString(), List.of("qemu-system-x86_64", "-version"), Map.of(), "/"));
            Harness.Result r = Harness.launch(spec);
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            pid = r.json().get("pid").asInt();
            int status = Harness.waitExit(pid, 10_000);
            pid = -1;
            String text = Files.readString(out);
            assertEquals(0, status, "exit status; output: " + text);
            assertTrue(text.contains("QEMU emulator version"), text);
        } finally {
            Harness.killAndReap(pid);
            Harness.deleteTree(dir);
        }
    }

    /**
     * A real, resident device model: QEMU with its own full {@code -sandbox} deny set (possible
     * because the launcher dropped privileges before exec: DESIGN "prefer the second"), QMP on
     * the listening socket the launcher opened as root and handed over as fd 3.
     */
    @Test
    void qemuWithFullSandboxAnswersQmpOnTheHandedOverSocket() throws Exception {
        assumeTrue(Harness.isRoot() && Files.exists(QEMU));
        Harness.becomeSubreaper();
        // TCG is a dlopen()ed module in Debian's QEMU 7.2: without it "could not load module for
        // type 'tcg-accel-ops'"
        LddRoot.Result deps = LddRoot.of(QEMU, Path.of("/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so"));
        Path dir = Files.createTempDirectory(Harness.TARGET, "qmp-");
        int pid = -1;
        try {
            Path root = Files.createDirectory(dir.resolve("root"));
            Path log = dir.resolve("qemu.log");
            Path qmp = dir.resolve("qmp.sock");
            Map<String, String> links = new HashMap<>();
            links.putAll(deps.symlinks());
            LaunchSpec spec = new LaunchSpec("qemu-qmp",
                    new FdsEnvSection(List.of(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false),
                            new FdSpec(1, FdSpec.Kind.FILE, log.toString(), true, true),
                            new FdSpec(2, FdSpec.Kind.FILE, log.toString(), true, true),
                            new FdSpec(3, FdSpec.Kind.UNIX_LISTEN, qmp.toString(), false, false))),
                    new NamespacesSection(true, true, true, true, true, "qemu"),
                    new FilesystemSection(root.toString(), deps.files(), links,
                            List.of(new DeviceNode("null", 1, 3, 0666), new DeviceNode("urandom", 1, 9, 0444)),
                            List.of("/tmp"), 0, List.of(), deps.identities()),
                    new RlimitsSection(List.of(new RlimitSpec("FSIZE", 262144, 262144), new RlimitSpec("CORE", 0, 0),
                            new RlimitSpec("MEMLOCK", 0, 0), new RlimitSpec("MSGQUEUE", 0, 0),
                            new RlimitSpec("LOCKS", 0, 0))),
                    new DacSection(231595, 231595, true, true),
                    new SeccompSection(List.of("ptrace", "mount", "unshare", "setns", "bpf", "userfaultfd",
                            "io_uring_setup", "perf_event_open", "keyctl", "kexec_load"), List.of("clone3"), true),
                    new ExecSection(QEMU.toString(), List.of("qemu-system-x86_64", "-machine", "none", "-nodefaults",
                            "-display", "none", "-S",
                            "-chardev", "socket,id=qmp,fd=3,server=on,wait=off", "-mon", "chardev=qmp,mode=control",
                            "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"),
                            Map.of(), "/tmp"));
            Harness.Result r = Harness.launch(spec);
            assertEquals(0, r.exit(), r.stdout() + r.stderr());
            pid = r.json().get("pid").asInt();
            try {
                qmpSession(pid, qmp, log);
            } catch (java.io.IOException e) {
                Thread.sleep(200);
                throw new AssertionError("QMP failed: " + e + "; QEMU log: " + Files.readString(log)
                        + "; alive: " + Files.exists(Path.of("/proc/" + pid + "/status")), e);
            }
            int status = Harness.waitExit(pid, 10_000);
            pid = -1;
            assertEquals(0, status, "QEMU exit status after quit; log: " + Files.readString(log));
        } finally {
            Harness.killAndReap(pid);
            Harness.deleteTree(dir);
        }
    }

    private static void qmpSession(int pid, Path qmp, Path log) throws java.io.IOException {
            try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                    java.net.UnixDomainSocketAddress.of(qmp))) {
                java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                        java.nio.channels.Channels.newInputStream(ch), StandardCharsets.UTF_8));
                java.io.OutputStream out = java.nio.channels.Channels.newOutputStream(ch);
                assertTrue(in.readLine().contains("\"QMP\""), "greeting; log: " + Files.readString(log));
                out.write("{\"execute\":\"qmp_capabilities\"}\n".getBytes(StandardCharsets.UTF_8));
                assertTrue(in.readLine().contains("\"return\""));
                out.write("{\"execute\":\"query-status\"}\n".getBytes(StandardCharsets.UTF_8));
                assertTrue(in.readLine().contains("\"prelaunch\""));
                String status = Files.readString(Path.of("/proc/" + pid + "/status"));
                assertTrue(status.contains("Seccomp_filters:\t2"), "launcher's filter + QEMU's -sandbox: " + status);
                assertTrue(status.contains("CapBnd:\t0000000000000000"), status);
                out.write("{\"execute\":\"quit\"}\n".getBytes(StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null && !line.contains("\"return\"")) {
                    // events (SHUTDOWN) may come first
                }
            }
    }
}
