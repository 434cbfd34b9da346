package dev.dmjail.toolstack.plan;

import java.util.List;
import java.util.Map;

/**
 * The device model as the launcher will start it: binary, argv, environment and the fds the
 * privileged side opens for it (disks, log, QMP, console), plus facts the layers plan from.
 *
 * @param backend        "qemu" (QEMU runs the whole guest, TCG or KVM) or "xen" (QEMU as Xen device model)
 * @param accel          "kvm" or "tcg" (qemu backend), "xen" (xen backend)
 * @param usesKvm        /dev/kvm must be in the /dev allow-list and the cgroup ACL
 * @param nics           the guest NICs behind the TAP fds (the network layer creates their taps)
 * @param firmwareDirs   directories QEMU reads ROMs/BIOS/keymaps/modules from (read-only in the root)
 * @param largestWritableImageBytes size of the largest writable file-backed disk (RLIMIT_FSIZE floor)
 * @param qemuSandbox    QEMU's {@code -sandbox} as decided (the argv is written from it), or null when it is not there
 * @param kernelBoot     direct kernel boot (the files the filesystem layer binds into the root), or null
 * @param warnings       things the admin should know (passthrough args naming host paths, ignored keys)
 * @param vnc            the VNC listener the privileged side binds and hands over, null without VNC
 * @param images         every image the device model is given, host paths: each disk, then its backing chain
 *                       (what the SELinux layer labels; an empty cdrom has none)
 */
public record DeviceModelPlan(
        String binary,
        String backend,
        String accel,
        boolean usesKvm,
        List<String> argv,
        Map<String, String> env,
        List<DeviceModelFd> fds,
        List<Nic> nics,
        List<String> firmwareDirs,
        long largestWritableImageBytes,
        QemuSandbox qemuSandbox,
        KernelBoot kernelBoot,
        List<String> warnings,
        Display.Vnc vnc,
        List<String> images) {
}
