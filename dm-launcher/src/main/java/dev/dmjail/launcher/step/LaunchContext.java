package dev.dmjail.launcher.step;

import dev.dmjail.launcher.spec.LaunchSpec;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/** State the steps hand to each other; used by the launcher thread only. */
public final class LaunchContext {
    /** An fd opened by the launcher (CLOEXEC, numbered above every target) and its target number. */
    public record OpenFd(int fd, int target) {}

    public final LaunchSpec spec;
    public final List<OpenFd> openFds = new ArrayList<>();
    /** Native memory that must stay reachable until the spawn. */
    public final List<Pointer> keepAlive = new ArrayList<>();
    /** Set once the root was pivoted: host paths are unreachable from then on. */
    public boolean pivoted;
    /** Host pid of the spawned device model, once spawned. */
    public int pid = -1;
    /** What the landlock step proved in force (ABI, probe), or null when it did not run. */
    public String landlock;

    public LaunchContext(LaunchSpec spec) {
        this.spec = spec;
    }
}
