package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DiskSpec;
import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.config.XlConfig;
import dev.dmjail.config.XlValue;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a PV or PVH guest needs a device model at all, by libxl's rules (Xen 4.17
 * {@code libxl__need_xenpv_qemu}, libxl_dm.c): a QEMU is started only to serve back-ends the host kernel
 * does not — a disk on the qdisk back-end, a vfb (and so the vkb), a 9pfs share, a channel (xenconsoled
 * serves only the first console), a vkb with the QEMU back-end, a qusb USB controller. Everything else
 * (phy disks through blkback, vifs through netback, the console through xenconsoled) runs without one.
 *
 * <p>A disk's back-end, when the spec names none, is libxl's first that suits it
 * ({@code libxl__device_disk_set_backend}, libxl_device.c): phy for a raw image in a regular file or a block
 * device served by this host (Linux {@code libxl__try_phy_backend}), with no COLO, or with a script; else
 * qdisk. {@code specification=virtio} takes the standalone back-end (no QEMU); an empty cdrom is qdisk.
 */
final class XenPvDevices {

    /** The device model's part of a PV/PVH guest: the disks it serves and why it runs (empty: it does not). */
    record Need(List<ResolvedDisk> qdisks, List<String> reasons) {
        boolean needed() {
            return !reasons.isEmpty();
        }
    }

    /** libxl's SYSFS_USBBACK_DRIVER: present when the host kernel serves PV USB itself. */
    static final java.nio.file.Path USBBACK = java.nio.file.Path.of("/sys/bus/usb/drivers/usbback");

    private XenPvDevices() {}

    static Need of(DomainConfig d, XlConfig raw, List<ResolvedDisk> resolved) {
        List<String> reasons = new ArrayList<>();
        List<ResolvedDisk> qdisks = new ArrayList<>();
        for (ResolvedDisk disk : resolved) { // a disk the resolver could not take is a problem already, not here
            DiskSpec spec = d.disks().stream().filter(s -> disk.vdev().equals(s.vdev())).findFirst().orElseThrow();
            String why = qdisk(spec, disk);
            if (why != null) {
                qdisks.add(disk);
                reasons.add("disk " + spec.vdev() + ": " + why + ", served by QEMU's qdisk back-end");
            }
        }
        if (d.type() == DomainType.PV && Boolean.TRUE.equals(d.vnc())) {
            // xl parse_config_data: a PV guest's top-level vnc adds a vfb and a vkb (not for PVH)
            reasons.add("vnc: a PV guest's vnc = 1 is a vfb with its vkb, served by QEMU");
        }
        for (String key : List.of("vfb", "p9", "channel")) {
            if (nonEmptyList(raw, key)) {
                reasons.add(key + ": served by QEMU (libxl__need_xenpv_qemu)");
            }
        }
        if (nonEmptyList(raw, "vkb") && !listMentions(raw, "vkb", "backend-type=linux")) {
            reasons.add("vkb: a vkb on the QEMU back-end (libxl's default)");
        }
        if (listMentions(raw, "usbctrl", "type=qusb")) {
            reasons.add("usbctrl: a qusb controller is QEMU's");
        } else if (nonEmptyList(raw, "usbctrl") && !listMentions(raw, "usbctrl", "type=")
                && !java.nio.file.Files.exists(USBBACK, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // libxl__device_usbctrl_setdefault: a PV guest's type auto is qusb unless the host kernel has usbback
            reasons.add("usbctrl: type auto is qusb (QEMU's) on a host without usbback (" + USBBACK + ")");
        }
        return new Need(List.copyOf(qdisks), List.copyOf(reasons));
    }

    /** Why libxl would put this disk on the qdisk back-end, or null when it would not (phy, standalone, remote). */
    private static String qdisk(DiskSpec spec, ResolvedDisk disk) {
        String backendDomain = spec.backendDomain();
        if (backendDomain != null && !backendDomain.equals("0") && !backendDomain.equals("Domain-0")) {
            return null; // a storage driver domain serves it, not this host's device model
        }
        String backend = spec.backendtype();
        if (backend != null) {
            return backend.equals("qdisk") ? "backendtype=qdisk" : null;
        }
        if ("virtio".equals(spec.specification())) {
            return null; // the standalone back-end
        }
        String format = spec.format() == null ? "raw" : spec.format();
        if (format.equals("empty")) {
            return "an empty cdrom drive";
        }
        if (!format.equals("raw")) {
            return "format=" + format + " (phy serves raw only)";
        }
        if (spec.colo() != null && Boolean.TRUE.equals(spec.colo().enable())) {
            return "COLO (phy does not do it)";
        }
        if (spec.script() != null) {
            return null; // libxl assumes phy with a script
        }
        // phy suits a regular file or a block device (Linux libxl__try_phy_backend); a target the dry run
        // could not stat is taken as the file it names
        return disk.hostPath() == null ? "no file to serve with phy" : null;
    }

    private static boolean nonEmptyList(XlConfig raw, String key) {
        return raw.get(key).map(s -> !(s.value() instanceof XlValue.XlList l) || !l.items().isEmpty()).orElse(false);
    }

    private static boolean listMentions(XlConfig raw, String key, String text) {
        return raw.get(key).map(s -> s.value() instanceof XlValue.XlList l ? l.items().stream()
                .anyMatch(v -> v instanceof XlValue.Atom a && a.text().contains(text))
                : s.value() instanceof XlValue.Atom a && a.text().contains(text)).orElse(false);
    }
}
