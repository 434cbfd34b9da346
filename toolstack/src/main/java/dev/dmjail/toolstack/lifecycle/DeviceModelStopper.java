package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.util.Optional;

/**
 * Stops a device model politely then firmly: QMP "quit", SIGTERM, SIGKILL, each with a short grace
 * period. The pid is only signalled while its start time matches the one recorded at create, so a
 * reused pid is never hit.
 */
final class DeviceModelStopper {
    private DeviceModelStopper() {}

    static void stop(DomainRecord rec, DomainPaths paths) {
        if (rec.pid() == null) {
            return;
        }
        ProcessView pv = new ProcessView(rec.pid());
        if (!sameProcess(pv, rec)) {
            return;
        }
        long deadline = System.nanoTime() + 300_000_000L;
        try (QmpClient q = QmpClient.connect(paths.qmpSocket(), deadline)) {
            q.execute("quit", deadline);
        } catch (IOException e) {
            // not answering: signals below
        }
        if (waitGone(pv, rec, 300)) {
            return;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(rec.pid());
        h.ifPresent(ProcessHandle::destroy);
        if (waitGone(pv, rec, 300)) {
            return;
        }
        h.ifPresent(ProcessHandle::destroyForcibly);
        waitGone(pv, rec, 1000);
    }

    private static boolean sameProcess(ProcessView pv, DomainRecord rec) {
        return pv.aliveAndStartedAt(rec.pidStartTime());
    }

    private static boolean waitGone(ProcessView pv, DomainRecord rec, long millis) {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            if (!sameProcess(pv, rec)) {
                return true;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !sameProcess(pv, rec);
    }
}
