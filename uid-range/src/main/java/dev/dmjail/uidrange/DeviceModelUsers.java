package dev.dmjail.uidrange;

/** Names and numbers shared with libxl (tools/libs/light/libxl_internal.h, docs/features/qemu-deprivilege). */
public final class DeviceModelUsers {
    /** libxl's LIBXL_QEMU_USER_RANGE_BASE: its uid is the base of the per-domain uid range. */
    public static final String RANGE_BASE_USER = "xen-qemuuser-range-base";
    /** libxl's LIBXL_QEMU_USER_SHARED: one uid for every device model (weaker; no kill-by-uid). */
    public static final String SHARED_USER = "xen-qemuuser-shared";
    /**
     * dmjail's reaper user (libxl's equivalent is "xen-qemuuser-reaper"): a non-root uid outside the
     * range that a kill-by-uid reaper switches to before kill(-1, SIGKILL).
     */
    public static final String REAPER_USER = "dmjail-reaper";

    /** Lowest domid a device model can serve (0 is dom0). */
    public static final int MIN_DOMID = 1;
    /** Highest ordinary domid: DOMID_FIRST_RESERVED (0x7FF0) - 1. */
    public static final int MAX_DOMID = 0x7FEF;
    /** Number of uids the range reserves: one per possible domid 0..32751 (0x7FF0). */
    public static final int RANGE_SIZE = 0x7FF0;
    /** The usual base (docs/features/qemu-deprivilege): above nobody (65534) and the invalid 65535. */
    public static final int DEFAULT_RANGE_BASE_UID = 65536;

    /** The command that provisions the range; named in errors when nothing is provisioned. */
    public static final String HOST_INSTALL_COMMAND = "dmjail host install";

    private DeviceModelUsers() {
    }
}
