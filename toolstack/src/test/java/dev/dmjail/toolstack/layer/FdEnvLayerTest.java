package dev.dmjail.toolstack.layer;

import static dev.dmjail.toolstack.layer.FakeProc.failed;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fds-env layer's verify, against a fake /proc: the environment exactly, stdio, the QMP fd still
 * the socket listening on its path (net/unix by inode), a disk open by identity, no fd to an
 * unplanned host path, the log on its bounded tmpfs (the toolstack's own mountinfo, self/).
 */
class FdEnvLayerTest {

    @TempDir
    Path tmp;

    private FakeProc p;
    private LayerPlan plan;
    private static final String QMP = "/run/dmjail/domains/t/qmp.sock";
    private static final String LOG_FS = "/run/dmjail/domains/t/log-fs";
    private static final String UNIX = "Num       RefCount Protocol Flags    Type St Inode Path\n"
            + "0000000000000000: 00000002 00000000 00010000 0001 01 777 " + QMP + "\n";

    @BeforeEach
    void tree() throws Exception {
        Path img = Files.write(tmp.resolve("a.img"), new byte[512]);
        String id = Files.getAttribute(img, "unix:dev") + ":" + Files.getAttribute(img, "unix:ino");
        p = new FakeProc(tmp.resolve("proc"))
                .link(FakeProc.PID + "/fd/0", "/dev/null")
                .link(FakeProc.PID + "/fd/3", "socket:[777]")
                .link(FakeProc.PID + "/fd/9", img.toString())
                .file(FakeProc.PID + "/environ", "PATH=/usr/bin\0")
                .file("net/unix", UNIX)
                .file("self/mountinfo", "90 30 0:70 / " + LOG_FS + " rw,nosuid,nodev,noexec - tmpfs tmpfs rw,size=256k\n");
        plan = FakeProc.plan(FdEnvLayer.NAME, """
                {"fds": [{"target": 0, "kind": "DEV_NULL", "path": null, "write": false, "append": false},
                         {"target": 3, "kind": "UNIX_LISTEN", "path": "%s", "write": true, "append": false},
                         {"target": 5, "kind": "DISK", "path": "%s", "write": true, "append": false, "identity": "%s"}],
                 "env": {"PATH": "/usr/bin"}, "binary": "/usr/bin/qemu-system-x86_64", "argv": ["qemu-system-x86_64"],
                 "outputs": [{"mount": "%s", "live": "%s/qemu.log", "kept": "/var/log/dmjail/t.log", "bytes": 262144}]}"""
                .formatted(QMP, img, id, LOG_FS, LOG_FS));
    }

    private LayerVerdict verify() {
        return new FdEnvLayer().verify(plan, p.view());
    }

    @Test
    void passesOnThePlannedFdsAndEnvironment() {
        LayerVerdict v = verify();
        assertEquals(LayerVerdict.Result.PASS, v.result(), v.toString());
        assertEquals(6, v.checks().size());
    }

    @Test
    void failsOnAnExtraVariable() {
        p.file(FakeProc.PID + "/environ", "PATH=/usr/bin\0LD_PRELOAD=/tmp/x.so\0");
        assertEquals(List.of("environment"), failed(verify()));
    }

    @Test
    void failsOnAnFdToAnUnplannedHostFile() {
        p.link(FakeProc.PID + "/fd/11", "/etc/shadow"); // (the device model's own /tmp/* would count as internal)
        assertEquals(List.of("no fd to an unplanned host path"), failed(verify()));
    }

    @Test
    void failsWhenQmpIsNoLongerTheListeningSocket() {
        p.link(FakeProc.PID + "/fd/3", "socket:[778]");
        assertEquals(List.of("fd 3"), failed(verify()));
    }

    @Test
    void failsWhenTheDiskIsNotOpen() {
        p.link(FakeProc.PID + "/fd/9", "/dev/null");
        assertEquals(List.of("fd 5"), failed(verify()));
    }

    @Test
    void failsWhenTheLogIsNotOnItsTmpfs() {
        p.file("self/mountinfo", "");
        assertEquals(List.of("log and console on their bounded tmpfs"), failed(verify()));
    }
}
