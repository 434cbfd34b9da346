package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Kills every process a device-model uid owns, the libxl way (kill_device_model_uid_child in
 * libxl_dm.c): a separate process with real uid = a reaper uid, effective uid = the dm uid, calls
 * kill(-1, SIGKILL). The kernel then signals every process whose real or saved uid is the dm uid
 * (kill(2) permission rules), except the killer itself; its real uid not being the dm uid means a
 * device model cannot kill or ptrace it first. util-linux's setpriv sets the ids and execs kill, so
 * no Java code runs in a forked child. The reaper uid must own no process itself (every process of
 * it would be killed too): a dedicated reaper user or the range base uid, never "nobody".
 */
public final class DacUidReaper {
    private DacUidReaper() {}

    public static void killAll(int dmUid, int reaperUid) throws IOException {
        if (dmUid == 0 || dmUid == reaperUid) {
            throw new IllegalArgumentException("refusing to kill by uid " + dmUid);
        }
        ProcessBuilder pb = new ProcessBuilder("setpriv", "--ruid", Integer.toString(reaperUid),
                "--euid", Integer.toString(dmUid), "--clear-groups", "--", "kill", "-KILL", "-1");
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("kill-by-uid helper did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        // kill exits 1 when there was nobody to signal (ESRCH): that is success for us.
    }
}
