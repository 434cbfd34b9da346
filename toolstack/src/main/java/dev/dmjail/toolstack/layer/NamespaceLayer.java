package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.NamespacesSection;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.proc.ProcessView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Namespaces: mount (propagation made MS_SLAVE|MS_REC by the launcher so later host mounts still
 * reach in, as libvirt's qemu_namespace.c does), ipc, uts, net (empty: the device model gets its
 * resources as fds, nothing from the host network) and pid (the device model is pid 1 of its own
 * namespace: it cannot see or signal anything else). libxl unshares only mount and ipc.
 */
public final class NamespaceLayer implements ConfinementLayer {

    public static final String NAME = "namespaces";
    /** The parts, in the order the plan lists them. */
    public static final List<String> PARTS = List.of("mount", "ipc", "uts", "net", "pid");
    public static final LayerKeys KEYS = LayerKeys.of(NAME).parts(PARTS).host("namespaces")
            .switchAlias("ns_mount", "namespaces_mount").switchAlias("ns_ipc", "namespaces_ipc")
            .switchAlias("ns_uts", "namespaces_uts").switchAlias("ns_net", "namespaces_net")
            .switchAlias("ns_pid", "namespaces_pid");

    /** xl switch → /proc/PID/ns entry name. */
    private static final Map<String, String> PROC_NAMES = Map.of(
            "mount", "mnt", "ipc", "ipc", "uts", "uts", "net", "net", "pid", "pid");

    public record Settings(Map<String, Boolean> namespaces, String hostname, String propagation) {}

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        Map<String, Boolean> ns = new LinkedHashMap<>();
        List<String> off = new ArrayList<>();
        for (String n : PARTS) {
            boolean host = ctx.policy().namespaces().contains(n);
            boolean dom = ctx.switches().on(KEYS.part(n));
            ns.put(n, host && dom);
            if (!host) {
                off.add(n + " (host config namespaces)");
            } else if (!dom) {
                off.add(n + " (dmjail_" + KEYS.part(n) + "=0)");
            }
        }
        Settings s = new Settings(ns, "dm-" + ctx.paths().key(), ns.get("mount") ? "slave,recursive" : null);
        return off.isEmpty() ? LayerPlan.enforced(NAME, s)
                : LayerPlan.weakened(NAME, "not unshared: " + String.join(", ", off), s);
    }

    @Override
    public void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {
        Settings s = plan.settingsAs(Settings.class);
        Map<String, Boolean> n = s.namespaces();
        if (n.containsValue(true)) {
            spec.section(new NamespacesSection(n.get("mount"), n.get("ipc"), n.get("uts"), n.get("net"), n.get("pid"),
                    n.get("uts") ? s.hostname() : null));
        }
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        Settings s = plan.settingsAs(Settings.class);
        ProcessView self = view.self();
        ProcessView init = view.init();
        List<Check> checks = new ArrayList<>();
        for (var e : s.namespaces().entrySet()) {
            String procName = PROC_NAMES.get(e.getKey());
            String observed = view.namespace(procName).orElse("?");
            boolean differs = !observed.equals("?") && !observed.equals(self.namespace(procName).orElse(""))
                    && !observed.equals(init.namespace(procName).orElse(""));
            checks.add(new Check(e.getKey() + " namespace", e.getValue() ? "own" : "host's (weakened)",
                    observed + (differs ? " (own)" : " (shared with host)"), e.getValue() == differs));
        }
        if (Boolean.TRUE.equals(s.namespaces().get("pid"))) {
            String nspid = view.status().map(m -> m.getOrDefault("NSpid", "")).orElse("");
            String[] ids = nspid.split("\\s+");
            checks.add(new Check("pid in its namespace (NSpid)", "1", nspid,
                    ids.length >= 2 && ids[ids.length - 1].equals("1")));
        }
        if (s.propagation() != null) {
            String root = view.mountinfo().stream().filter(l -> l.split(" ")[4].equals("/")).findFirst().orElse("");
            boolean shared = root.contains(" shared:");
            checks.add(new Check("/ propagation", "not shared with the host", shared ? "shared" : "private/slave", !shared));
        }
        return LayerVerdict.of(plan, checks);
    }
}
