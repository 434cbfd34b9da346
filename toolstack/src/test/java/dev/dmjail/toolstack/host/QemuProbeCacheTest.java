package dev.dmjail.toolstack.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The probe's answer is kept across commands (a fresh process is {@link QemuProbe#forgetInMemory}) in a root-owned
 * 0600 file in the state dir, keyed by the binary's identity: a "QEMU" that counts its runs shows when it was probed.
 * The probe runs it as nobody, so it lives in a directory nobody can reach, and counts in one nobody can write.
 */
class QemuProbeCacheTest {

    private Path dir;
    private Path stateDir;
    private Path qemu;
    private Path runs;

    @BeforeEach
    void fakeQemu() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "xd-probe");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path counts = Files.createDirectory(dir.resolve("runs"));
        Files.setPosixFilePermissions(counts, PosixFilePermissions.fromString("rwxrwxrwx"));
        runs = counts.resolve("n");
        stateDir = Files.createDirectory(dir.resolve("state"));
        qemu = dir.resolve("qemu-system-x86_64");
        Files.writeString(qemu, "#!/bin/sh\necho x >> " + runs + "\n"
                + "echo 'QEMU emulator version 9.1.2 (fake)'\necho '-run-with [async-teardown=bool][,chroot=dir][user=username|uid:gid]'\n");
        Files.setPosixFilePermissions(qemu, PosixFilePermissions.fromString("rwxr-xr-x"));
        QemuProbe.forgetInMemory();
    }

    @AfterEach
    void cleanUp() throws IOException {
        QemuProbe.forgetInMemory();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private int probes() throws IOException {
        return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
    }

    /** A new command: nothing in memory. */
    private QemuFacts nextCommand() throws IOException {
        QemuProbe.forgetInMemory();
        return QemuProbe.of(qemu, stateDir);
    }

    @Test
    void aSecondCommandReadsTheCacheAndATouchedBinaryIsProbedAgain() throws Exception {
        QemuFacts first = nextCommand();
        assertEquals(new QemuFacts("9.1.2", false, false, true, true), first);
        assertEquals(1, probes());
        Path cache = stateDir.resolve(QemuProbeCache.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        assertEquals(0, (Integer) Files.getAttribute(cache, "unix:uid"));
        assertEquals(first, nextCommand());
        assertEquals(1, probes(), "the second command did not run the binary");

        Files.setLastModifiedTime(qemu, FileTime.fromMillis(Files.getLastModifiedTime(qemu).toMillis() - 60_000));
        assertEquals(first, nextCommand());
        assertEquals(2, probes(), "a binary with another mtime (and ctime) is probed again");
        assertEquals(first, nextCommand());
        assertEquals(2, probes());
    }

    @Test
    void aMalformedForeignOrOversizedCacheIsIgnoredAndRewritten() throws Exception {
        nextCommand();
        Path cache = stateDir.resolve(QemuProbeCache.FILE);
        String good = Files.readString(cache);
        int expected = 1;
        for (String bad : new String[] {"{not json", "{\"version\":2,\"entries\":{}}", good.replace("\"9.1.2\"", "9"),
                good.replace("true", "\"yes\""), " ".repeat((int) QemuProbeCache.MAX_BYTES + 1) + good}) {
            Files.writeString(cache, bad);
            nextCommand();
            assertEquals(++expected, probes(), "re-probed over: " + bad.strip().substring(0, Math.min(40, bad.strip().length())));
            assertEquals(good, Files.readString(cache), "rewritten");
        }
        // a cache anyone else may read or write, or one reached through a symlink, is not trusted
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rw-r--r--"));
        nextCommand();
        assertEquals(++expected, probes());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        Path elsewhere = dir.resolve("elsewhere.json");
        Files.move(cache, elsewhere);
        Files.createSymbolicLink(cache, elsewhere);
        nextCommand();
        assertEquals(++expected, probes());
        assertTrue(Files.isRegularFile(cache, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the symlink was replaced");
    }

    @Test
    void noStateDirNoCacheAndNoneMade() throws Exception {
        Files.delete(stateDir);
        nextCommand();
        nextCommand();
        assertEquals(2, probes());
        assertTrue(!Files.exists(stateDir), "the probe does not make the state dir (a dry run leaves the host as it was)");
    }
}
