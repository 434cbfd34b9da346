package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.host.ImageDirs;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which opened files may become a guest's disk: an allow-list, decided on the opened file's fstat
 * (never a stat of the name). A regular file with one hard link inside the host's image_dirs; or a
 * block device under /dev that is not mounted (its filesystem's content would reach the guest), not
 * held by LVM/RAID/dm-crypt, not swap, and whose partitions are none of these either. Another
 * running domain's disk of this host is refused unless both open it read-only.
 */
final class DiskAdmission {

    /** A disk another domain of this host holds: its identity and whether it is open read-write. */
    record InUse(String domain, String identity, boolean writable) {}

    private final HostPolicy policy;
    private final List<InUse> inUse;

    DiskAdmission(HostPolicy policy, List<InUse> inUse) {
        this.policy = policy;
        this.inUse = inUse;
    }

    /** Null when {@code st} (the opened file at canonical path {@code real}) may be the disk; else why not. */
    String refusal(Path real, SafeFile.Stat st, boolean writable) {
        if (!st.regular() && !st.block()) {
            return "is " + st.typeName() + ", not a regular file or block device";
        }
        Path sys = ImageDirs.systemDirOf(real);
        if (sys != null) {
            return "resolves to " + real + ", under " + sys + ", which the host depends on and holds no guest images";
        }
        for (Path own : List.of(policy.stateDir(), policy.logDir())) {
            Path dir = StateStore.canonical(own);
            if (real.startsWith(dir)) {
                return "resolves to " + real + ", under dmjail's own " + dir + " (domains' state, sockets and logs)";
            }
        }
        if (st.regular()) {
            if (real.startsWith("/dev")) {
                return "resolves to " + real + ", a regular file under /dev (only block devices are taken from /dev)";
            }
            if (st.nlink() != 1) {
                return "has " + st.nlink() + " hard links; another name of it could be a file the host depends on";
            }
            if (!ImageDirs.any(policy) && ImageDirs.allowedDirOf(policy, real) == null) {
                return "resolves to " + real + ", outside the host's image_dirs (" + String.join(", ", policy.imageDirs())
                        + "); move the image there or ask the admin to add its directory";
            }
        } else {
            if (!real.startsWith("/dev")) {
                return "resolves to " + real + ", a block device node outside /dev";
            }
            if (!ImageDirs.any(policy) && ImageDirs.allowedDirOf(policy, real) == null) {
                return "is a block device, and /dev is not in the host's image_dirs (block devices are not allowed here)";
            }
            String busy = blockDeviceInUse(st.rdevMajor(), st.rdevMinor());
            if (busy != null) {
                return busy;
            }
        }
        for (InUse u : inUse) {
            if (u.identity().equals(st.identity()) && (writable || u.writable())) {
                return "is already a disk of domain " + u.domain() + (u.writable() ? " (read-write)" : " (read-only)")
                        + "; two domains may share a disk only when both open it read-only";
            }
        }
        return null;
    }

    /** Why the block device MAJ:MIN (or one of its partitions) must not be a guest disk, or null. */
    static String blockDeviceInUse(int major, int minor) {
        List<String> devs = new ArrayList<>(List.of(major + ":" + minor));
        Path sysdev = Path.of("/sys/dev/block", major + ":" + minor);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sysdev)) {
            for (Path p : ds) {
                Path dev = p.resolve("dev");
                if (Files.isRegularFile(p.resolve("partition")) && Files.isRegularFile(dev)) {
                    devs.add(Files.readString(dev).strip());
                }
            }
        } catch (IOException e) {
            // no sysfs entry: judge the device alone
        }
        List<String> mountinfo = lines(Path.of("/proc/self/mountinfo"));
        for (String d : devs) {
            for (String l : mountinfo) {
                String[] f = l.split(" ", 6);
                if (f.length > 4 && f[2].equals(d)) {
                    return "is block device " + d + (d.equals(devs.get(0)) ? "" : " (a partition of it)")
                            + ", mounted on " + f[4] + " on this host";
                }
            }
            Path holders = Path.of("/sys/dev/block", d, "holders");
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(holders)) {
                for (Path h : ds) {
                    return "is block device " + d + ", held by " + h.getFileName() + " (LVM, RAID or dm-crypt on top of it)";
                }
            } catch (IOException e) {
                // no holders directory
            }
        }
        for (String l : lines(Path.of("/proc/swaps")).stream().skip(1).toList()) {
            String path = l.split("\\s+")[0];
            try {
                Object rdev = Files.getAttribute(Path.of(path), "unix:rdev");
                long r = ((Number) rdev).longValue();
                String d = Sys.major(r) + ":" + Sys.minor(r);
                if (devs.contains(d)) {
                    return "is block device " + d + ", used as swap on this host";
                }
            } catch (IOException | RuntimeException e) {
                // a swap file, or gone
            }
        }
        return null;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p);
        } catch (IOException e) {
            return List.of();
        }
    }
}
