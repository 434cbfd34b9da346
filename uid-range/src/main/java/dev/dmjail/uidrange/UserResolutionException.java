package dev.dmjail.uidrange;

/** The device model user cannot be chosen; the message is meant for the operator. */
public class UserResolutionException extends Exception {
    /** Machine-readable cause, for exit codes and tests. */
    public enum Reason {
        /** device_model_user names no passwd entry. */
        UNKNOWN_USER,
        /** The chosen user has uid 0 (libxl: "intended_uid is 0 (root)!"). */
        ROOT_REFUSED,
        /** base + domid (uid or gid) already belongs to another user or group. */
        CLASH,
        /** dm_restrict=1 but neither the range nor the shared user exists. */
        NOT_PROVISIONED,
        /** domid outside 1..32751. */
        DOMID_OUT_OF_RANGE,
        /** The base user's uid/gid puts base + domid outside the valid id space. */
        BAD_RANGE
    }

    private final Reason reason;

    public UserResolutionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
