package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DiskSpec;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
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
    private final BackingChain chains;

    DiskResolver(HostPolicy policy, List<DiskAdmission.InUse> inUse) {
        this.admission = new DiskAdmission(policy, inUse);
        this.chains = new BackingChain(admission);
    }

    /**
     * @param problems create: every target must exist and be usable; dry run: what is not is listed
     */
    public List<ResolvedDisk> resolve(List<DiskSpec> disks, int line, Problems problems) throws PlanException {
        return resolve(disks, line, problems, true);
    }

    /**
     * @param emulated the guest's disks are QEMU's emulated IDE/virtio devices (HVM); a PV/PVH guest's are Xen
     *                 PV block devices, whatever their vdev, and QEMU's IDE rules do not apply to them
     */
    List<ResolvedDisk> resolve(List<DiskSpec> disks, int line, Problems problems, boolean emulated)
            throws PlanException {
        List<ResolvedDisk> out = new ArrayList<>();
        for (DiskSpec d : disks) {
            boolean cdrom = "cdrom".equals(d.devtype());
            String vdev = d.vdev();
            if (vdev == null || !vdev.matches("[a-z]{2,3}[a-z0-9]*")) {
                // xl -N takes any vdev; libxl refuses one it cannot number at create (libxl__device_disk_dev_number)
                problems.add("disk", line, "bad vdev '" + vdev + "'");
                continue;
            }
            Matcher m = IDE.matcher(vdev);
            int ide = emulated && m.matches() ? m.group(1).charAt(0) - 'a' : -1;
            if (ide >= 0 && !cdrom && !d.readWrite()) {
                // QEMU's ide-hd cannot be read-only ("Block node is read-only" at start); libxl refuses
                // it too ("qemu-xen doesn't support read-only IDE disk drivers", libxl_dm.c)
                String why = vdev + ": a read-only disk cannot be IDE (QEMU's ide-hd has no read-only mode): "
                        + "use a virtio vdev (xvde and up, vd*) or access=rw";
                problems.add("disk", line, why);
            }
            if (emulated && cdrom && ide < 0) {
                // QEMU emulates a CD-ROM on IDE only (ide-cd); libxl skips an emulated cdrom beyond the
                // first four disks ("Emulated CDROM can be only one of the first 4 disks", libxl_dm.c)
                String why = vdev + ": a cdrom must be one of the IDE vdevs hda..hdd or xvda..xvdd "
                        + "(QEMU emulates CD-ROMs on IDE only)";
                problems.add("disk", line, why);
            }
            String target = d.target();
            boolean empty = "empty".equalsIgnoreCase(d.format());
            if (target == null || target.isEmpty() || empty) {
                if (!cdrom) {
                    // xl -N accepts it; libxl refuses it at create ("Disk vdev=%s is empty but not cdrom")
                    problems.add("disk", line, vdev + (empty ? ": format=empty is only for a cdrom drive (no medium)"
                            : ": no target"));
                    continue;
                }
                // xl's empty cdrom drive: a drive with no medium (libxl_dm.c passes no file for EMPTY)
                out.add(new ResolvedDisk(vdev, null, "raw", false, true, ide, 0, line, null, List.of()));
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
                problems.add("disk", line, vdev + ": cannot use target " + target + ": " + describe(e));
                out.add(new ResolvedDisk(vdev, p.normalize().toString(), format, writable, cdrom, ide, 0, line, null,
                        List.of()));
            }
        }
        refuseSharedWithinDomain(out);
        return out;
    }

    /**
     * One file twice in this domain (two disks, or a disk and another's backing image) with a writer
     * among them: QEMU's image locking refuses it at start ("Failed to get \"write\" lock"), and a
     * writer under a reader's chain would corrupt what the reader sees. Refused here, naming both.
     */
    private static void refuseSharedWithinDomain(List<ResolvedDisk> disks) throws PlanException {
        record Use(String identity, String what, boolean write) {}
        java.util.Map<String, Use> first = new java.util.HashMap<>();
        for (ResolvedDisk d : disks) {
            if (d.identity() == null) {
                continue;
            }
            List<Use> uses = new ArrayList<>(List.of(new Use(d.identity(), d.vdev() + " (" + d.hostPath() + ")",
                    d.writable())));
            for (BackingImage b : d.backing()) {
                uses.add(new Use(b.identity(), d.vdev() + "'s backing image " + b.hostPath(), false));
            }
            for (Use u : uses) {
                Use other = first.putIfAbsent(u.identity(), u);
                if (other != null && (other.write() || u.write())) {
                    throw new PlanException("disk", u.what() + " is the same file as " + other.what()
                            + "; one file may be used twice in a domain only read-only");
                }
            }
        }
    }

    /**
     * Decides on the file at {@code real} without following a symlink on the way: first an O_PATH
     * open (no device open, no FIFO wait: open(2) O_PATH) whose fstat the admission judges, then,
     * for a regular file, a read-only open of the same path whose identity must match, to read its
     * header. A block device is opened here only when admitted and in a copy-on-write format (read-only,
     * O_NONBLOCK: its header may name a backing file); otherwise only by the launcher, which checks the
     * identity again. A qcow2 header's backing chain is resolved by {@link BackingChain}.
     */
    private ResolvedDisk open(Path real, String vdev, String target, String format, boolean writable, boolean cdrom,
                              int ide, int line) throws PlanException {
        SafeFile.Stat st = statNoFollow(real, Sys.O_PATH, vdev, target);
        String why = admission.refusal(real, st, writable);
        if (why != null) {
            throw new PlanException("disk", vdev + ": " + target + " " + why);
        }
        long size = 0;
        List<BackingImage> backing = List.of();
        boolean cow = format.equals("qcow2") || format.equals("qcow") || format.equals("qed");
        if (st.regular() || cow) {
            // a copy-on-write header is read on a block device too: it may name a backing file as well
            SafeFile.Opened o = openNoFollow(real, Sys.O_RDONLY, vdev, target);
            try {
                SafeFile.Stat again = SafeFile.fstat(o.fd());
                if (again == null || !again.identity().equals(st.identity())) {
                    throw new PlanException("disk", vdev + ": " + target + " changed while it was being checked");
                }
                size = st.regular() ? again.size() : 0;
                if (format.equals("qcow2")) {
                    Qcow2Header q = Qcow2Header.read(o.fd());
                    if (q == null) {
                        throw new PlanException("disk", vdev + ": " + target + " is not a qcow2 image (format=qcow2)");
                    }
                    if (st.regular()) {
                        size = Math.max(size, q.maxFileBytes()); // it grows up to this (the RLIMIT_FSIZE floor)
                    }
                    backing = chains.resolve(vdev, target, real, st.identity(), q);
                } else if (cow && LegacyCowHeader.namesBackingFile(o.fd(), format)) {
                    throw new PlanException("disk", vdev + ": " + target + " has a backing file; dmjail follows backing "
                            + "chains of qcow2 images only (qemu-img convert -O qcow2, or flatten it)");
                }
            } catch (Qcow2Header.Malformed e) {
                throw new PlanException("disk", vdev + ": " + target + " " + e.getMessage());
            } finally {
                SafeFile.close(o.fd());
            }
        }
        return new ResolvedDisk(vdev, real.toString(), format, writable, cdrom, ide, size, line, st.identity(),
                List.copyOf(backing));
    }

    static SafeFile.Stat statNoFollow(Path real, int flags, String vdev, String target) throws PlanException {
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

    static SafeFile.Opened openNoFollow(Path real, int flags, String vdev, String target) throws PlanException {
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
