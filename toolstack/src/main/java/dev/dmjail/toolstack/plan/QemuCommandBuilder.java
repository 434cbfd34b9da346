package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.host.QemuFacts;
import dev.dmjail.toolstack.layer.FilesystemFirmwareDirs;
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
     * @param qemu        what this QEMU accepts (the xen backend's argv follows it); null for the qemu backend,
     *                    whose options are the same from 7.2 to 10.x
     * @param problems    what this host lacks for the device model (create refuses it, the dry run lists it)
     */
    public DeviceModelPlan build(DomainConfig d, Integer domid, DomainPaths paths, List<ResolvedDisk> disks,
                                 KernelBoot kernelBoot, Incoming incoming, boolean qemuSandbox, ResolvedUser user,
                                 QemuFacts qemu, Problems problems) throws PlanException {
        String binary = d.deviceModelOverride() != null ? d.deviceModelOverride() : policy.qemuBinary().toString();
        if (binary.indexOf('\0') >= 0 || binary.indexOf('\n') >= 0) {
            // a quoted xl string may hold a raw NUL byte; Path.of would throw (found by the proof tests)
            throw new PlanException("device_model_override", "path contains a NUL or newline");
        }
        QemuArgs q = new QemuArgs(problems);
        List<String> a = q.argv;
        q.fixedFd(new DeviceModelFd(0, DeviceModelFd.Kind.DEV_NULL, null, false, false, null));
        q.fixedFd(new DeviceModelFd(1, DeviceModelFd.Kind.FILE, paths.liveLog().toString(), false, true, null));
        q.fixedFd(new DeviceModelFd(2, DeviceModelFd.Kind.FILE, paths.liveLog().toString(), false, true, null));
        q.fixedFd(new DeviceModelFd(QemuArgs.FD_QMP, DeviceModelFd.Kind.UNIX_LISTEN, paths.qmpSocket().toString(), false, false, null));

        // a PV/PVH guest's device model is always Xen's (-machine xenpv): on the qemu backend the planner
        // lists "needs a Xen host" as a problem and the plan shows what would run there
        boolean pv = d.type() != DomainType.HVM;
        boolean xen = pv || policy.backend().equals("xen");
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
            // Xen backend, as libxl starts qemu-xen (libxl__build_device_model_args_new): QEMU attaches to
            // the domain and must open /dev/xen/* itself, so it drops privileges after its start-up
            // (see DESIGN.md: -runas and the -sandbox deny set cannot be combined).
            a.add("-xen-domid");
            a.add(domid == null ? "<domid>" : Integer.toString(domid));
            if (pv) {
                a.add("-xen-attach"); // libxl: for PV/PVH only; an HVM domain's QEMU is its emulator
            }
            a.add("-no-shutdown");
            a.add("-machine");
            a.add(pv ? "xenpv" : "xenfv,suppress-vmdesc=on");
            if (Boolean.TRUE.equals(d.dmRestrict())) {
                a.add("-xen-domid-restrict"); // libxl with dm_restrict: QEMU's Xen calls limited to this domain
            }
            if (user.source() != ResolvedUser.Source.ROOT) {
                // libxl switches the uid of an HVM guest's QEMU only (-runas is inside its HVM branch):
                // a PV guest's QEMU keeps root there. dmjail switches it for every type.
                dropPrivileges(a, qemu, user.uid() == null ? "<base+domid>:<base+domid>" : user.uid() + ":" + user.gid(),
                        paths.filesystemRoot().toString());
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
        // libxl: max_memkb for every type (the PV back-ends map the guest's grants, up to maxmem)
        a.add(Long.toString(pv && d.maxMemMiB() != null ? d.maxMemMiB() : Effective.memoryMiB(d)));
        if (!pv) { // a PV QEMU runs no vCPU (libxl passes no -smp)
            a.add("-smp");
            a.add(Effective.vcpus(d) + ",maxcpus=" + Effective.maxVcpus(d));
        }
        if (!xen && "ovmf".equals(d.bios())) {
            // QEMU finds OVMF.fd in its data dir (Debian's ovmf links it there; FilesystemFirmwareDirs binds both
            // into the root); read-only, so UEFI variables do not persist, as for a -bios image
            a.add("-bios");
            a.add(OVMF.getFileName().toString());
        }
        Display.Vnc vnc;
        if (!pv || d.type() == DomainType.PV && Boolean.TRUE.equals(d.vnc())) {
            vnc = Display.add(q, d); // a PV guest's vnc = 1 is its vfb (xl); a PVH guest's vnc is ignored by xl
        } else {
            vnc = null;
            a.add("-display");
            a.add("none");
        }
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
        if (pv) {
            DiskDevices.addXenPv(q, disks); // the qdisk back-ends only (XenPvDevices)
        } else {
            DiskDevices.add(q, disks);
            SerialConsole.add(q, d, paths); // xl reads serial for HVM only; a PV console is xenconsoled's
            a.add("-boot");
            a.add("order=" + BootOrder.of(d.boot()));
        }
        List<Nic> nics = pv ? List.of() : Nic.of(d, domid); // a PV vif is netback's, not QEMU's
        for (Nic nic : nics) {
            // The tap interface is created on the host bridge by the network layer; the launcher
            // attaches to it (TUNSETIFF) and QEMU gets only the fd, in its empty network namespace.
            int fd = q.fd(DeviceModelFd.Kind.TAP, nic.ifname(), true, false, null);
            a.add("-netdev");
            a.add("tap,id=net" + nic.devid() + ",fd=" + fd + ",vhost=off");
            a.add("-device");
            a.add(QemuOpts.escape(nic.model()) + ",netdev=net" + nic.devid() + ",mac=" + nic.mac());
        }
        if (incoming != null) {
            if (incoming.path() != null) {
                q.fd(DeviceModelFd.Kind.INCOMING, incoming.path(), false, false, incoming.identity());
            }
            // "defer": no incoming channel until QMP migrate-incoming, sent once the audit has passed
            a.add("-incoming");
            a.add("defer");
            if (incoming.paused()) {
                a.add("-S");
            }
        }
        QemuSandbox sandbox = qemuSandbox ? QemuSandbox.forBackend(xen) : null;
        if (sandbox != null) {
            a.add("-sandbox");
            a.add(sandbox.optionValue());
        }
        List<String> passthrough = new ArrayList<>(d.deviceModelArgs());
        passthrough.addAll(pv ? d.deviceModelArgsPv() : d.deviceModelArgsHvm());
        java.util.Set<String> chardevs = new java.util.TreeSet<>();
        for (int i = 0; i + 1 < a.size(); i++) {
            if (a.get(i).equals("-chardev")) {
                chardevs.add(List.of(a.get(i + 1).split(",")).stream().filter(p -> p.startsWith("id="))
                        .map(p -> p.substring(3)).findFirst().orElse(""));
            }
        }
        refuseOverrides(q, "device_model_args", d.deviceModelArgs(), chardevs);
        refuseOverrides(q, pv ? "device_model_args_pv" : "device_model_args_hvm",
                pv ? d.deviceModelArgsPv() : d.deviceModelArgsHvm(), chardevs);
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
                FilesystemFirmwareDirs.forBinary(binary), disks.stream().filter(ResolvedDisk::writable)
                        .mapToLong(ResolvedDisk::sizeBytes).max().orElse(0), sandbox, kernelBoot, List.copyOf(q.warnings), vnc,
                images(disks));
    }

    /** A passthrough list that overrides the plan is a problem at its key (create refuses it, the dry run lists it). */
    private static void refuseOverrides(QemuArgs q, String key, List<String> args, java.util.Set<String> chardevs)
            throws PlanException {
        String why = PassthroughOptions.override(args, chardevs);
        if (why != null) {
            q.problems.add(key, why);
        }
    }

    /** Each disk's image, then its backing chain's, once each; an empty cdrom drive has none. */
    private static List<String> images(List<ResolvedDisk> disks) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (ResolvedDisk d : disks) {
            if (d.hostPath() != null) {
                out.add(d.hostPath());
            }
            d.backing().forEach(b -> out.add(b.hostPath()));
        }
        return List.copyOf(out);
    }

    /**
     * QEMU switches to the device model's uid:gid and chroots into its root itself, after its start-up,
     * with the options this QEMU has ({@link QemuFacts}): {@code -run-with chroot=,user=} where it has them
     * (libxl 4.20 prefers them too), else {@code -chroot} (until 8.2) and {@code -runas} (until 9.2).
     */
    static void dropPrivileges(List<String> a, QemuFacts qemu, String uidGid, String root) throws PlanException {
        if (!qemu.canChroot() || !qemu.canSwitchUser()) {
            throw new PlanException("dm_restrict", "QEMU " + qemu.version() + " has no option to "
                    + (qemu.canChroot() ? "switch its user" : "chroot") + " after its start-up (-run-with "
                    + (qemu.canChroot() ? "user=" : "chroot=") + ", " + (qemu.canChroot() ? "-runas" : "-chroot")
                    + "), which a Xen device model needs to drop its privileges");
        }
        List<String> runWith = new ArrayList<>();
        if (qemu.runWithChroot()) {
            runWith.add("chroot=" + QemuOpts.escape(root));
        } else {
            a.add("-chroot");
            a.add(root);
        }
        if (qemu.runWithUser()) {
            runWith.add("user=" + uidGid); // numeric uid:gid: QEMU refuses a bare uid
        } else {
            a.add("-runas");
            a.add(uidGid);
        }
        if (!runWith.isEmpty()) {
            a.add("-run-with");
            a.add(String.join(",", runWith));
        }
    }

    private String chooseAccel() {
        return switch (policy.accel()) {
            case "kvm" -> "kvm";
            case "tcg" -> "tcg";
            default -> facts.kvmUsable() ? "kvm" : "tcg";
        };
    }
}
