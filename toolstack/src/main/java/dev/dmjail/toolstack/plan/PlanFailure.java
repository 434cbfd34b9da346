package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;

/** The domain cannot be planned; the message is one line naming file, line and key where known. */
public class PlanFailure extends DmjailException {
    public PlanFailure(String message) { super(ExitCodes.BAD_CONFIG, oneLine(message)); }

    /** Config values can hold newlines (xl's \n escape): escape them as ConfigException does. */
    static String oneLine(String message) {
        return message == null ? null : message.replace("\r", "\\r").replace("\n", "\\n");
    }
}
