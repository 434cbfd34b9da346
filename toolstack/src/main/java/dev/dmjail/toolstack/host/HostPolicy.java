package dev.dmjail.toolstack.host;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Host-wide policy, read from {@code /etc/dmjail/dmjail.conf} (see {@link HostConfigLoader} and
 * {@code docs/dmjail.conf.example}). In the spirit of libvirt's qemu.conf and Xen's xl.conf: which
 * device model, which users, which layers are on, and whether domains may weaken them.
 */
public record HostPolicy(
        Path qemuBinary,
        String backend,
        String accel,
        String rangeBaseUser,
        String sharedUser,
        String reaperUser,
        boolean allowRootFallback,
        boolean selinux,
        Set<String> namespaces,
        boolean seccompSandbox,
        boolean seccompLauncher,
        boolean filesystem,
        List<String> cgroupControllers,
        List<String> cgroupDeviceAcl,
        long rlimitsFsizeBytes,
        long rlimitsNofile,
        long cgroupMemoryOverheadMiB,
        long cgroupPidsMax,
        long filesystemTmpfsBytes,
        Path stateDir,
        Path logDir,
        int logRotateKeep,
        boolean requireConfined,
        long qmpTimeoutMillis,
        List<String> imageDirs,
        long logMaxBytes,
        long consoleMaxBytes) {

    /** The image_dirs value that lifts the directory rule (WEAKENED in every plan). */
    public static final String ANY_IMAGE_DIR = "any";

    /** Where guest images may live unless the admin adds more; /dev is where block devices are. */
    public static final List<String> DEFAULT_IMAGE_DIRS = List.of("/var/lib/dmjail/images", "/dev");

    /** Every namespace the namespaces layer knows, its parts. */
    public static final List<String> ALL_NAMESPACES = dev.dmjail.toolstack.layer.NamespaceLayer.PARTS;

    public static HostPolicy defaults() {
        return new HostPolicy(
                Path.of("/usr/bin/qemu-system-x86_64"),
                "qemu",
                "auto",
                "xen-qemuuser-range-base",
                "xen-qemuuser-shared",
                "dmjail-reaper",
                false,
                true,
                Set.copyOf(ALL_NAMESPACES),
                true,
                true,
                true,
                dev.dmjail.toolstack.layer.CgroupLayer.CONTROLLERS,
                List.of("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/kvm"),
                256 * 1024,
                1024,
                384,
                128,
                16L * 1024 * 1024,
                Path.of("/run/dmjail"),
                Path.of("/var/log/dmjail"),
                10,
                false,
                10_000,
                DEFAULT_IMAGE_DIRS,
                256 * 1024,
                2048 * 1024); // the console: 2 MiB of a guest's serial output (issue 11)
    }
}
