package dev.dmjail.toolstack.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.lifecycle.DomainControl;
import dev.dmjail.toolstack.lifecycle.RunState;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import java.io.IOException;

/**
 * The shared part of the life-cycle commands: find the domain (exit 3 when there is none), check its
 * device model runs, and run one QMP command on it (exit 1, one line, when it does not answer).
 */
final class DomainTarget {
    private DomainTarget() {}

    /** The domain by name or domid, or NOT_FOUND. */
    static DomainRecord find(Toolstack ts, String command, String nameOrId) throws DmjailException {
        try {
            return ts.store().find(nameOrId)
                    .orElseThrow(() -> new DmjailException(ExitCodes.NOT_FOUND, command + ": no domain " + nameOrId));
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, command + ": cannot read the domain state: " + e.getMessage());
        }
    }

    /** Fails (FAILED) unless the domain is fully created and its device model process is alive. */
    static void requireRunning(Toolstack ts, String command, DomainRecord r) throws DmjailException {
        if (r.state() != DomainState.RUNNING || !DomainControl.deviceModelAlive(r)) {
            throw new DmjailException(ExitCodes.FAILED, command + ": the device model of " + r.name() + " is not running (state "
                    + RunState.of(r, ts.store().paths(r.name())) + "); dmjail destroy " + r.name() + " cleans it up");
        }
    }

    /** Runs one QMP command on a running domain's device model; FAILED, one line, when it does not answer. */
    static JsonNode qmp(Toolstack ts, String command, DomainRecord r, String qmpCommand, JsonNode arguments)
            throws DmjailException {
        requireRunning(ts, command, r);
        try {
            return DomainControl.qmp(ts.store().paths(r.name()), qmpCommand, arguments);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, command + ": the device model of " + r.name()
                    + " did not carry out QMP " + qmpCommand + " within " + DomainControl.QMP_DEADLINE_MILLIS + " ms: "
                    + e.getMessage());
        }
    }
}
