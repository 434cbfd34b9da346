package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.layer.PlanException;
import java.util.List;

/**
 * The guest's disks on QEMU's command line: each image as an fdset the launcher opened, and its device.
 * A disk with a backing chain gets its backing images as a {@code -blockdev} graph, one read-only fdset
 * per image, each naming the node below it ({@code backing: null} at the bottom), and its top {@code -drive}
 * names the nearest one ({@code "backing":"ID-b1"}): QEMU takes a reference instead of opening the backing
 * name recorded in an image (block.c bdrv_open_backing_file), so it never follows a name a tenant wrote.
 * The top stays a {@code -drive} (QEMU runs the -blockdev queue first, whatever the argv order): its
 * BlockBackend keeps the name {@code drive-VDEV} that query-block and HMP qemu-io address.
 */
public final class DiskDevices {

    /** QEMU's node names are at most 31 characters (block.c bdrv_assign_node_name, id_wellformed). */
    public static final int NODE_NAME_MAX = 31;
    /** QEMU's formats with a backing file (their drivers' supports_backing); raw and vpc have none. */
    private static final java.util.Set<String> COPY_ON_WRITE = java.util.Set.of("qcow2", "qcow", "qed");

    private DiskDevices() {}

    static void add(QemuArgs q, List<ResolvedDisk> disks) throws PlanException {
        for (ResolvedDisk disk : disks) {
            String id = "drive-" + QemuOpts.escape(disk.vdev());
            q.add("-drive", drive(q, disk, id, backingChain(q, disk, id)));
            if (disk.ideIndex() >= 0) {
                q.add("-device", (disk.cdrom() ? "ide-cd" : "ide-hd") + ",drive=" + id + ",bus=ide."
                        + disk.ideIndex() / 2 + ",unit=" + disk.ideIndex() % 2);
            } else {
                q.add("-device", "virtio-blk-pci,drive=" + id);
            }
        }
    }

    /**
     * A PV/PVH guest's qdisk disks: the same fdset-backed drives, each on a Xen PV block back-end of QEMU's
     * xen-bus ({@code xen-disk}, {@code xen-cdrom}; QEMU's hw/block/xen-block.c), which libxl 4.17 sets up
     * through xenstore with the image's path instead: here QEMU opens no path at all.
     */
    static void addXenPv(QemuArgs q, List<ResolvedDisk> disks) throws PlanException {
        for (ResolvedDisk disk : disks) {
            String id = "drive-" + QemuOpts.escape(disk.vdev());
            q.add("-drive", drive(q, disk, id, backingChain(q, disk, id)));
            q.add("-device", (disk.cdrom() ? "xen-cdrom" : "xen-disk") + ",vdev=" + QemuOpts.escape(disk.vdev())
                    + ",drive=" + id);
        }
    }

    /**
     * QEMU's own image locking, off for a writable disk: QEMU 7.2 takes its lock bytes per open file
     * description, and an fdset's read-only and read-write fds are two of them. A migration (save, migrate)
     * inactivates the image onto the read-only one, whose locks stay; taking the image back ({@code cont}
     * after save -c or a failed migration, the receiver's start) then conflicts with the device model's own
     * read-only fd: "Failed to get \"write\" lock" (checked with this host's QEMU, -add-fd twice and a
     * migrate then cont). What the locks would refuse, dmjail refuses before: a writable disk is admitted to
     * one domain only ({@code DiskAdmission}) and once within it ({@code DiskResolver}); a local migration's
     * two device models hold it while only one runs the guest (the migration handshake).
     */
    static final String LOCKING_OFF = "file.locking=off";

