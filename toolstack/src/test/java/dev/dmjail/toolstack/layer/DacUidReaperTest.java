package dev.dmjail.toolstack.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dmjail.toolstack.proc.ProcessScan;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Kill-by-uid for real: processes of a throwaway uid die, a process of another uid survives. */
class DacUidReaperTest {

    @Test
    void killsEveryProcessOfTheUidAndNothingElse() throws Exception {
        int victimUid = 65000 + (int) (ProcessHandle.current().pid() % 400);
        int otherUid = victimUid + 500;
        List<Process> victims = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            victims.add(new ProcessBuilder("setpriv", "--reuid", "" + victimUid, "--regid", "" + victimUid,
                    "--clear-groups", "sleep", "60").start());
        }
        Process other = new ProcessBuilder("setpriv", "--reuid", "" + otherUid, "--regid", "" + otherUid,
                "--clear-groups", "sleep", "60").start();
        try {
            Thread.sleep(200);
            assertEquals(3, ProcessScan.liveProcessesOfUid(victimUid).size());
            DacUidReaper.killAll(victimUid, victimUid - 1);  // a uid that owns no process, like the range base
            for (Process v : victims) {
                assertTrue(v.waitFor(5, TimeUnit.SECONDS), "victim still alive");
            }
            assertEquals(List.of(), ProcessScan.liveProcessesOfUid(victimUid));
            assertTrue(other.isAlive(), "a process of another uid was killed");
            assertFalse(ProcessScan.liveProcessesOfUid(otherUid).isEmpty());
        } finally {
            victims.forEach(Process::destroyForcibly);
            other.destroyForcibly();
        }
    }

    @Test
    void refusesRoot() {
        assertThrows(IllegalArgumentException.class, () -> DacUidReaper.killAll(0, 65536));
    }
}
