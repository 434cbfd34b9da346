package dev.dmjail.toolstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.uidrange.PosixUserDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Dmjail processes a test runs beside itself: one stopped at a FaultPoint (DMJAIL_STOP), the receivers of
 * a migration, and what /proc says of a device model such a process made — read directly from the kernel.
 */
public final class Toolstacks {
    private Toolstacks() {}

    /** Live processes of {@code host}'s dmjail whose command line holds {@code word} (e.g. migrate-receive). */
    public static List<Long> running(TestHost host, String word) {
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).filter(pid -> {
            String cmd = cmdline(pid);
            return cmd.contains(" " + word) && cmd.contains(host.config.toString()) && cmd.contains("dev.dmjail.toolstack.Main");
        }).toList();
    }

    /** The pid of such a process once it is stopped (state T), or fails after {@code seconds}. */
    public static long awaitStopped(TestHost host, String word, int seconds) throws Exception {
        long[] found = {0};
        assertTrue(Wait.until(seconds, () -> {
            for (long pid : running(host, word)) {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("T")) {
                    found[0] = pid;
                    return true;
                }
            }
            return false;
        }), "no dmjail " + word + " stopped at its DMJAIL_STOP point within " + seconds + " s");
        return found[0];
    }

    public static void resume(long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-CONT", Long.toString(pid)).start().waitFor());
    }

    /** Waits until no such process is left (a receiver cleaning up after its sender died). */
    public static boolean awaitNone(TestHost host, String word, int seconds) throws Exception {
        return Wait.until(seconds, () -> running(host, word).isEmpty());
    }

    /**
     * From /proc: every thread of {@code pid} runs as {@code uid} (real, effective, saved, fs), the range
     * uid of {@code domid}, with no groups, no capabilities, no_new_privs and a seccomp filter.
     */
    public static void assertConfined(long pid, int uid, int domid) throws IOException {
        int base = new PosixUserDatabase().byName("xen-qemuuser-range-base").orElseThrow().uid();
        assertEquals(base + domid, uid, "the device model's uid is the range uid of its own domid");
        List<Map<String, String>> threads = ProcFacts.threads(pid);
        assertTrue(!threads.isEmpty(), "no threads of " + pid);
        for (Map<String, String> t : threads) {
            String u = uid + "\t" + uid + "\t" + uid + "\t" + uid;
            assertEquals(u, t.get("Uid"), "Uid of a thread of " + pid);
            assertEquals(u, t.get("Gid"), "Gid of a thread of " + pid);
            assertEquals("", t.get("Groups"), "Groups");
            assertEquals("0000000000000000", t.get("CapEff"), "CapEff");
            assertEquals("0000000000000000", t.get("CapPrm"), "CapPrm");
            assertEquals("1", t.get("NoNewPrivs"), "NoNewPrivs");
            assertEquals("2", t.get("Seccomp"), "Seccomp");
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
