package dev.dmjail.uidrange.install;

/** Why the range cannot be (or is not safely) provisioned; message names the exact user/group/range. */
public record Conflict(Kind kind, String message) {
    public enum Kind {
        /** A user other than the range base has a uid in [base, base+32752). */
        USER_IN_RANGE,
        /** A group other than the range base group has a gid in the range. */
        GROUP_IN_RANGE,
        /** An /etc/subuid entry overlaps the range. */
        SUBUID_OVERLAP,
        /** An /etc/subgid entry overlaps the range. */
        SUBGID_OVERLAP,
        /** login.defs lets useradd/groupadd allocate ids inside the range. */
        LOGIN_DEFS_OVERLAP,
        /** The range holds a reserved id (65535, 4294967295) or leaves the 32-bit id space. */
        RESERVED_ID,
        /** xen-qemuuser-range-base already exists at another uid. */
        BASE_USER_MISMATCH,
        /** A group named xen-qemuuser-range-base already exists at another gid. */
        BASE_GROUP_MISMATCH,
        /** A user/group dmjail would create already exists with an unexpected id. */
        NAME_TAKEN
    }

    @Override
    public String toString() {
        return kind + ": " + message;
    }
}
