package dev.dmjail.launcher.step;

import dev.dmjail.launcher.spec.LaunchSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /**
     * What a step proved in force that the kernel shows nowhere in /proc (Landlock's probe), by step
     * name: sent back to the toolstack with the pid, which keeps it with the layer's plan for the audit.
     */
    public final Map<String, String> proofs = new LinkedHashMap<>();

    public LaunchContext(LaunchSpec spec) {
        this.spec = spec;
    }
}
