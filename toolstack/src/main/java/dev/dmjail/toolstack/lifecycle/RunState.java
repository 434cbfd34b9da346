package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import java.io.IOException;
import java.util.Set;

/**
 * What a domain is doing, as the device model itself reports it: a live QEMU can hold a guest that
 * is paused, shut down, stopped on a KVM internal error or panicked, and `list` must not call that
 * "running" (DESIGN.md §7). QMP {@code query-status} with a short deadline; the answer comes from the
 * device model, so only QEMU's own RunState names (qapi/run-state.json) are passed on.
 */
public final class RunState {
    /** qapi/run-state.json RunState, QEMU 7.2 .. 10. */
    static final Set<String> QEMU_RUN_STATES = Set.of("debug", "inmigrate", "internal-error", "io-error", "paused",
            "postmigrate", "prelaunch", "finish-migrate", "restore-vm", "running", "save-vm", "shutdown", "suspended",
            "watchdog", "guest-panicked", "colo");
    static final long QMP_DEADLINE_NANOS = 300_000_000L;

    private RunState() {}

    /** "running", a QEMU run state, "crashed" (device model gone), "unresponsive", or the record's own state. */
    public static String of(DomainRecord r, DomainPaths paths) {
        if (r.state() != DomainState.RUNNING) {
            return r.state().name().toLowerCase(java.util.Locale.ROOT);
        }
        if (!DomainControl.deviceModelAlive(r)) {
            return "crashed";
        }
        long deadline = System.nanoTime() + QMP_DEADLINE_NANOS;
        try (QmpClient q = QmpClient.connect(paths.qmpSocket(), deadline)) {
            JsonNode status = q.execute("query-status", deadline).path("status");
            String s = status.isTextual() ? status.asText() : "";
            return QEMU_RUN_STATES.contains(s) ? s : "unknown";
        } catch (IOException e) {
            return "unresponsive";
        }
    }
}
