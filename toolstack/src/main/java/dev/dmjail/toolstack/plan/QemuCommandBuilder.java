package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.config.DomainType;
import dev.dmjail.launcher.spec.LaunchSpec.FdSpec;
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

    /** fd numbers in the device model: 0 = /dev/null, 1/2 = log, 3 = QMP, disks and console from 4. */
    static final int FD_QMP = 3;
    static final int FD_FIRST_DYNAMIC = 4;

    private final HostPolicy policy;
    private final HostFacts facts;

    public QemuCommandBuilder(HostPolicy policy, HostFacts facts) {
        this.policy = policy;
        this.facts = facts;
    }

    /**
     * @param qemuSandbox add QEMU's own {@code -sandbox} deny set (the seccomp layer decides)
     * @param disks       the disks as resolved by {@link DiskResolver}
     */
    public DeviceModelPlan build(DomainConfig d, Integer domid, DomainPaths paths, List<ResolvedDisk> disks,
                                 boolean qemuSandbox, ResolvedUser user) throws PlanException {
        String binary = d.deviceModelOverride() != null ? d.deviceModelOverride() : policy.qemuBinary().toString();
        if (binary.indexOf('\0') >= 0 || binary.indexOf('\n') >= 0) {
            // a quoted xl string may hold a raw NUL byte; Path.of would throw (found by the proof tests)
            throw new PlanException("device_model_override", "path contains a NUL or newline");
        }
        List<String> warnings = new ArrayList<>();
        List<FdSpec> fds = new ArrayList<>();
        List<String> a = new ArrayList<>();
        fds.add(new FdSpec(0, FdSpec.Kind.DEV_NULL, null, false, false));
        fds.add(new FdSpec(1, FdSpec.Kind.FILE, paths.liveLog().toString(), false, true));
        fds.add(new FdSpec(2, FdSpec.Kind.FILE, paths.liveLog().toString(), false, true));
        fds.add(new FdSpec(FD_QMP, FdSpec.Kind.UNIX_LISTEN, paths.qmpSocket().toString(), false, false));

        boolean xen = policy.backend().equals("xen");
        if (!xen && d.type() != DomainType.HVM) {
            throw new PlanException("type", "a " + d.type().name().toLowerCase()
                    + " guest needs the xen backend; this host's backend is qemu (host config: backend)");
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
        }
        a.add("-m");
        a.add(Long.toString(Effective.memoryMiB(d)));
        a.add("-smp");
        a.add(Effective.vcpus(d) + ",maxcpus=" + Effective.maxVcpus(d));
        a.add("-display");
        a.add("none");
        a.add("-chardev");
        a.add("socket,id=qmp,fd=" + FD_QMP + ",server=on,wait=off");
        a.add("-mon");
        a.add("chardev=qmp,mode=control");

        int nextFd = FD_FIRST_DYNAMIC;
        int set = 1;
        for (ResolvedDisk disk : disks) {
            String id = "drive-" + QemuOpts.escape(disk.vdev());
            StringBuilder drive = new StringBuilder();
            if (disk.hostPath() != null) {
                // QEMU probes read-only first, then reopens read-write: an fdset needs both modes
                // (qemu_dup_flags() matches the access mode of the fds in the set).
                fds.add(new FdSpec(nextFd, FdSpec.Kind.DISK, disk.hostPath(), false, false, disk.identity()));
                a.add("-add-fd");
                a.add("fd=" + nextFd++ + ",set=" + set + ",opaque=" + QemuOpts.escape(disk.vdev()) + "-ro");
                if (disk.writable()) {
                    fds.add(new FdSpec(nextFd, FdSpec.Kind.DISK, disk.hostPath(), true, false, disk.identity()));
                    a.add("-add-fd");
                    a.add("fd=" + nextFd++ + ",set=" + set + ",opaque=" + QemuOpts.escape(disk.vdev()) + "-rw");
                }
                drive.append("file=/dev/fdset/").append(set).append(",format=").append(disk.qemuFormat()).append(',');
                set++;
            }
            drive.append("if=none,id=").append(id).append(",readonly=").append(disk.writable() ? "off" : "on");
            if (disk.cdrom()) {
                drive.append(",media=cdrom");
            }
            a.add("-drive");
            a.add(drive.toString());
            a.add("-device");
            if (disk.ideIndex() >= 0) {
                a.add((disk.cdrom() ? "ide-cd" : "ide-hd") + ",drive=" + id + ",bus=ide." + disk.ideIndex() / 2
                        + ",unit=" + disk.ideIndex() % 2);
            } else {
                a.add("virtio-blk-pci,drive=" + id);
            }
        }
        if (!d.serial().isEmpty() && !d.serial().get(0).equals("none")) {
            fds.add(new FdSpec(nextFd, FdSpec.Kind.FILE, paths.liveConsole().toString(), false, true));
            a.add("-add-fd");
            a.add("fd=" + nextFd++ + ",set=" + set + ",opaque=console");
            a.add("-chardev");
            a.add("file,id=serial0,path=/dev/fdset/" + set++);
            a.add("-serial");
            a.add("chardev:serial0");
        }
        String boot = d.boot() == null ? "cda" : d.boot();
        a.add("-boot");
        a.add("order=" + QemuOpts.escape(boot));
        List<Nic> nics = Nic.of(d, domid);
        for (Nic nic : nics) {
            // The tap interface is created on the host bridge by the network layer; the launcher
            // attaches to it (TUNSETIFF) and QEMU gets only the fd, in its empty network namespace.
            fds.add(new FdSpec(nextFd, FdSpec.Kind.TAP, nic.ifname(), true, false));
            a.add("-netdev");
            a.add("tap,id=net" + nic.devid() + ",fd=" + nextFd++ + ",vhost=off");
            a.add("-device");
            a.add(QemuOpts.escape(nic.model()) + ",netdev=net" + nic.devid() + ",mac=" + nic.mac());
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
                warnings.add("device_model_args: '" + arg + "' names a host path; it is opaque to the "
                        + "confinement and QEMU will be denied access to it inside its root");
            }
        }
        a.addAll(passthrough);

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("TMPDIR", "/tmp");
        env.put("LC_ALL", "C");
        return new DeviceModelPlan(binary, xen ? "xen" : "qemu", accel, kvm, List.copyOf(a), env, List.copyOf(fds), nics,
                FirmwareDirs.forBinary(binary), disks.stream().filter(ResolvedDisk::writable)
                        .mapToLong(ResolvedDisk::sizeBytes).max().orElse(0), sandbox, List.copyOf(warnings));
    }

    private String chooseAccel() {
        return switch (policy.accel()) {
            case "kvm" -> "kvm";
            case "tcg" -> "tcg";
            default -> facts.kvmUsable() ? "kvm" : "tcg";
        };
    }
}
