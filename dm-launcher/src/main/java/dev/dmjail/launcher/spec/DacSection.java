package dev.dmjail.launcher.spec;

/**
 * The dac layer's section: the uid switch. Groups are always emptied (setgroups(0, NULL)) before
 * setresgid/setresuid.
 *
 * @param clearCapabilities drop every capability from the bounding and ambient sets
 * @param noNewPrivs        PR_SET_NO_NEW_PRIVS
 */
public record DacSection(int uid, int gid, boolean clearCapabilities, boolean noNewPrivs) implements Section {
    public static final String NAME = "dac";

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        if (uid == -1 || gid == -1) {
            throw new SpecException(NAME, SpecException.EINVAL, "uid " + Integer.toUnsignedString(uid) + " / gid "
                    + Integer.toUnsignedString(gid) + ": (uid_t)-1 means \"unchanged\" and is not a valid identity");
        }
        if (uid < 0 || gid < 0) {
            throw new SpecException(NAME, SpecException.EINVAL, "uid/gid must be in 0..2^31-1, got " + uid + "/" + gid);
        }
    }
}
