package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;

/** The domain cannot be planned; the message is one line naming file, line and key where known. */
public class PlanFailure extends DmjailException {
    public PlanFailure(String message) { super(ExitCodes.BAD_CONFIG, message); }
}
