package dev.dmjail.toolstack.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The device nodes a domain's device model may use: the host's cgroup_device_acl, less /dev/kvm
 * when the domain does not run on KVM, less anything this host does not have. Both the private
 * /dev (filesystem layer, mknod) and the cgroup device allow-list come from this one list, so they
 * cannot disagree.
 */
public final class FilesystemDeviceNodes {
    private FilesystemDeviceNodes() {}

    /**
     * A character device: /dev/NAME with its numbers and the mode the node gets in the private /dev. The
     * plan's record, stored in the state file with the filesystem layer's settings (same JSON shape as the
     * launcher's {@code DeviceNode}, which state files written before this record held).
     */
    public record Node(String name, int major, int minor, int mode) {}

    public static List<Node> forDomain(PlanContext ctx) {
        List<Node> out = new ArrayList<>();
        for (String path : ctx.policy().cgroupDeviceAcl()) {
            if (path.equals("/dev/kvm") && !ctx.dm().usesKvm()) {
                continue;
            }
            Node n = stat(Path.of(path));
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    /** Major/minor from st_rdev, decoded as glibc's gnu_dev_major/gnu_dev_minor do. */
    static Node stat(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            if ((mode & 0170000) != 0020000) {
                return null;
            }
            long rdev = ((Number) Files.getAttribute(p, "unix:rdev")).longValue();
            int major = dev.dmjail.toolstack.sys.Sys.major(rdev);
            int minor = dev.dmjail.toolstack.sys.Sys.minor(rdev);
            String name = p.toString().startsWith("/dev/") ? p.toString().substring(5) : p.getFileName().toString();
            return new Node(name, major, minor, 0666);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
