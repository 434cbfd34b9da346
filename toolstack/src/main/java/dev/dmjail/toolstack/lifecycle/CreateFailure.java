package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;

/** create failed; everything it had prepared has been released. The message is one line. */
public class CreateFailure extends DmjailException {
    public CreateFailure(String message) { super(ExitCodes.FAILED, message); }
}
