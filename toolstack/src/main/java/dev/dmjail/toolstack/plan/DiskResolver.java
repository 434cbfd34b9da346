package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DiskSpec;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.PlanException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves each xl disk to the host file the launcher will open, and decides whether it may be one.
 * The admin's symlinks are followed once, here (toRealPath); the canonical path is then opened with
 * no symlink allowed on the way and O_NONBLOCK ({@link SafeFile}), and the opened fd decides: its
 * type, its link count, where it lives ({@link DiskAdmission}), and its identity (dev:ino), which
 * the launcher checks again on its own open, so a file swapped in between plan and launch is refused.
 */
public final class DiskResolver {

    private static final Pattern IDE = Pattern.compile("(?:hd|xvd)([a-d])");

    private final DiskAdmission admission;

    DiskResolver(HostPolicy policy, List<DiskAdmission.InUse> inUse) {
        this.admission = new DiskAdmission(policy, inUse);
    }

    /**
     * @param strict create: every target must exist and be usable; dry run: problems become warnings
     */
    public List<ResolvedDisk> resolve(List<DiskSpec> disks, int line, boolean strict, List<String> warnings)
            throws PlanException {
        List<ResolvedDisk> out = new ArrayList<>();
        for (DiskSpec d : disks) {
            boolean cdrom = "cdrom".equals(d.devtype());
            String vdev = d.vdev();
            if (vdev == null || !vdev.matches("[a-z]{2,3}[a-z0-9]*")) {
                throw new PlanException("disk", "line " + line + ": bad vdev '" + vdev + "'");
            }
            Matcher m = IDE.matcher(vdev);
            int ide = m.matches() ? m.group(1).charAt(0) - 'a' : -1;
            if (ide >= 0 && !cdrom && !d.readWrite()) {
                // QEMU's ide-hd cannot be read-only ("Block node is read-only" at start); libxl refuses
                // it too ("qemu-xen doesn't support read-only IDE disk drivers", libxl_dm.c)
                String why = vdev + ": a read-only disk cannot be IDE (QEMU's ide-hd has no read-only mode): "
                        + "use a virtio vdev (xvde and up, vd*) or access=rw";
                if (strict) {
                    throw new PlanException("disk", why);
                }
                warnings.add("disk: " + why + "; create would refuse it");
            }
            String target = d.target();
            if (target == null || target.isEmpty()) {
                if (!cdrom) {
                    throw new PlanException("disk", "line " + line + ": " + vdev + ": no target");
                }
                out.add(new ResolvedDisk(vdev, null, "raw", false, true, ide, 0, line, null));
                continue;
            }
            if (target.indexOf('\0') >= 0 || target.indexOf('\n') >= 0) {
                throw new PlanException("disk", vdev + ": target contains a NUL or newline");
            }
            String format = qemuFormat(d.format(), vdev);
            boolean writable = d.readWrite() && !cdrom;
            Path p = Path.of(target).toAbsolutePath();
            try {
                out.add(open(p.toRealPath(), vdev, target, format, writable, cdrom, ide, line));
            } catch (IOException e) {
                if (strict) {
                    throw new PlanException("disk", vdev + ": cannot use target " + target + ": " + describe(e));
                }
                warnings.add("disk: " + vdev + ": target " + target + " is not accessible (" + describe(e)
                        + "); create would refuse it");
                out.add(new ResolvedDisk(vdev, p.normalize().toString(), format, writable, cdrom, ide, 0, line, null));
            }
        }
        return out;
    }

    /**
     * Decides on the file at {@code real} without following a symlink on the way: first an O_PATH
     * open (no device open, no FIFO wait: open(2) O_PATH) whose fstat the admission judges, then,
     * for a regular file, a read-only open of the same path whose identity must match, to read its
     * header. A block device is opened for real only by the launcher, which checks the identity again.
     */
    private ResolvedDisk open(Path real, String vdev, String target, String format, boolean writable, boolean cdrom,
                              int ide, int line) throws PlanException {
        SafeFile.Stat st = statNoFollow(real, Sys.O_PATH, vdev, target);
        String why = admission.refusal(real, st, writable);
        if (why != null) {
            throw new PlanException("disk", vdev + ": " + target + " " + why);
        }
        long size = 0;
        if (st.regular()) {
            SafeFile.Opened o = openNoFollow(real, Sys.O_RDONLY, vdev, target);
            try {
                SafeFile.Stat again = SafeFile.fstat(o.fd());
                if (again == null || !again.identity().equals(st.identity())) {
                    throw new PlanException("disk", vdev + ": " + target + " changed while it was being checked");
                }
                size = again.size();
                if (format.equals("qcow2")) {
                    Qcow2Header q = Qcow2Header.read(o.fd());
                    if (q == null) {
                        throw new PlanException("disk", vdev + ": " + target + " is not a qcow2 image (format=qcow2)");
                    }
                    if (q.hasBacking()) {
                        throw new PlanException("disk", vdev + ": " + target + " has a backing file; QEMU would open "
                                + "it by path, which its private root does not hold (flatten the image first)");
                    }
                    size = Math.max(size, q.maxFileBytes()); // it grows up to this (the RLIMIT_FSIZE floor)
                }
            } finally {
                SafeFile.close(o.fd());
            }
        }
        return new ResolvedDisk(vdev, real.toString(), format, writable, cdrom, ide, size, line, st.identity());
    }

    private static SafeFile.Stat statNoFollow(Path real, int flags, String vdev, String target) throws PlanException {
        SafeFile.Opened o = openNoFollow(real, flags, vdev, target);
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null) {
                throw new PlanException("disk", vdev + ": cannot use target " + target + ": fstat: "
                        + Sys.strerror(Sys.errno()));
            }
            return st;
        } finally {
            SafeFile.close(o.fd());
        }
    }

    private static SafeFile.Opened openNoFollow(Path real, int flags, String vdev, String target) throws PlanException {
        SafeFile.Opened o = SafeFile.open(real.toString(), flags, 0);
        if (!o.ok()) {
            throw new PlanException("disk", vdev + ": cannot use target " + target + ": open " + real + ": "
                    + Sys.strerror(o.errno()) + (o.errno() == Sys.ELOOP ? " (a symlink appeared on the path)" : ""));
        }
        return o;
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    static String qemuFormat(String xlFormat, String vdev) throws PlanException {
        String f = xlFormat == null ? "raw" : xlFormat.toLowerCase(Locale.ROOT);
        return switch (f) {
            case "raw", "empty" -> "raw";
            case "qcow" -> "qcow";
            case "qcow2" -> "qcow2";
            case "vhd" -> "vpc";
            case "qed" -> "qed";
            default -> throw new PlanException("disk", vdev + ": format '" + f + "' is not supported by the qemu backend");
        };
    }
}
