package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filesystem layer's verify, against a fake /proc: PID/root is the private root (not init's),
 * / read-only, the planned top-level entries and /dev nodes, no writable mount but /tmp, a bound
 * kernel being the planned file, each bind being the file the plan checked (when the plan holds
 * identities: one from a state file written before them has none, and verifies as before).
 */
class FilesystemLayerTest {

    @TempDir
    Path tmp;

    private FakeProc p;
    private Path root;
    private LayerPlan plan;

    private static final String MOUNTS = "700 650 0:61 / / ro,relatime master:1 - tmpfs tmpfs ro\n"
            + "701 700 0:62 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw,size=16384k\n"
            + "702 700 8:1 /usr/bin/qemu-system-x86_64 /usr/bin/qemu-system-x86_64 ro,relatime - ext4 /dev/sda1 ro\n";

    @BeforeEach
    void tree() throws Exception {
        p = new FakeProc(tmp.resolve("proc"));
        root = p.dir(FakeProc.PID + "/root");
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("usr/bin/qemu-system-x86_64"), "");
        Files.createDirectories(root.resolve("dev"));
        Files.writeString(root.resolve("dev/null"), "");
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("boot"));
        Path kernel = Files.writeString(root.resolve("boot/kernel"), "bzImage");
        Files.createSymbolicLink(root.resolve("lib64"), Path.of("usr/lib64"));
        Files.createDirectories(p.dir("1/root").resolve("etc"));
        p.file(FakeProc.PID + "/mountinfo", MOUNTS);
        String id = Files.getAttribute(kernel, "unix:dev", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(kernel, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        plan = FakeProc.plan(FilesystemLayer.NAME, """
                {"mountPoint": "/run/dmjail/domains/t/root", "readOnlyBinds": ["/usr/bin/qemu-system-x86_64"],
                 "symlinks": {"/lib64": "usr/lib64"}, "devices": [{"name": "null", "major": 1, "minor": 3, "mode": 438}],
                 "writableDirs": ["/tmp"], "tmpfsBytes": 16777216,
                 "files": [{"at": "/boot/kernel", "hostPath": "/srv/vmlinuz", "identity": "%s"}]}""".formatted(id));
    }

    private LayerVerdict verify() {
        return new FilesystemLayer().verify(plan, p.view());
    }

    @Test
    void passesOnThePlannedRoot() {
        LayerVerdict v = verify();
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(6, v.checks().size());
    }

    /** A plan with the binds' identities: one more row, PASS while each path in the root is that file. */
    private LayerPlan withBindIdentity(String identity) {
        FilesystemLayer.Settings s = plan.settingsAs(FilesystemLayer.Settings.class);
        return LayerPlan.enforced(FilesystemLayer.NAME, new FilesystemLayer.Settings(s.mountPoint(), s.readOnlyBinds(),
                s.symlinks(), s.devices(), s.writableDirs(), s.tmpfsBytes(), s.files(),
                java.util.Map.of("/usr/bin/qemu-system-x86_64", identity)));
    }

    @Test
    void passesWhenEveryBindIsThePlannedFile() throws Exception {
        Path qemu = root.resolve("usr/bin/qemu-system-x86_64");
        String id = Files.getAttribute(qemu, "unix:dev", LinkOption.NOFOLLOW_LINKS) + ":"
                + Files.getAttribute(qemu, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        LayerVerdict v = new FilesystemLayer().verify(withBindIdentity(id), p.view());
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(7, v.checks().size());
    }

    @Test
    void failsWhenABindIsAnotherFile() {
        LayerVerdict v = new FilesystemLayer().verify(withBindIdentity("1:2"), p.view());
        assertEquals(List.of("binds are the files the plan checked"), failed(v));
        assertEquals(true, v.toString().contains("(planned 1:2)"), v.toString());
    }

    @Test
    void failsWhenTheRootIsInits() throws Exception {
        Path init = tmp.resolve("proc/1/root");
        Files.walk(init).sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        Files.createSymbolicLink(init, root);
        assertEquals(List.of("root is not the host's"), failed(verify()));
    }

    @Test
    void failsWhenRootIsWritable() {
        p.file(FakeProc.PID + "/mountinfo", MOUNTS.replace("/ / ro,relatime", "/ / rw,relatime"));
        // a writable / is also a writable mount besides /tmp
        assertEquals(List.of("/ mounted read-only", "writable mounts"), failed(verify()));
    }

    @Test
    void failsOnAnotherWritableMount() {
        p.file(FakeProc.PID + "/mountinfo", MOUNTS + "703 700 8:1 /srv /usr/share/qemu rw,relatime - ext4 /dev/sda1 rw\n");
        assertEquals(List.of("writable mounts"), failed(verify()));
    }

    @Test
    void failsOnAnUnplannedDeviceNode() throws Exception {
        Files.writeString(root.resolve("dev/mem"), "");
        assertEquals(List.of("/dev allow-list"), failed(verify()));
    }

    @Test
    void failsOnAnUnplannedTopLevelEntry() throws Exception {
        Files.createDirectories(root.resolve("etc"));
        assertEquals(List.of("top-level entries of its root"), failed(verify()));
    }

    @Test
    void failsWhenTheKernelIsAnotherFile() throws Exception {
        // made before the old one goes, so it cannot reuse the old inode
        Path other = Files.writeString(root.resolve("boot/other"), "another");
        Files.move(other, root.resolve("boot/kernel"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals(List.of("/boot/kernel is the planned file"), failed(verify()));
    }
}
