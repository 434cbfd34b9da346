package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.layer.PlanException;

/**
 * xl's {@code boot=} as QEMU's {@code -boot order=}: libxl passes the string through ("order=%s",
 * libxl_dm.c) and defaults it to "cda" (libxl_create.c). QEMU's pc machine takes at most three devices,
 * each once, from a/b (floppy), c (hard disk), d (CD-ROM) and n (network) (hw/i386/pc.c set_boot_dev,
 * softmmu/bootdevice.c validate_bootdevices), and writes them to the RTC CMOS the BIOS reads. A string it
 * would refuse at start is refused at create instead, naming the key.
 */
final class BootOrder {

    /** libxl's default when boot= is not given. */
    static final String XL_DEFAULT = "cda";
    private static final int PC_MAX_BOOT_DEVICES = 3;

    private BootOrder() {}

    static String of(String boot) throws PlanException {
        String order = boot == null ? XL_DEFAULT : boot;
        if (order.isEmpty() || order.length() > PC_MAX_BOOT_DEVICES) {
            throw new PlanException("boot", "'" + order + "' must name one to " + PC_MAX_BOOT_DEVICES
                    + " boot devices: c (hard disk), d (cdrom), n (network), a (floppy)");
        }
        for (int i = 0; i < order.length(); i++) {
            char c = order.charAt(i);
            if ("abcdn".indexOf(c) < 0) {
                throw new PlanException("boot", "'" + order + "': '" + c + "' is not a boot device: use c (hard disk), "
                        + "d (cdrom), n (network), a (floppy)");
            }
            if (order.indexOf(c) != i) {
                throw new PlanException("boot", "'" + order + "' names '" + c + "' twice");
            }
        }
        return order;
    }
}
