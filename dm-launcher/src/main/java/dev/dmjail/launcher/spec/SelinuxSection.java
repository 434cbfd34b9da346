package dev.dmjail.launcher.spec;

/** The selinux layer's section: the label the spawned exec transitions to (/proc/thread-self/attr/exec). */
public record SelinuxSection(String execLabel) implements Section {
    public static final String NAME = "selinux";

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        if (execLabel == null || execLabel.isEmpty() || execLabel.indexOf('\0') >= 0) {
            throw new SpecException(NAME, SpecException.EINVAL, "bad SELinux label \"" + execLabel + "\"");
        }
    }
}
