package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;

/**
 * Drives a running device model through QMP for the life-cycle commands (pause, unpause, reset,
 * shutdown, reboot): one command per connection, every read under a deadline, so a device model
 * that accepted the connection but hangs cannot hang the toolstack.
 */
public final class DomainControl {
    /** How long one life-cycle QMP command may take, connect and handshake included. */
    public static final long QMP_DEADLINE_MILLIS = 3000;
    private static final long POLL_MILLIS = 100;

    private DomainControl() {}

    /** True while the recorded device model process is alive and is still the one create started. */
    public static boolean deviceModelAlive(DomainRecord r) {
        return r.pid() != null && new ProcessView(r.pid()).aliveAndStartedAt(r.pidStartTime());
    }

    /** Runs {@code command} (with {@code arguments}, or null) on the domain's QMP socket. */
    public static JsonNode qmp(DomainPaths paths, String command, JsonNode arguments) throws IOException {
        long deadline = System.nanoTime() + QMP_DEADLINE_MILLIS * 1_000_000L;
        try (QmpClient q = QmpClient.connect(paths.qmpSocket(), deadline)) {
            return q.execute(command, arguments, deadline);
        }
    }

    /**
     * True when the guest has powered off: the device model exited (QEMU runs without
     * -no-shutdown, so an ACPI power-off ends it), or QEMU reports run state "shutdown".
     */
    public static boolean poweredOff(DomainRecord r, DomainPaths paths) {
        // RunState: "crashed" once the process is gone; "unresponsive" (keep waiting) while it exits
        String s = RunState.of(r, paths);
        return s.equals("crashed") || s.equals("shutdown");
    }

    /**
     * The device model was told to keep a guest that powers off (on_poweroff=preserve: QEMU's
     * {@code -action shutdown=pause}, plan/ShutdownActions), as its stored argv says.
     */
    public static boolean preservedOnPoweroff(DomainRecord r) {
        JsonNode argv = r.plan() == null ? null : r.plan().path("argv");
        if (argv == null) {
            return false;
        }
        for (int i = 0; i + 1 < argv.size(); i++) {
            if (argv.get(i).asText().equals("-action") && argv.get(i + 1).asText().startsWith("shutdown=pause")) {
                return true;
            }
        }
        return false;
    }

    /** Polls {@link #poweredOff} until it holds (true) or {@code timeoutMillis} pass (false). */
    public static boolean awaitPowerOff(DomainRecord r, DomainPaths paths, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            if (poweredOff(r, paths)) {
                return true;
            }
            if (System.nanoTime() - end >= 0) {
                return false;
            }
            Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, (end - System.nanoTime()) / 1_000_000L)));
        }
    }
}
