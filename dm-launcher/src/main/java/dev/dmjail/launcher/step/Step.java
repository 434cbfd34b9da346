package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.Section;
import dev.dmjail.launcher.sys.Sys;

/**
 * The launcher half of one layer: it applies that layer's {@link Section} of the spec to the
 * launcher itself. A step runs only when its section is in the spec (absent = the layer is switched
 * off). {@link #prepare} runs for every present step before the first {@link #apply}: it reads what it
 * needs from the host and builds what it can, without side effects on the host, so that a bad spec
 * fails before anything was changed (the section's own rules ran before, in its {@code validate()}).
 * {@link #apply} then runs in order on the launcher's single thread.
 *
 * @param <S> the section this step applies
 */
public abstract class Step<S extends Section> {
    private final String name;
    private final String section;
    private final Class<S> sectionType;

    /** A layer's step: named like its layer and its section. */
    protected Step(String layer, Class<S> sectionType) {
        this(layer, layer, sectionType);
    }

    protected Step(String name, String section, Class<S> sectionType) {
        this.name = name;
        this.section = section;
        this.sectionType = sectionType;
    }

    /** The step's name as reported in errors (the layer's name). */
    public final String name() {
        return name;
    }

    /** The key of the section this step applies. */
    public final String section() {
        return section;
    }

    public final Class<S> sectionType() {
        return sectionType;
    }

    /**
     * Calls, harmlessly, every native binding this step uses after pivot_root, so that jnr-ffi's
     * marshalling classes are loaded while the host's classpath and jffi's stub are still reachable
     * (the pivot takes them away). {@link dev.dmjail.launcher.Launcher#steps()} is the list this
     * runs over, so a step added there declares its own preload here.
     */
    public void preload() {}

    /**
     * A section that exercises this step's prepare without touching the host, for the class-data-sharing
     * training run ({@code LauncherMain --cds-training}, a dry run); null to leave the step out of it.
     *
     * @param tmp a directory that exists (java.io.tmpdir)
     */
    public abstract S trainingSection(String tmp);

    public void prepare(LaunchContext ctx, S section) throws LaunchException {}

    public abstract void apply(LaunchContext ctx, S section) throws LaunchException;

    /** Best-effort undo after a later step failed (the launcher exits right after). */
    public void abort(LaunchContext ctx) {}

    /** Prepares when the spec holds this step's section. */
    public final void prepareIn(LaunchContext ctx) throws LaunchException {
        S s = ctx.spec.section(sectionType);
        if (s != null) {
            prepare(ctx, s);
        }
    }

    /** Applies when the spec holds this step's section. */
    public final void applyIn(LaunchContext ctx) throws LaunchException {
        S s = ctx.spec.section(sectionType);
        if (s != null) {
            apply(ctx, s);
        }
    }

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
