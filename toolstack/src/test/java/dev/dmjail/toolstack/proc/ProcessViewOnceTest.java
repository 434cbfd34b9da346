package dev.dmjail.toolstack.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An audit's view reads each /proc entry once (issue 14); a plain view reads every time. */
class ProcessViewOnceTest {

    @Test
    void onceKeepsWhatItReadAndAPlainViewDoesNot(@TempDir Path proc) throws IOException {
        Path p = Files.createDirectories(proc.resolve("4242"));
        Files.createDirectories(p.resolve("task/4242"));
        Files.writeString(p.resolve("status"), "Name:\tqemu\nState:\tS (sleeping)\nUid:\t65537\t65537\t65537\t65537\n");
        Files.writeString(p.resolve("task/4242/status"), "Name:\tqemu\nSeccomp:\t2\n");
        Files.writeString(p.resolve("limits"), "Max core file size        0                    0                    bytes\n");
        ProcessView plain = new ProcessView(proc, 4242);
        ProcessView once = plain.once();
        assertEquals("65537\t65537\t65537\t65537", once.status().orElseThrow().get("Uid"));
        assertEquals("2", once.threadStatuses().get(4242).get("Seccomp"));
        assertEquals(1, once.limits().size());

        Files.writeString(p.resolve("status"), "Name:\tqemu\nState:\tZ (zombie)\nUid:\t0\t0\t0\t0\n");
        Files.writeString(p.resolve("task/4242/status"), "Name:\tqemu\nSeccomp:\t0\n");
        Files.writeString(p.resolve("limits"), "");
        assertEquals("65537\t65537\t65537\t65537", once.status().orElseThrow().get("Uid"));
        assertEquals(true, once.alive());
        assertEquals("2", once.threadStatuses().get(4242).get("Seccomp"));
        assertEquals(1, once.limits().size());

        assertEquals("0\t0\t0\t0", plain.status().orElseThrow().get("Uid"));
        assertEquals(false, plain.alive());
        assertEquals("0", plain.threadStatuses().get(4242).get("Seccomp"));
        assertEquals(List.of(), plain.limits());
        assertEquals(false, once.other(4242).alive(), "a view of another process made from it reads afresh");
    }
}
