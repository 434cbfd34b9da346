package dev.dmjail.config;

/** libxl_device_model_version: config spelling qemu-xen / qemu-xen-traditional, JSON qemu_xen / qemu_xen_traditional. */
public enum DeviceModelVersion {
    QEMU_XEN_TRADITIONAL("qemu-xen-traditional"), QEMU_XEN("qemu-xen");

    private final String xl;

    DeviceModelVersion(String xl) { this.xl = xl; }

    public String xl() { return xl; }

    public String json() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static DeviceModelVersion fromXl(String s) {
        for (DeviceModelVersion v : values()) if (v.xl.equals(s)) return v;
        return null;
    }
}
