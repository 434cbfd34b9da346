package dev.dmjail.toolstack.host;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this host can do, detected once per command. Every "UNAVAILABLE" the audit prints traces
 * back to one of these facts.
 *
 * @param kvmUsable       /dev/kvm opens read-write (not merely exists: nested hosts have dead nodes)
 * @param selinuxEnabled  selinuxfs is mounted and reports enforce status (libselinux's is_selinux_enabled)
 * @param cgroups         the cgroup hierarchies mounted here
 */
public record HostFacts(boolean kvmUsable, boolean selinuxEnabled, CgroupLayout cgroups) {

    public static HostFacts detect() {
        return new HostFacts(detectKvm(), detectSelinux(), CgroupLayout.detect());
    }

    static boolean detectKvm() {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.exists(kvm)) {
            return false;
        }
        try (RandomAccessFile f = new RandomAccessFile(kvm.toFile(), "rw")) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Same test as libselinux: selinuxfs mounted (it has an "enforce" node). */
    static boolean detectSelinux() {
        return Files.exists(Path.of("/sys/fs/selinux/enforce"));
    }
}
