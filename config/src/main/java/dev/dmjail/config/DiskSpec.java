package dev.dmjail.config;

/**
 * One disk, as libxl_device_disk after xlu_disk_parse (xl-disk-configuration(5)).
 *
 * @param target       pdev_path; null for a cdrom given without one, "" for an explicitly empty one
 * @param vdev         virtual device name, e.g. xvda, hdc
 * @param format       libxl format name: raw, qcow, qcow2, vhd, qed, empty (raw when unspecified)
 * @param readWrite    false for access=r/ro and for every cdrom
 * @param cdrom        devtype=cdrom (or the legacy ":cdrom" / "cdrom" forms)
 * @param backendtype  phy, tap, qdisk, standalone; null = let libxl choose
 * @param script       block script (also set by the iscsi:/nbd:/enbd:/drbd: prefixes, as block-NAME)
 * @param backendDomain backend= domain name, or null
 * @param directIoSafe direct-io-safe given
 * @param discard      discard / no-discard, null when not given
 * @param specification xen or virtio, null when not given
 * @param colo         COLO replication settings, null when none are given
 */
public record DiskSpec(String target, String vdev, String format, boolean readWrite, boolean cdrom,
                       String backendtype, String script, String backendDomain, boolean directIoSafe,
                       Boolean discard, String specification, Colo colo) {

    /** COLO settings (colo, no-colo, colo-host, colo-port, colo-export, active-disk, hidden-disk). */
    public record Colo(Boolean enable, String host, int port, String export, String activeDisk, String hiddenDisk) {
    }

    /** "rw" or "ro". */
    public String access() { return readWrite ? "rw" : "ro"; }

    /** "disk" or "cdrom". */
    public String devtype() { return cdrom ? "cdrom" : "disk"; }

    /** libxl sets removable for every cdrom. */
    public boolean removable() { return cdrom; }
}
