package dev.dmjail.launcher;

/**
 * A step of the launcher failed. {@code step} names the step ("fds", "cgroup", ...), {@code errno}
 * is the system error (0 when the failure is a validation of the spec that no system call
 * reported; then the launcher still reports a fitting errno such as EINVAL).
 */
public final class LaunchException extends Exception {
    private final String step;
    private final int errno;

    public LaunchException(String step, int errno, String message) {
        super(message);
        this.step = step;
        this.errno = errno;
    }

    public String step() {
        return step;
    }

    public int errno() {
        return errno;
    }
}
