package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.sys.Sys;

/**
 * One layer the launcher applies to itself. {@link #prepare} runs for every step before the first
 * {@link #apply}: it validates its section of the spec, reads what it needs from the host and
 * builds what it can, without side effects on the host, so that a bad spec fails before anything
 * was changed. {@link #apply} then runs in order on the launcher's single thread.
 */
public abstract class Step {
    private final String name;

    protected Step(String name) {
        this.name = name;
    }

    /** The step's name as reported in errors. */
    public final String name() {
        return name;
    }

    /**
     * Calls, harmlessly, every native binding this step uses after pivot_root, so that jnr-ffi's
     * marshalling classes are loaded while the host's classpath and jffi's stub are still reachable
     * (the pivot takes them away). {@link dev.dmjail.launcher.Launcher#steps()} is the list this
     * runs over, so a step added there declares its own preload here.
     */
    public void preload() {}

    public void prepare(LaunchContext ctx) throws LaunchException {}

    public abstract void apply(LaunchContext ctx) throws LaunchException;

    /** Best-effort undo after a later step failed (the launcher exits right after). */
    public void abort(LaunchContext ctx) {}

    protected final LaunchException fail(int errno, String message) {
        return new LaunchException(name, errno, message);
    }

    /** Throws with the current errno when {@code rc < 0}. */
    protected final void check(long rc, String what) throws LaunchException {
        if (rc < 0) {
            throw fail(Sys.errno(), what);
        }
    }
}
