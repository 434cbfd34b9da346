package dev.dmjail.launcher.spec;

/** A section of the launch spec breaks one of its rules; {@code errno} is the one the launcher reports. */
public final class SpecException extends Exception {
    private final String section;
    private final int errno;

    public SpecException(String section, int errno, String message) {
        super(message);
        this.section = section;
        this.errno = errno;
    }

    public String section() {
        return section;
    }

    public int errno() {
        return errno;
    }

    /** errno values used by the rules (asm-generic/errno-base.h, errno.h). */
    static final int EBADF = 9, EINVAL = 22, ENAMETOOLONG = 36;
}
