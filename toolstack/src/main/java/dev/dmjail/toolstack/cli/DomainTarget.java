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
                    + RunState.of(r, ts.store().paths(r)) + "); dmjail destroy " + r.name() + " cleans it up");
        }
    }

    /** The body of a change to a running domain: an IOException is the command's failure (exit 1, one line). */
    interface Change {
        void apply(DomainRecord r) throws DmjailException, IOException;
    }

    /**
     * A change to a running domain (cd-insert, block-*, network-*), under the host lock so two changes
     * and a create never interleave: the domain found and running, then {@code body}.
     */
    static void change(Toolstack ts, String command, String domain, Change body) throws DmjailException {
        try {
            ts.store().<Void, DmjailException>locked(() -> {
                DomainRecord r = find(ts, command, domain);
                requireRunning(ts, command, r);
                try {
                    body.apply(r);
                } catch (IOException e) {
                    throw new DmjailException(ExitCodes.FAILED, command + ": "
                            + dev.dmjail.toolstack.text.Printable.line(String.valueOf(e.getMessage())));
                }
                return null;
            });
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, command + ": " + e.getMessage());
        }
    }

    /** Runs one QMP command on a running domain's device model; FAILED, one line, when it does not answer. */
    static JsonNode qmp(Toolstack ts, String command, DomainRecord r, String qmpCommand, JsonNode arguments)
            throws DmjailException {
        requireRunning(ts, command, r);
        try {
            return DomainControl.qmp(ts.store().paths(r), qmpCommand, arguments);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, command + ": the device model of " + r.name()
                    + " did not carry out QMP " + qmpCommand + " within " + DomainControl.QMP_DEADLINE_MILLIS + " ms: "
                    + e.getMessage());
        }
    }
}
