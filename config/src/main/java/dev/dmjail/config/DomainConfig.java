package dev.dmjail.config;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A domain as xl's parse_config_data leaves it (before libxl fills in its own defaults).
 * Null means "not given"; the derived values are applied as xl applies them.
 *
 * @param memoryMiB  memory=, null when not given (libxl later defaults it)
 * @param maxMemMiB  maxmem=, or memoryMiB when not given (xl: max_memkb = target_memkb)
 * @param vcpus      vcpus=, null when not given
 * @param maxVcpus   maxvcpus=, or vcpus when not given (xl: max_vcpus = vcpus); never below vcpus
 * @param uuid       uuid=, null when not given (xl -N then prints a freshly generated one)
 * @param kernel     kernel=; dropped for HVM when its basename is "hvmloader", as xl does
 * @param cmdline    cmdline=, else "root=ROOT EXTRA" built from root= and extra=, as xl does
 * @param serial     serial= as a list (a single string becomes a one-element list); xl uses it for HVM only
 * @param serialListForm true when serial= was written as a list (libxl serial_list), false for a string (serial)
 * @param boot       boot= (HVM)
 * @param vnc        vnc= as a boolean, null when not given
 * @param sdl        sdl= as a boolean, null when not given
 * @param acpi       acpi=, null when not given
 * @param vncDisplay the VNC keys as xl reads them (vnclisten, vncpasswd, vncdisplay, vncunused, keymap)
 * @param vga        vga= (or stdvga=) as libxl's vga kind: "std", "cirrus", "none", "qxl"; null when not given
 * @param videoramMiB videoram=, null when not given
 * @param bios       HVM: libxl's bios type ("rombios", "seabios", "ovmf") from bios= or firmware=, null = default
 * @param hvmFirmware HVM: firmware= naming a firmware image (hvmloader) rather than a bios type, else null
 * @param dmRestrict dm_restrict=, null = default (libxl's default is false)
 * @param recorded   the libxl fields xl sets from keys dmjail does not act on ({@link RecordedKeys}); printed by
 *                   {@code create -n} as xl prints them, and each such key is a plan problem (create refuses it)
 * @param source     the config file
 */
public record DomainConfig(
        String name, DomainType type, Long memoryMiB, Long maxMemMiB, Integer vcpus, Integer maxVcpus, UUID uuid,
        String kernel, String ramdisk, String cmdline, String root, String extra,
        List<DiskSpec> disks, List<VifSpec> nics, List<String> serial, boolean serialListForm, String boot,
        Boolean vnc, Boolean sdl, Boolean acpi, VncKeys vncDisplay, String vga, Long videoramMiB,
        String bios, String hvmFirmware,
        ShutdownAction onPoweroff, ShutdownAction onReboot, ShutdownAction onCrash,
        Boolean dmRestrict, String deviceModelUser, String deviceModelOverride, DeviceModelVersion deviceModelVersion,
        List<String> deviceModelArgs, List<String> deviceModelArgsHvm, List<String> deviceModelArgsPv,
        List<LibxlField> recorded, Path source) {

    /**
     * xl's parse_top_level_vnc_options: each null when not given. {@code listen} is kept as written
     * ("addr" or "addr:display", as libxl reads it); {@code passwd} "" means no authentication.
     */
    public record VncKeys(String listen, String passwd, Integer display, Boolean findUnused, String keymap) {
        public static final VncKeys NONE = new VncKeys(null, null, null, null, null);
    }

    public DomainConfig {
        vncDisplay = vncDisplay == null ? VncKeys.NONE : vncDisplay;
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        serial = List.copyOf(serial);
        deviceModelArgs = List.copyOf(deviceModelArgs);
        deviceModelArgsHvm = List.copyOf(deviceModelArgsHvm);
        deviceModelArgsPv = List.copyOf(deviceModelArgsPv);
        recorded = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(recorded)); // may hold null values
    }
}
