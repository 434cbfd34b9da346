package dev.dmjail.launcher.spec;

import java.util.List;
import java.util.Map;

/**
 * Everything the dm-launcher needs to confine itself and start the device model, as pure data.
 *
 * <p>The toolstack builds it from the confinement plan (each layer fills its own section), writes it
 * as JSON to the launcher's stdin, and the launcher applies the sections in the fixed order of
 * {@code docs/architecture.md}. A {@code null} section means that layer is switched off for this
 * domain; the launcher then skips the step and the audit reports the layer as WEAKENED.
 *
 * @param domainName    for error messages only
 * @param fds           resources the privileged launcher opens before confining itself and hands to
 *                      the device model at fixed fd numbers; everything else is closed at spawn
 * @param cgroupProcs   cgroup.procs files (v1 controllers and/or the v2 group) the launcher joins
 *                      before anything else, so every later allocation is charged to the domain
 * @param namespaces    namespaces to unshare, or null (a {@code root} needs {@code mount})
 * @param root          private read-only root to pivot into, or null
 * @param rlimits       resource limits set before the uid switch
 * @param identity      uid/gid/groups/capabilities/no_new_privs, or null (run as root: legacy)
 * @param selinuxExecLabel SELinux label for the exec, or null when SELinux is not in force
 * @param seccomp       launcher-installed filter, or null
 * @param exec          what to start, with which argv and environment
 * @param landlock      Landlock ruleset the launcher restricts itself with before the spawn, or null
 */
