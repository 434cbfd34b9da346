package dev.dmjail.toolstack.plan;

/**
 * One image below a qcow2 disk in its backing chain, resolved and admitted on the host. QEMU gets
 * it as its own read-only fdset and an explicit {@code backing=} node, never by the name.
 *
 * @param name       the backing file name as the image above records it (tenant-written; for messages,
 *                   always through {@link dev.dmjail.toolstack.text.Printable})
 * @param hostPath   canonical host path the launcher opens read-only
 * @param qemuFormat the format the image above records for it: raw or qcow2
 * @param identity   the opened file's identity the launcher checks again
 */
public record BackingImage(String name, String hostPath, String qemuFormat, String identity) {

    /** A block device: QEMU's host_device driver serves it, the file driver refuses it. */
    public boolean blockDevice() {
        return identity.startsWith("blk:");
    }
}
