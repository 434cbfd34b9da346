package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.launcher.spec.FdSpec;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.PlanException;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.uidrange.ResolvedUser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the exact QEMU argv and the fds behind it. Nothing the guest config names reaches QEMU as
 * a path: disks, the log, the serial console and QMP are opened by the privileged launcher and
 * passed by number ({@code -add-fd} + {@code /dev/fdset/N}, {@code chardev socket,fd=N}), so a disk
 * target such as {@code /srv/a.img,file=/etc/shadow} never appears on the command line at all.
 * The few config values that do (name, uuid, mac) go through {@link QemuOpts#escape}.
 */
public final class QemuCommandBuilder {

    /** Debian's OVMF image as QEMU looks it up (ovmf: /usr/share/qemu/OVMF.fd -> ../ovmf/OVMF.fd). */
    static final java.nio.file.Path OVMF = java.nio.file.Path.of("/usr/share/qemu/OVMF.fd");

    private final HostPolicy policy;
    private final HostFacts facts;

    public QemuCommandBuilder(HostPolicy policy, HostFacts facts) {
        this.policy = policy;
        this.facts = facts;
    }

    /**
     * @param qemuSandbox add QEMU's own {@code -sandbox} deny set (the seccomp layer decides)
     * @param disks       the disks as resolved by {@link DiskResolver}
     * @param kernelBoot  direct kernel boot as resolved by {@link KernelBoot}, or null
     * @param incoming    a restore's saved state, or null
     */
    public DeviceModelPlan build(DomainConfig d, Integer domid, DomainPaths paths, List<ResolvedDisk> disks,
                                 KernelBoot kernelBoot, Incoming incoming, boolean qemuSandbox, ResolvedUser user)
            throws PlanException {
        String binary = d.deviceModelOverride() != null ? d.deviceModelOverride() : policy.qemuBinary().toString();
        if (binary.indexOf('\0') >= 0 || binary.indexOf('\n') >= 0) {
            // a quoted xl string may hold a raw NUL byte; Path.of would throw (found by the proof tests)
            throw new PlanException("device_model_override", "path contains a NUL or newline");
        }
        QemuArgs q = new QemuArgs();
        List<String> a = q.argv;
        q.fixedFd(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false));
        q.fixedFd(new FdSpec(1, FdSpec.Kind.FILE, paths.liveLog().toString(), false, true));
        q.fixedFd(new FdSpec(2, FdSpec.Kind.FILE, paths.liveLog().toString(), false, true));
        q.fixedFd(new FdSpec(QemuArgs.FD_QMP, FdSpec.Kind.UNIX_LISTEN, paths.qmpSocket().toString(), false, false));

        boolean xen = policy.backend().equals("xen");
        if (!xen && d.type() != DomainType.HVM) {
            throw new PlanException("type", "a " + d.type().name().toLowerCase()
                    + " guest needs the xen backend; this host's backend is qemu (host config: backend)");
        }
        if (xen && kernelBoot != null) {
            throw new PlanException("kernel", "direct kernel boot is modelled for the qemu backend only (under Xen, "
                    + "libxl hands kernel= to the domain builder, which dmjail's xen backend does not drive)");
        }
        String accel = xen ? "xen" : chooseAccel();
        boolean kvm = accel.equals("kvm");

        a.add(binary);
        a.add("-name");
        a.add("guest=" + QemuOpts.escape(d.name()) + ",debug-threads=on");
        if (d.uuid() != null) {
            a.add("-uuid");
            a.add(d.uuid().toString());
        }
        a.add("-nodefaults");
        a.add("-no-user-config");
        a.add("-msg");
        a.add("timestamp=on");
        if (xen) {
            // Xen backend, as libxl starts qemu-xen for HVM (libxl_dm.c): QEMU attaches to the
            // domain and must open /dev/xen/* itself, so it drops privileges with -runas after its
            // start-up (see DESIGN.md: -runas and the -sandbox deny set cannot be combined).
            a.add("-xen-domid");
            a.add(domid == null ? "<domid>" : Integer.toString(domid));
            a.add("-xen-attach");
            a.add("-machine");
            a.add(d.type() == DomainType.HVM ? "xenfv" : "xenpv");
            if (user.source() != ResolvedUser.Source.ROOT) {
                // numeric uid:gid (QEMU refuses a bare uid), then an empty chroot, as libxl does
                a.add("-runas");
                a.add(user.uid() == null ? "<base+domid>:<base+domid>" : user.uid() + ":" + user.gid());
                a.add("-chroot");
                a.add(paths.rootMount().toString());
            }
        } else {
            a.add("-machine");
            a.add("pc");
            a.add("-accel");
            a.add(kvm ? "kvm" : "tcg,tb-size=64");
            // on_poweroff/on_reboot/on_crash carried out by QEMU itself (ShutdownActions); pvpanic lets
            // the guest's kernel report a panic (Linux pvpanic driver) instead of hanging unseen
            a.add("-action");
            a.add(ShutdownActions.qemuAction(d));
            a.add("-device");
            a.add("pvpanic");
            // mem-set: the guest gives memory back through virtio-balloon (libvirt's default memballoon)
            a.add("-device");
            a.add("virtio-balloon-pci,id=balloon0");
        }
        a.add("-m");
        a.add(Long.toString(Effective.memoryMiB(d)));
        a.add("-smp");
        a.add(Effective.vcpus(d) + ",maxcpus=" + Effective.maxVcpus(d));
        if (!xen && "ovmf".equals(d.bios())) {
            // QEMU finds OVMF.fd in its data dir (Debian's ovmf links it there; FirmwareDirs binds both
            // into the root); read-only, so UEFI variables do not persist, as for a -bios image
            a.add("-bios");
            a.add(OVMF.getFileName().toString());
        }
        Display.Vnc vnc = Display.add(q, d);
        a.add("-chardev");
        a.add("socket,id=qmp,fd=" + QemuArgs.FD_QMP + ",server=on,wait=off");
        a.add("-mon");
        a.add("chardev=qmp,mode=control");

        if (kernelBoot != null) {
            // the launcher binds the planned files here, in the private root (KernelBoot)
            a.add("-kernel");
            a.add(KernelBoot.KERNEL_AT);
            if (kernelBoot.initrd() != null) {
                a.add("-initrd");
                a.add(KernelBoot.INITRD_AT);
            }
            if (kernelBoot.cmdline() != null) {
                a.add("-append"); // taken verbatim: no QemuOpts parsing of its value
                a.add(kernelBoot.cmdline());
            }
        }
        DiskDevices.add(q, disks);
        SerialConsole.add(q, d, paths);
        a.add("-boot");
        a.add("order=" + BootOrder.of(d.boot()));
        List<Nic> nics = Nic.of(d, domid);
        for (Nic nic : nics) {
            // The tap interface is created on the host bridge by the network layer; the launcher
            // attaches to it (TUNSETIFF) and QEMU gets only the fd, in its empty network namespace.
            int fd = q.fd(FdSpec.Kind.TAP, nic.ifname(), true, false, null);
            a.add("-netdev");
            a.add("tap,id=net" + nic.devid() + ",fd=" + fd + ",vhost=off");
            a.add("-device");
            a.add(QemuOpts.escape(nic.model()) + ",netdev=net" + nic.devid() + ",mac=" + nic.mac());
        }
        if (incoming != null) {
            int fd = q.fd(FdSpec.Kind.INCOMING, incoming.path(), false, false, incoming.identity());
            a.add("-incoming");
            a.add("fd:" + fd);
            if (incoming.paused()) {
                a.add("-S");
            }
        }
        String sandbox = null;
        if (qemuSandbox) {
            sandbox = xen ? "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny"
                          : "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";
            a.add("-sandbox");
            a.add(sandbox);
        }
        List<String> passthrough = new ArrayList<>(d.deviceModelArgs());
        passthrough.addAll(d.deviceModelArgsHvm());
        for (String arg : passthrough) {
            if (arg.indexOf('\0') >= 0) {
                throw new PlanException("device_model_args", "argument contains a NUL byte");
            }
            if (PassthroughPaths.mentionsHostPath(arg)) {
                q.warnings.add("device_model_args: '" + arg + "' names a host path; it is opaque to the "
                        + "confinement and QEMU will be denied access to it inside its root");
            }
        }
        a.addAll(passthrough);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("TMPDIR", "/tmp");
        env.put("LC_ALL", "C");
        return new DeviceModelPlan(binary, xen ? "xen" : "qemu", accel, kvm, List.copyOf(a), env, List.copyOf(q.fds), nics,
                FirmwareDirs.forBinary(binary), disks.stream().filter(ResolvedDisk::writable)
                        .mapToLong(ResolvedDisk::sizeBytes).max().orElse(0), sandbox, kernelBoot, List.copyOf(q.warnings), vnc);
    }

    private String chooseAccel() {
        return switch (policy.accel()) {
            case "kvm" -> "kvm";
            case "tcg" -> "tcg";
            default -> facts.kvmUsable() ? "kvm" : "tcg";
        };
    }
}