public record LaunchSpec(
        String domainName,
        List<FdSpec> fds,
        List<String> cgroupProcs,
        NamespaceSpec namespaces,
        RootSpec root,
        List<RlimitSpec> rlimits,
        IdentitySpec identity,
        String selinuxExecLabel,
        SeccompSpec seccomp,
        ExecSpec exec,
        LandlockSpec landlock) {

    public LaunchSpec(String domainName, List<FdSpec> fds, List<String> cgroupProcs, NamespaceSpec namespaces,
                      RootSpec root, List<RlimitSpec> rlimits, IdentitySpec identity, String selinuxExecLabel,
                      SeccompSpec seccomp, ExecSpec exec) {
        this(domainName, fds, cgroupProcs, namespaces, root, rlimits, identity, selinuxExecLabel, seccomp, exec, null);
    }

    public LaunchSpec {
        fds = fds == null ? List.of() : List.copyOf(fds);
        cgroupProcs = cgroupProcs == null ? List.of() : List.copyOf(cgroupProcs);
        rlimits = rlimits == null ? List.of() : List.copyOf(rlimits);
    }

    /**
     * One fd the device model receives. The launcher opens it while still privileged, in the host's
     * mount namespace, and dup2()s it to {@code target} in the spawned child.
     *
     * @param target   fd number in the device model (0, 1, 2 or >= 3)
     * @param kind     how to obtain it
     * @param path     file or socket path on the host (FILE, UNIX_LISTEN), device (TAP: ifname)
     * @param write    FILE: open read-write (else read-only)
     * @param append   FILE: O_APPEND|O_CREAT (log files), mode 0640; without {@code write} the
     *                 file is opened write-only. Always O_NOFOLLOW|O_NOCTTY|O_CLOEXEC: a symlink
     *                 as last component is refused (ELOOP)
     */
    public record FdSpec(int target, Kind kind, String path, boolean write, boolean append, String identity) {
        public FdSpec(int target, Kind kind, String path, boolean write, boolean append) {
            this(target, kind, path, write, append, null);
        }

        public enum Kind {
            /**
             * A log or console file: openat2 with no symlink on the way, O_NONBLOCK, O_CLOEXEC (cleared
             * in the child by dup2); must be a regular file.
             */
            FILE,
            /**
             * A guest disk: opened like FILE, and must be a regular file or a block device; when
             * {@code identity} ("dev:ino") is set, the opened file must be the one the plan checked.
             */
            DISK,
            /** /dev/null read-only (stdin). */
            DEV_NULL,
            /** socket(AF_UNIX), bind(path), listen(); path created root-owned, mode 0600. */
            UNIX_LISTEN,
            /**
             * A saved device-model state QEMU reads once ({@code -incoming fd:N}): opened read-only like
             * FILE, must be a regular file and, with {@code identity}, the one the plan checked.
             */
            INCOMING,
            /** /dev/net/tun attached (TUNSETIFF, IFF_TAP|IFF_NO_PI) to the existing tap interface named by path. */
            TAP
        }
    }

    /** Namespaces unshared by the launcher thread before spawning (pid: the child becomes pid 1). */
    public record NamespaceSpec(boolean mount, boolean ipc, boolean uts, boolean net, boolean pid, String hostname) {}

    /**
     * The per-domain root: a tmpfs mounted (inside the private mount namespace, so the host never
     * sees it) on {@code mountPoint}, populated, made read-only, pivoted into.
     *
     * @param mountPoint   empty directory on the host used as the tmpfs mount point (it stays empty
     *                     on the host: the mount exists only in the launcher's mount namespace)
     * @param readOnlyBinds host paths bound read-only at the same path inside the root (files or
     *                     directories); each must be canonical (no symlink on the way): plan the
     *                     symlinks in {@code symlinks}, as {@code ElfDependencies} returns them
     * @param symlinks     symlinks to recreate (path inside the root → target)
     * @param devices      device nodes created with mknod under /dev
     * @param writableDirs directories (inside the root) on a small tmpfs owned by the dm uid
     * @param tmpfsBytes   size of each writable tmpfs (0: 8 MiB)
     * @param files        single files the launcher opens itself (no symlink on the way, identity
     *                     checked) and binds into the root from the open file, not by name: a
     *                     guest's kernel and initrd, which QEMU reads by path ({@code -kernel})
     */
    public record RootSpec(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                           List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes, List<RootFile> files) {
        public RootSpec {
            readOnlyBinds = readOnlyBinds == null ? List.of() : List.copyOf(readOnlyBinds);
            symlinks = symlinks == null ? Map.of() : Map.copyOf(symlinks);
            devices = devices == null ? List.of() : List.copyOf(devices);
            writableDirs = writableDirs == null ? List.of() : List.copyOf(writableDirs);
            files = files == null ? List.of() : List.copyOf(files);
        }

        public RootSpec(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                        List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes) {
            this(mountPoint, readOnlyBinds, symlinks, devices, writableDirs, tmpfsBytes, List.of());
        }
    }

    /**
     * One host file made visible in the root at {@code at} (read-only, nosuid, nodev, noexec).
     *
     * @param hostPath canonical host path, opened with no symlink on the way (a tenant may own a
     *                 directory on it)
     * @param identity "dev:ino" the plan checked; the opened file must be that one
     */
    public record RootFile(String at, String hostPath, String identity) {}

    /** A character device node: /dev/{name}, major:minor, mode (octal, e.g. 0666). */
    public record DeviceNode(String name, int major, int minor, int mode) {}

    /** setrlimit(resource, soft, hard); resource is the RLIMIT_* name without prefix ("FSIZE"). -1 = infinity. */
    public record RlimitSpec(String resource, long soft, long hard) {}

    /**
     * The uid switch. Groups are always emptied (setgroups(0, NULL)) before setresgid/setresuid.
     *
     * @param clearCapabilities drop every capability from the bounding and ambient sets
     * @param noNewPrivs        PR_SET_NO_NEW_PRIVS
     */
    public record IdentitySpec(int uid, int gid, boolean clearCapabilities, boolean noNewPrivs) {}

    /**
     * A deny-list filter installed with libseccomp on the launcher thread right before the spawn
     * (inherited by the device model). Default action: allow.
     *
     * @param denyEperm          syscall names answered EPERM
     * @param denyEnosys         syscall names answered ENOSYS (clone3: seccomp cannot inspect its flags)
     * @param denyCloneNamespaceFlags clone() with any CLONE_NEW* flag answered EPERM
     * @param denySocketFamilies socket(family, ...) for these address families answered EAFNOSUPPORT
     *                           (AF_INET = 2, AF_INET6 = 10, AF_PACKET = 17: a device model that gets its
     *                           NICs as tap fds opens no network socket of its own)
     */
    public record SeccompSpec(List<String> denyEperm, List<String> denyEnosys, boolean denyCloneNamespaceFlags,
                              List<Integer> denySocketFamilies) {
        public SeccompSpec {
            denyEperm = denyEperm == null ? List.of() : List.copyOf(denyEperm);
            denyEnosys = denyEnosys == null ? List.of() : List.copyOf(denyEnosys);
            denySocketFamilies = denySocketFamilies == null ? List.of() : List.copyOf(denySocketFamilies);
        }

        public SeccompSpec(List<String> denyEperm, List<String> denyEnosys, boolean denyCloneNamespaceFlags) {
            this(denyEperm, denyEnosys, denyCloneNamespaceFlags, List.of());
        }
    }

    /**
     * Landlock (landlock(7)): file-system access only beneath the listed paths (as the device model sees
     * them, inside its root), with the rights each list names; with {@code denyTcp} (ABI 4+) no TCP bind
     * or connect at all; with {@code scoped} (ABI 6+) no abstract unix socket and no signal outside the
     * domain. Rights the kernel's ABI does not know are left out, as landlock(7) recommends.
     *
     * @param readOnly  read files, list directories, execute
     * @param readWrite also write, create, remove, rename within (a writable tmpfs)
     * @param devices   read-write device nodes, with ioctl (ABI 5+: LANDLOCK_ACCESS_FS_IOCTL_DEV)
     */
    public record LandlockSpec(List<String> readOnly, List<String> readWrite, List<String> devices, boolean denyTcp,
                               boolean scoped) {
        public LandlockSpec {
            readOnly = readOnly == null ? List.of() : List.copyOf(readOnly);
            readWrite = readWrite == null ? List.of() : List.copyOf(readWrite);
            devices = devices == null ? List.of() : List.copyOf(devices);
        }
    }

    /**
     * @param path  binary to exec, as seen inside the root (same path as on the host)
     * @param argv  full argv, argv[0] included
     * @param env   the whole environment of the device model
     * @param cwd   working directory inside the root
     */
    public record ExecSpec(String path, List<String> argv, Map<String, String> env, String cwd) {
        public ExecSpec {
            argv = List.copyOf(argv);
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }
}
