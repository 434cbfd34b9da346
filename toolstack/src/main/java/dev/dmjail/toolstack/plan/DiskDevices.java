package dev.dmjail.toolstack.plan;

import dev.dmjail.launcher.spec.LaunchSpec.FdSpec;
import java.util.List;

/** The guest's disks on QEMU's command line: each image as an fdset the launcher opened, and its device. */
final class DiskDevices {

    private DiskDevices() {}

    static void add(QemuArgs q, List<ResolvedDisk> disks) {
        for (ResolvedDisk disk : disks) {
            String id = "drive-" + QemuOpts.escape(disk.vdev());
            StringBuilder drive = new StringBuilder();
            if (disk.hostPath() != null) {
                // QEMU probes read-only first, then reopens read-write: an fdset needs both modes
                // (qemu_dup_flags() matches the access mode of the fds in the set).
                int set = q.fdset();
                int ro = q.fd(FdSpec.Kind.DISK, disk.hostPath(), false, false, disk.identity());
                q.add("-add-fd", "fd=" + ro + ",set=" + set + ",opaque=" + QemuOpts.escape(disk.vdev()) + "-ro");
                if (disk.writable()) {
                    int rw = q.fd(FdSpec.Kind.DISK, disk.hostPath(), true, false, disk.identity());
                    q.add("-add-fd", "fd=" + rw + ",set=" + set + ",opaque=" + QemuOpts.escape(disk.vdev()) + "-rw");
                }
                // the protocol driver QEMU would pick for the path: 'file' requires a regular file
                drive.append(disk.blockDevice() ? "file.driver=host_device,file.filename=" : "file=")
                        .append("/dev/fdset/").append(set).append(",format=").append(disk.qemuFormat()).append(',');
            }
            drive.append("if=none,id=").append(id).append(",readonly=").append(disk.writable() ? "off" : "on");
            if (disk.cdrom()) {
                drive.append(",media=cdrom");
            }
            q.add("-drive", drive.toString());
            if (disk.ideIndex() >= 0) {
                q.add("-device", (disk.cdrom() ? "ide-cd" : "ide-hd") + ",drive=" + id + ",bus=ide."
                        + disk.ideIndex() / 2 + ",unit=" + disk.ideIndex() % 2);
            } else {
                q.add("-device", "virtio-blk-pci,drive=" + id);
            }
        }
    }
}
