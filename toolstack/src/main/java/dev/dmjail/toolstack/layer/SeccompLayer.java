package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.SeccompSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.plan.QemuSandbox;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.proc.SeccompEval;
import dev.dmjail.toolstack.proc.SeccompFilters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two seccomp filters: QEMU's own {@code -sandbox} deny set (added to the argv by the device-model
 * planner) and a filter the launcher installs before the spawn for syscalls QEMU never needs. Some
 * of these (user namespaces via clone/unshare, io_uring, userfaultfd, perf_event_open, keyrings)
 * are open to any unprivileged user on a stock kernel, so this filter is the only layer that stops
 * them. clone3 is answered ENOSYS because seccomp cannot read its flags (they are in a struct in
 * memory); glibc then falls back to clone, whose flags the filter can check.
 */
public final class SeccompLayer implements ConfinementLayer {

    public static final String NAME = "seccomp";
    /** Two parts host-wide (QEMU's -sandbox, the launcher's filter), one switch per domain. */
    public static final LayerKeys KEYS = LayerKeys.of(NAME).switched().host("seccomp_sandbox", "seccomp_launcher")
            .hostAlias("launcher_seccomp", "seccomp_launcher");

    static final List<String> DENY_EPERM = List.of(
            "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
            "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
            "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
            "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd",
            "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
            "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
            "open_by_handle_at", "name_to_handle_at", "swapon", "swapoff", "reboot", "acct",
            "quotactl", "syslog", "lookup_dcookie", "settimeofday", "clock_settime", "adjtimex",
            "personality", "uselib", "vhangup", "iopl", "ioperm");
    static final List<String> DENY_ENOSYS = List.of("clone3");
    /**
     * socket() families the device model never needs: its NICs are tap fds, QMP an inherited
     * socket and its VNC listener a TCP socket the toolstack bound and handed over (accept4 is not
     * socket()), so AF_INET/AF_INET6/AF_PACKET are answered EAFNOSUPPORT — a second layer behind the
     * empty network namespace (docs/proof: TCP to the host's loopback was stopped by it alone).
     */
    static final List<Integer> DENY_SOCKET_FAMILIES = List.of(2, 10, 17);