    /**
     * The disk's {@code -drive}, its image on an fdset; an empty cdrom is a drive with no file (no medium).
     * A copy-on-write image always says what its backing is: the chain's nearest node, or JSON null, through
     * the {@code json:} pseudo-protocol (-drive's key=value form has no null), so a backing name the tenant
     * writes into the header between plan and launch is never opened either.
     */
    private static String drive(QemuArgs q, ResolvedDisk disk, String id, String backing) {
        StringBuilder drive = new StringBuilder();
        if (disk.hostPath() != null) {
            int set = imageFdset(q, disk.hostPath(), disk.identity(), disk.writable(), disk.vdev());
            // the protocol driver QEMU would pick for the path: 'file' requires a regular file
            String protocol = disk.blockDevice() ? "host_device" : "file";
            if (COPY_ON_WRITE.contains(disk.qemuFormat())) {
                String json = "{\"driver\":\"" + disk.qemuFormat() + "\",\"backing\":"
                        + (backing == null ? "null" : "\"" + backing + "\"") + ",\"file\":{\"driver\":\"" + protocol
                        + "\",\"filename\":\"/dev/fdset/" + set + "\"" + (disk.writable() ? ",\"locking\":\"off\"" : "") + "}}";
                drive.append("file=json:").append(QemuOpts.escape(json)).append(',');
            } else {
                drive.append(protocol.equals("file") ? "file=" : "file.driver=host_device,file.filename=")
                        .append("/dev/fdset/").append(set).append(",format=").append(disk.qemuFormat()).append(',');
                if (disk.writable()) {
                    drive.append(LOCKING_OFF).append(',');
                }
            }
        }
        drive.append("if=none,id=").append(id).append(",readonly=").append(disk.writable() ? "off" : "on");
        if (disk.cdrom()) {
            drive.append(",media=cdrom");
        }
        return drive.toString();
    }

    /**
     * The backing images bottom first, so each node exists before the one that names it: node
     * {@code ID-bN} (its file node {@code ID-bNf}) for the N-th image below the top. Returns the node the
     * top names ({@code ID-b1}), or null when the disk has no backing chain.
     */
    private static String backingChain(QemuArgs q, ResolvedDisk disk, String id) throws PlanException {
        List<BackingImage> chain = disk.backing();
        if (chain.isEmpty()) {
            return null;
        }
        if ((id + "-b" + chain.size() + "f").length() > NODE_NAME_MAX) {
            throw new PlanException("disk", disk.vdev() + ": vdev too long for QEMU's node names of a backing chain");
        }
        String below = null;
        for (int i = chain.size(); i >= 1; i--) {
            BackingImage b = chain.get(i - 1);
            String node = id + "-b" + i;
            int set = imageFdset(q, b.hostPath(), b.identity(), false, disk.vdev() + "-b" + i);
            q.add("-blockdev", fileNode(node + "f", set, b.blockDevice()));
            q.add("-blockdev", formatNode(node, b.qemuFormat(), node + "f", below));
            below = node;
        }
        return below;
    }

    /**
     * An fdset holding the image read-only, and read-write too when writable: QEMU picks the fd whose
     * access mode matches the open it would do (util/osdep.c qemu_dup_flags), and a -drive probes read-only
     * first, then reopens read-write.
     */
    private static int imageFdset(QemuArgs q, String path, String identity, boolean writable, String opaque) {
        int set = q.fdset();
        int ro = q.fd(DeviceModelFd.Kind.DISK, path, false, false, identity);
        q.add("-add-fd", "fd=" + ro + ",set=" + set + ",opaque=" + QemuOpts.escape(opaque) + "-ro");
        if (writable) {
            int rw = q.fd(DeviceModelFd.Kind.DISK, path, true, false, identity);
            q.add("-add-fd", "fd=" + rw + ",set=" + set + ",opaque=" + QemuOpts.escape(opaque) + "-rw");
        }
        return set;
    }

    /** A read-only protocol node on an fdset (JSON -blockdev; node names are [a-z0-9-], nothing to escape). */
    private static String fileNode(String node, int set, boolean blockDevice) {
        return "{\"driver\":\"" + (blockDevice ? "host_device" : "file") + "\",\"node-name\":\"" + node
                + "\",\"filename\":\"/dev/fdset/" + set + "\",\"read-only\":true}";
    }

    /** A read-only format node; a qcow2 one names its backing node, or null at the bottom (raw has none). */
    private static String formatNode(String node, String format, String file, String backing) {
        String b = !format.equals("qcow2") ? "" : ",\"backing\":" + (backing == null ? "null" : "\"" + backing + "\"");
        return "{\"driver\":\"" + format + "\",\"node-name\":\"" + node + "\",\"file\":\"" + file + "\"" + b
                + ",\"read-only\":true}";
    }
}
