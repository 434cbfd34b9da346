package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.ExecSection;
import dev.dmjail.launcher.spec.FdSpec;
import dev.dmjail.launcher.spec.FdsEnvSection;
import dev.dmjail.toolstack.host.ImageDirs;
import dev.dmjail.toolstack.plan.DeviceModelFd;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.proc.HostTcpSockets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The device model starts with exactly the fds planned for it (the launcher dup2()s them into place
 * and closes everything else at spawn, as Firecracker's jailer does with close_range) and exactly
 * the planned environment. It also carries the device model's argv, so the launcher's exec comes
 * from this layer's section.
 */
public final class FdEnvLayer implements ConfinementLayer {

    public static final String NAME = "fds-env";
    /** No switch: the device model cannot run without its fds. */
    public static final LayerKeys KEYS = LayerKeys.of(NAME);

    /**
     * @param outputs the log and the console, each on its bounded tmpfs ({@link FdEnvBoundedOutput})
     */
    public record Settings(List<DeviceModelFd> fds, Map<String, String> env, String binary, List<String> argv,
                           List<FdEnvBoundedOutput> outputs) {}

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        var p = ctx.paths();
        List<FdEnvBoundedOutput> outputs = new ArrayList<>(List.of(new FdEnvBoundedOutput(p.logFs().toString(),
                p.liveLog().toString(), p.log().toString(), ctx.policy().logMaxBytes())));
        if (ctx.dm().fds().stream().anyMatch(f -> p.liveConsole().toString().equals(f.path()))) {
            outputs.add(new FdEnvBoundedOutput(p.consoleFs().toString(), p.liveConsole().toString(), p.console().toString(),
                    ctx.policy().consoleMaxBytes()));
        }
        Settings s = new Settings(ctx.dm().fds(), ctx.dm().env(), ctx.dm().binary(), ctx.dm().argv(), List.copyOf(outputs));
        boolean disks = s.fds().stream().anyMatch(f -> f.kind() == DeviceModelFd.Kind.DISK);
        if (disks && ImageDirs.any(ctx.policy())) {
            return LayerPlan.weakened(NAME, "host config image_dirs = any: disks may come from any directory", s);
        }
        return LayerPlan.enforced(NAME, s);
    }

    @Override
    public void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {
        Settings s = plan.settingsAs(Settings.class);
        for (FdEnvBoundedOutput o : s.outputs()) {
            o.prepare(rt.prepared());
        }
        if (serialSocketPlanned(s, rt)) {
            FdEnvConsoleLock.make(rt);
        }
    }

    @Override
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        List<FdEnvBoundedOutput> outputs = plan.settings() == null ? null : plan.settingsAs(Settings.class).outputs();
        for (FdEnvBoundedOutput o : outputs == null ? List.<FdEnvBoundedOutput>of() : outputs) { // null: a plan from before them
            o.release(rt.prepared());
        }
        FdEnvConsoleLock.release(rt);
    }

    private static boolean serialSocketPlanned(Settings s, DomainRuntime rt) {
        String sock = rt.paths().serialSocket().toString();
        return s.fds().stream().anyMatch(f -> f.kind() == DeviceModelFd.Kind.UNIX_LISTEN && sock.equals(f.path()));
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        Settings s = plan.settingsAs(Settings.class);
        spec.section(new FdsEnvSection(s.fds().stream().map(FdEnvLayer::wire).toList()));
        spec.section(new ExecSection(s.binary(), s.argv(), s.env(), "/"));
    }

    /** The plan's fd as the launcher's wire type: the one place the two meet (same fields, same kind names). */
    static FdSpec wire(DeviceModelFd f) {
        return new FdSpec(f.target(), FdSpec.Kind.valueOf(f.kind().name()), f.path(), f.write(), f.append(), f.identity());
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        Settings s = plan.settingsAs(Settings.class);
        List<Check> checks = new ArrayList<>();
        List<String> wantEnv = new ArrayList<>();
        s.env().forEach((k, v) -> wantEnv.add(k + "=" + v));
        List<String> env = view.environ();
        checks.add(new Check("environment", String.join(" ", new TreeSet<>(wantEnv)), String.join(" ", new TreeSet<>(env)),
                new TreeSet<>(wantEnv).equals(new TreeSet<>(env))));
        Set<String> allowedPaths = new TreeSet<>();
        for (DeviceModelFd f : s.fds()) {
            if (f.path() != null && f.kind() != DeviceModelFd.Kind.TAP) {
                allowedPaths.add(f.path());
            }
        }
        allowedPaths.add("/dev/null");
        Map<Integer, String> fds = view.fds();
        Map<Integer, String> ids = view.fdIdentities();
        Set<String> plannedDisks = new TreeSet<>();
        s.fds().stream().filter(f -> (f.kind() == DeviceModelFd.Kind.DISK || f.kind() == DeviceModelFd.Kind.INCOMING) && f.identity() != null)
                .forEach(f -> plannedDisks.add(f.identity()));
        Map<Long, String> listening = view.hostUnixListeners();
        for (DeviceModelFd f : s.fds()) {
            // stdio keeps its number; QEMU moves -add-fd fds into its fdsets (F_DUPFD_CLOEXEC, then
            // close: softmmu/vl.c parse_add_fd), so the others are checked by what they point to.
            boolean ok;
            String got;
            if (f.target() >= 0 && f.target() <= 2) { // (a disk attached while running has no fixed number: -1)
                got = fds.get(f.target());
                ok = got != null && (f.kind() == DeviceModelFd.Kind.DEV_NULL ? got.equals("/dev/null") : got.equals(f.path()));
            } else if (f.kind() == DeviceModelFd.Kind.UNIX_LISTEN) {
                // QEMU keeps a chardev's fd=N at N (QMP, the serial line): it must still be the
                // socket listening on the planned path, nothing the device model swapped in
                got = fds.get(f.target());
                String bound = listening.get(HostTcpSockets.inode(got));
                ok = f.path().equals(bound);
                got = got == null ? null : bound == null ? got + " (not a socket listening on a path)"
                        : "listening on " + bound;
            } else if (f.kind() == DeviceModelFd.Kind.DISK && f.identity() != null) {
                // by identity: the planned file itself, whatever its path reads as now
                ok = ids.containsValue(f.identity());
                got = ok ? "open (" + f.identity() + ")" : "not open";
            } else if (f.kind() == DeviceModelFd.Kind.INCOMING) {
                // QEMU reads the saved state once and closes it (migration's incoming channel): open
                // or closed both hold; what it may not be is another file (the stray check below)
                ok = true;
                got = ids.containsValue(f.identity()) ? "open (" + f.identity() + ")" : "read and closed";
            } else if (f.kind() == DeviceModelFd.Kind.TAP) {
                ok = fds.containsValue("/dev/net/tun");
                got = ok ? "/dev/net/tun open" : "no tap fd";
            } else {
                ok = fds.containsValue(f.path());
                got = ok ? "open" : "not open";
            }
            checks.add(new Check("fd " + f.target(), f.kind() + (f.path() == null ? "" : " " + f.path()),
                    got == null ? "closed" : got, ok));
        }
        List<String> stray = new ArrayList<>();
        for (var e : fds.entrySet()) {
            String t = e.getValue();
            boolean internal = t.startsWith("socket:") || t.startsWith("pipe:") || t.startsWith("anon_inode:")
                    || t.startsWith("/dev/") || t.startsWith("/tmp/") || t.startsWith("/memfd:");
            if (!internal && !allowedPaths.contains(t) && !plannedDisks.contains(ids.get(e.getKey()))) {
                stray.add(e.getKey() + " -> " + t);
            }
        }
        checks.add(new Check("no fd to an unplanned host path", "none", stray.isEmpty() ? "none" : String.join(", ", stray),
                stray.isEmpty()));
        List<FdEnvBoundedOutput> outputs = s.outputs() == null ? List.of() : s.outputs();
        List<String> unbounded = FdEnvBoundedOutput.unbounded(outputs, view.self().mountinfo());
        checks.add(new Check("log and console on their bounded tmpfs", outputs.stream()
                .map(o -> o.mount() + " (" + o.bytes() / 1024 + " KiB)").toList().toString(),
                unbounded.isEmpty() ? "mounted" : "not mounted: " + unbounded, unbounded.isEmpty()));
        return LayerVerdict.of(plan, checks);
    }
}
