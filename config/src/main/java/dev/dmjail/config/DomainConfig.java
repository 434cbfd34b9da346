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
 * @param dmRestrict dm_restrict=, null = default (libxl's default is false)
 * @param source     the config file
 */
public record DomainConfig(
        String name, DomainType type, Long memoryMiB, Long maxMemMiB, Integer vcpus, Integer maxVcpus, UUID uuid,
        String kernel, String ramdisk, String cmdline, String root, String extra,
        List<DiskSpec> disks, List<VifSpec> nics, List<String> serial, boolean serialListForm, String boot,
        Boolean vnc, Boolean sdl, Boolean acpi,
        ShutdownAction onPoweroff, ShutdownAction onReboot, ShutdownAction onCrash,
        Boolean dmRestrict, String deviceModelUser, String deviceModelOverride, DeviceModelVersion deviceModelVersion,
        List<String> deviceModelArgs, List<String> deviceModelArgsHvm, List<String> deviceModelArgsPv,
        Path source) {

    public DomainConfig {
        disks = List.copyOf(disks);
        nics = List.copyOf(nics);
        serial = List.copyOf(serial);
        deviceModelArgs = List.copyOf(deviceModelArgs);
        deviceModelArgsHvm = List.copyOf(deviceModelArgsHvm);
        deviceModelArgsPv = List.copyOf(deviceModelArgsPv);
    }
}
