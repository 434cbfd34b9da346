package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DiskSpec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves each xl disk to the host file the launcher will open. The path is canonicalised here
 * (symlinks the admin wrote are followed once, at plan time) and the launcher opens the result with
 * O_NOFOLLOW, so a symlink swapped in later cannot redirect it.
 */
public final class DiskResolver {

    private static final Pattern IDE = Pattern.compile("(?:hd|xvd)([a-d])");

    /**
     * @param strict create: every target must exist and be usable; dry run: problems become warnings
     */
    public List<ResolvedDisk> resolve(List<DiskSpec> disks, int line, boolean strict, List<String> warnings)
            throws PlanningException {
        List<ResolvedDisk> out = new ArrayList<>();
        for (DiskSpec d : disks) {
            boolean cdrom = "cdrom".equals(d.devtype());
            String vdev = d.vdev();
            if (vdev == null || !vdev.matches("[a-z]{2,3}[a-z0-9]*")) {
                throw new PlanningException("disk", "line " + line + ": bad vdev '" + vdev + "'");
            }
            Matcher m = IDE.matcher(vdev);
            int ide = m.matches() ? m.group(1).charAt(0) - 'a' : -1;
            String target = d.target();
            if (target == null || target.isEmpty()) {
                if (!cdrom) {
                    throw new PlanningException("disk", "line " + line + ": " + vdev + ": no target");
                }
                out.add(new ResolvedDisk(vdev, null, "raw", false, true, ide, 0, line));
                continue;
            }
            if (target.indexOf('\0') >= 0 || target.indexOf('\n') >= 0) {
                throw new PlanningException("disk", vdev + ": target contains a NUL or newline");
            }
            String format = qemuFormat(d.format(), vdev);
            boolean writable = d.readWrite() && !cdrom;
            Path p = Path.of(target).toAbsolutePath();
            String host;
            long size = 0;
            try {
                Path real = p.toRealPath();
                if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS) && !isBlockDevice(real)) {
                    throw new PlanningException("disk", vdev + ": " + target + " is neither a regular file nor a block device");
                }
                refuseSystemPath(real, vdev, target);
                if (Files.isRegularFile(real)) {
                    size = Files.size(real);
                    if (format.equals("qcow2") && hasQcow2Backing(real)) {
                        throw new PlanningException("disk", vdev + ": " + target + " has a backing file; QEMU would open "
                                + "it by path, which its private root does not hold (flatten the image first)");
                    }
                }
                host = real.toString();
            } catch (IOException e) {
                if (strict) {
                    throw new PlanningException("disk", vdev + ": cannot use target " + target + ": " + describe(e));
                }
                warnings.add("disk: " + vdev + ": target " + target + " is not accessible (" + describe(e)
                        + "); create would refuse it");
                host = p.normalize().toString();
            }
            out.add(new ResolvedDisk(vdev, host, format, writable, cdrom, ide, size, line));
        }
        return out;
    }

    /**
     * Host directories a guest disk never legitimately lives in. The admin writes the config, but a
     * symlink followed at plan time (or a config written by someone less trusted) must not hand the
     * guest /etc/shadow or dmjail's own state as a disk (found by the proof tests, docs/proof).
     */
    private static final java.util.List<Path> SYSTEM_DIRS = java.util.List.of(
            Path.of("/etc"), Path.of("/proc"), Path.of("/sys"), Path.of("/boot"), Path.of("/root"), Path.of("/run"),
            Path.of("/var/log"), Path.of("/usr"), Path.of("/bin"), Path.of("/sbin"),
            Path.of("/lib"), Path.of("/lib64"));

    private static void refuseSystemPath(Path real, String vdev, String target) throws PlanningException {
        boolean blockDev;
        try {
            blockDev = isBlockDevice(real);
        } catch (IOException e) {
            blockDev = false;
        }
        if (real.startsWith("/dev") && !blockDev) {
            throw new PlanningException("disk", vdev + ": " + target + " resolves to " + real
                    + ", a device that is not a block device");
        }
        for (Path sys : SYSTEM_DIRS) {
            if (real.startsWith(sys)) {
                throw new PlanningException("disk", vdev + ": " + target + " resolves to " + real + ", under " + sys
                        + ", which holds no guest images");
            }
        }
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    static String qemuFormat(String xlFormat, String vdev) throws PlanningException {
        String f = xlFormat == null ? "raw" : xlFormat.toLowerCase(Locale.ROOT);
        return switch (f) {
            case "raw", "empty" -> "raw";
            case "qcow" -> "qcow";
            case "qcow2" -> "qcow2";
            case "vhd" -> "vpc";
            case "qed" -> "qed";
            default -> throw new PlanningException("disk", vdev + ": format '" + f + "' is not supported by the qemu backend");
        };
    }

    private static boolean isBlockDevice(Path p) throws IOException {
        Object mode = Files.getAttribute(p, "unix:mode");
        return mode instanceof Integer i && (i & 0170000) == 0060000;
    }

    /** qcow2 header: magic "QFI\xfb", then version (4 bytes), then backing_file_offset (8 bytes). */
    private static boolean hasQcow2Backing(Path p) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            if (f.length() < 16 || f.readInt() != 0x514649fb) {
                return false;
            }
            f.readInt();
            return f.readLong() != 0;
        }
    }
}
