package dev.dmjail.toolstack.plan;

/**
 * A disk after resolution on the host.
 *
 * @param vdev       the guest device name (hda, xvda, sdb ...)
 * @param hostPath   canonical host path the launcher opens (null: empty cdrom drive)
 * @param qemuFormat QEMU's format name (raw, qcow2, vpc, qed)
 * @param writable   opened read-write
 * @param cdrom      emulated as a CD-ROM
 * @param ideIndex   0..3 for IDE (hd[a-d], xvd[a-d] as Xen emulates them), -1 for virtio-blk
 * @param sizeBytes  the most a regular file may take: its size (raw), what it grows to when full (qcow2); 0 for
 *                   block devices / absent
 * @param line       line of the disk setting in the config, for errors
 * @param identity   the opened file's identity (dev:ino, or blk:MAJ:MIN) that the launcher checks again;
 *                   null when the target could not be opened (dry run only)
 * @param backing    a qcow2 disk's backing chain, nearest image first ({@link BackingChain}); empty for most disks
 */
public record ResolvedDisk(String vdev, String hostPath, String qemuFormat, boolean writable, boolean cdrom,
                           int ideIndex, long sizeBytes, int line, String identity,
                           java.util.List<BackingImage> backing) {

    /** A block device (phy:, /dev/...): QEMU's host_device driver serves it, the file driver refuses it. */
    public boolean blockDevice() {
        return identity != null ? identity.startsWith("blk:") : hostPath != null && hostPath.startsWith("/dev/");
    }
}
