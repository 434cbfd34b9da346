package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;

/**
 * The domain config cannot be planned, as the CLI reports it: one line, {@code FILE:LINE: KEY: reason}
 * (or {@code FILE: KEY: reason} when the key has no line, {@code config.ConfigException#where}), exit
 * {@link ExitCodes#BAD_CONFIG}. Made only by the planner, which knows the file, from a
 * {@link dev.dmjail.toolstack.layer.PlanException} (the unlocated refusal of a layer or planner part)
 * or from its own checks; never caught to be re-thrown differently.
 */
public class PlanFailure extends DmjailException {
    public PlanFailure(String message) { super(ExitCodes.BAD_CONFIG, oneLine(message)); }

    /** Config values can hold newlines (xl's \n escape): escape them as ConfigException does. */
    static String oneLine(String message) {
        return message == null ? null : message.replace("\r", "\\r").replace("\n", "\\n");
    }
}
