package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;

/**
 * Create's wait for the device model's QMP greeting, bounded by qmp_timeout_ms, while watching that
 * the device model is still alive (a QEMU that exits at start-up is reported with its log's tail,
 * not waited for). Each connect is bounded too: a UNIX connect(2) to a full backlog never times out.
 */
final class QmpReady {
    private QmpReady() {}

    static void await(DomainRecord rec, DomainPaths paths, long timeoutMillis) throws CreateFailure {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        ProcessView pv = new ProcessView(rec.pid());
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!pv.alive()) {
                throw new CreateFailure("the device model exited during start-up; see " + paths.log()
                        + LogTail.lastLines(paths.log(), 3));
            }
            try (QmpClient q = QmpClient.connect(paths.qmpSocket(), Math.min(deadline, System.nanoTime() + 1_000_000_000L))) {
                q.execute("query-status", deadline);
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new CreateFailure("the device model did not answer QMP within " + timeoutMillis + " ms ("
                + (last == null ? "timeout" : last.getMessage()) + "); see " + paths.log());
    }
}
