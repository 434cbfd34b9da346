package dev.dmjail.toolstack.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * What this host can do, detected once per command. Every "UNAVAILABLE" the audit prints traces
 * back to one of these facts. Tests derive their expectations from the same object the planner uses.
 *
 * <p>The KVM fact is probed lazily ({@link KvmProbe}: an ioctl through jnr-ffi), so commands that do
 * not plan a domain never pay for it.
 */
public final class HostFacts {

    private final Supplier<KvmProbe.Result> kvm;
    private final boolean selinuxEnabled;
    private final CgroupLayout cgroups;
    private KvmProbe.Result kvmResult;

    /**
     * @param kvmUsable       a guest can run on KVM here
     * @param selinuxEnabled  selinuxfs is mounted and reports enforce status (libselinux's is_selinux_enabled)
     * @param cgroups         the cgroup hierarchies mounted here
     */
    public HostFacts(boolean kvmUsable, boolean selinuxEnabled, CgroupLayout cgroups) {
        this(() -> new KvmProbe.Result(kvmUsable, kvmUsable ? "given" : "given as unusable"), selinuxEnabled, cgroups);
    }

    private HostFacts(Supplier<KvmProbe.Result> kvm, boolean selinuxEnabled, CgroupLayout cgroups) {
        this.kvm = kvm;
        this.selinuxEnabled = selinuxEnabled;
        this.cgroups = cgroups;
    }

    public static HostFacts detect() {
        return new HostFacts(() -> KvmProbe.probe("/dev/kvm"), selinuxDetected(), CgroupLayout.detect());
    }

    /**
     * Whether this host runs SELinux, the one test of it: selinuxfs is a filesystem of this kernel
     * and mounted (its "enforce" node exists), as libselinux's is_selinux_enabled() asks (the
     * launcher's selinux.c asks the same before it writes a label).
     */
    public static boolean selinuxDetected() {
        try {
            return dev.dmjail.toolstack.sys.Sys.readProcFile("/proc/filesystems").contains("selinuxfs")
                    && Files.exists(Path.of("/sys/fs/selinux/enforce"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** /dev/kvm opens read-write and creates a VM (not merely exists: nested hosts have dead nodes). */
    public boolean kvmUsable() {
        return kvm().usable();
    }

    /** Why KVM is or is not usable here, for plans and test reports. */
    public String kvmReason() {
        return kvm().reason();
    }

    private synchronized KvmProbe.Result kvm() {
        if (kvmResult == null) {
            kvmResult = kvm.get();
        }
        return kvmResult;
    }

    public boolean selinuxEnabled() {
        return selinuxEnabled;
    }

    public CgroupLayout cgroups() {
        return cgroups;
    }

    /**
     * This host runs on Xen with a control domain's interface (xenfs: {@code /proc/xen/capabilities},
     * which is how Xen's own scripts tell dom0): the xen backend's device models can attach here.
     */
    public static boolean isXenHost() {
        return Files.exists(Path.of("/proc/xen/capabilities"));
    }
}