    public record Settings(QemuSandbox qemuSandbox, boolean launcherFilter, List<String> denyEperm,
                           List<String> denyEnosys, boolean denyCloneNamespaceFlags, List<Integer> denySocketFamilies,
                           int minFilters) {}

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        boolean dom = ctx.switches().on(NAME);
        boolean qemu = wantsQemuSandbox(ctx.switches(), ctx.policy().seccompSandbox());
        boolean launcher = dom && ctx.policy().seccompLauncher();
        QemuSandbox sandbox = qemu ? ctx.dm().qemuSandbox() : null; // as data, not read back from the argv
        Settings s = new Settings(sandbox, launcher, launcher ? DENY_EPERM : List.of(),
                launcher ? DENY_ENOSYS : List.of(), launcher, launcher ? DENY_SOCKET_FAMILIES : List.of(),
                (launcher ? 1 : 0) + (sandbox != null ? 1 : 0));
        if (!dom) {
            return LayerPlan.weakened(NAME, DomainSwitches.offReason(NAME), null);
        }
        if (!qemu || !launcher) {
            return LayerPlan.weakened(NAME, (!qemu ? "QEMU -sandbox off (host config seccomp_sandbox=0) " : "")
                    + (!launcher ? "launcher filter off (host config seccomp_launcher=0)" : ""), s);
        }
        return LayerPlan.enforced(NAME, s);
    }

    /** Whether the device-model planner must add QEMU's -sandbox (decided before the argv exists). */
    public static boolean wantsQemuSandbox(DomainSwitches sw, boolean hostSeccompSandbox) {
        return sw.on(NAME) && hostSeccompSandbox;
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        if (!plan.active()) {
            return;
        }
        Settings s = plan.settingsAs(Settings.class);
        if (s.launcherFilter()) {
            spec.section(new SeccompSection(s.denyEperm(), s.denyEnosys(), s.denyCloneNamespaceFlags(),
                    s.denySocketFamilies()));
        }
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        Map<Integer, Map<String, String>> threads = view.threadStatuses();
        int min = plan.active() ? plan.settingsAs(Settings.class).minFilters() : 0;
        for (var e : threads.entrySet()) {
            String mode = e.getValue().get("Seccomp");
            String filters = e.getValue().getOrDefault("Seccomp_filters", "?");
            if (min == 0) {
                checks.add(new Check("thread " + e.getKey() + ": Seccomp", "off (weakened)", mode, true));
                continue;
            }
            checks.add(new Check("thread " + e.getKey() + ": Seccomp mode", "2 (filter)", mode, "2".equals(mode)));
            boolean enough = filters.matches("\\d+") && Integer.parseInt(filters) >= min;
            checks.add(new Check("thread " + e.getKey() + ": Seccomp_filters", ">= " + min, filters, enough));
        }
        if (threads.isEmpty()) {
            checks.add(new Check("process", "running", "gone", false));
        }
        if (min > 0 && !threads.isEmpty()) {
            checks.addAll(filtersInForce(plan.settingsAs(Settings.class), view.seccompFilters()));
        }
        return LayerVerdict.of(plan, checks);
    }

    /**
     * What the process's filters do, not how many there are: each planned denial is run through the
     * dumped filter stack ({@link SeccompEval}) and must be stopped. For QEMU's -sandbox, built by
     * QEMU at run time, a few syscalls of each denied group must be stopped (qemu-seccomp.c's lists):
     * a device model that ignores -sandbox and loads an allow-all filter fails here.
     */
    static List<Check> filtersInForce(Settings s, SeccompFilters.Dump dump) {
        if (!dump.observed()) {
            return evaluate(s, dump);
        }
        FilterKey key = new FilterKey(s, dump.filters());
        List<Check> known = VERDICTS.get(key);
        if (known == null) {
            known = List.copyOf(evaluate(s, dump));
            if (VERDICTS.size() >= MAX_VERDICTS) {
                VERDICTS.clear();
            }
            VERDICTS.put(key, known);
        }
        return new ArrayList<>(known);
    }

    /**
     * The verdict of each (plan settings, filter stack) pair seen by this process: the checks are a
     * pure function of the two, and every domain planned alike runs the same filters (the launcher's
     * from the same settings, QEMU's -sandbox from the same options), so `audit --all` of 200 domains
     * evaluates one stack once instead of running ~40 syscalls through it 200 times (issue 14). Each
     * domain's filters are still dumped from its process; only the evaluation is shared.
     */
    private static final java.util.Map<FilterKey, List<Check>> VERDICTS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_VERDICTS = 64;

    /** Settings and a dumped filter stack, compared by content. */
    private record FilterKey(Settings settings, List<long[]> filters) {
        @Override
        public boolean equals(Object o) {
            if (!(o instanceof FilterKey k) || !settings.equals(k.settings) || filters.size() != k.filters.size()) {
                return false;
            }
            for (int i = 0; i < filters.size(); i++) {
                if (!java.util.Arrays.equals(filters.get(i), k.filters.get(i))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            int h = settings.hashCode();
            for (long[] f : filters) {
                h = 31 * h + java.util.Arrays.hashCode(f);
            }
            return h;
        }
    }

    private static List<Check> evaluate(Settings s, SeccompFilters.Dump dump) {
        List<Check> checks = new ArrayList<>();
        if (!dump.observed()) {
            checks.add(new Check("filter rules (PTRACE_SECCOMP_GET_FILTER)", "observed",
                    "not observable: " + dump.unobservable() + "; only the filter count above was checked", true));
            return checks;
        }
        List<long[]> f = dump.filters();
        if (s.launcherFilter()) {
            List<String> open = new ArrayList<>();
            for (String name : s.denyEperm()) {
                if (!denied(f, name)) open.add(name);
            }
            for (String name : s.denyEnosys()) {
                if (!denied(f, name)) open.add(name);
            }
            if (s.denyCloneNamespaceFlags()) {
                for (int flag : new int[] {0x20000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000}) {
                    if (!denied(f, "clone", flag)) open.add("clone(0x" + Integer.toHexString(flag) + ")");
                }
            }
            for (int family : s.denySocketFamilies()) {
                if (!denied(f, "socket", family)) open.add("socket(" + family + ")");
            }
            checks.add(new Check("launcher filter: planned denials in force", "all "
                    + (s.denyEperm().size() + s.denyEnosys().size()) + " syscalls, clone namespace flags, socket families",
                    open.isEmpty() ? "all denied (" + f.size() + " filters evaluated)" : "ALLOWED: " + String.join(", ", open),
                    open.isEmpty()));
        }
        if (s.qemuSandbox() != null) {
            List<String> open = new ArrayList<>();
            for (var g : QEMU_SANDBOX_PROBES.entrySet()) {
                if (!s.qemuSandbox().denies(g.getKey())) continue;
                for (String name : g.getValue()) {
                    if (!denied(f, name)) open.add(g.getKey().option() + ":" + name);
                }
            }
            checks.add(new Check("QEMU -sandbox " + s.qemuSandbox().optionValue() + " in force", "denied: " + probesText(s.qemuSandbox()),
                    open.isEmpty() ? "all denied" : "ALLOWED: " + String.join(", ", open), open.isEmpty()));
        }
        return checks;
    }

    /** The probes of the groups {@code sandbox} denies, as "obsolete=[sysfs, ustat] …". */
    private static String probesText(QemuSandbox sandbox) {
        List<String> out = new ArrayList<>();
        QEMU_SANDBOX_PROBES.forEach((g, names) -> {
            if (sandbox.denies(g)) out.add(g.option() + "=" + names);
        });
        return String.join(" ", out);
    }

    /** A few syscalls of each -sandbox group QEMU denies (qemu-seccomp.c, QEMU 7.2 .. 10), x86_64 names. */
    static final Map<QemuSandbox.Group, List<String>> QEMU_SANDBOX_PROBES = new java.util.EnumMap<>(Map.of(
            QemuSandbox.Group.OBSOLETE, List.of("sysfs", "ustat"),
            QemuSandbox.Group.ELEVATEPRIVILEGES, List.of("setuid", "setresuid", "setsid"),
            QemuSandbox.Group.SPAWN, List.of("fork", "vfork", "execve"),
            QemuSandbox.Group.RESOURCECONTROL, List.of("setpriority", "sched_setscheduler", "sched_setaffinity")));

    private static boolean denied(List<long[]> filters, String syscall, long... args) {
        int nr = dev.dmjail.toolstack.sys.LibSeccomp.syscallNumber(syscall);
        if (nr < 0) {
            return false; // unknown to libseccomp here: cannot be shown denied
        }
        try {
            return SeccompEval.denies(SeccompEval.run(filters, nr, args));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
