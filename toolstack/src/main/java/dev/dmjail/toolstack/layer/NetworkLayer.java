package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.plan.Display;
import dev.dmjail.toolstack.proc.HostTcpSockets;

import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import dev.dmjail.toolstack.plan.Nic;
import dev.dmjail.toolstack.proc.ProcessView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest networking for the qemu backend without giving the device model any network of the host:
 * the toolstack creates a persistent tap interface per vif and attaches it to the host bridge (what
 * Xen's vif-bridge hotplug script does for a backend vif), the launcher attaches to it while still
 * root and hands QEMU only the fd, and QEMU itself lives in an empty network namespace. Destroy
 * deletes the interfaces. Uses iproute2's {@code ip}, as the hotplug scripts do.
 */
public final class NetworkLayer implements ConfinementLayer {

    public static final String NAME = "network";
    /** No switch: the taps are how the guest's NICs exist at all; a domain without vif has none. */
    public static final LayerKeys KEYS = LayerKeys.of(NAME);

    /**
     * @param vnc the VNC listener create binds in the host's namespace and hands to QEMU (null: none);
     *            its port is the one bound ({@link #withVncPort})
     */
    public record Settings(List<Nic> nics, Display.Vnc vnc) {}

    private static final NetworkAntiSpoof ANTI_SPOOF = new NetworkAntiSpoof();

    /** Where verify reads a tap's bridge (IFNAME/master): the host's sysfs, a fake tree in tests. */
    private final Path sysClassNet;

    public NetworkLayer() { this(Path.of("/sys/class/net")); }

    NetworkLayer(Path sysClassNet) { this.sysClassNet = sysClassNet; }

    @Override
    public String name() { return NAME; }

    @Override
    public LayerPlan plan(PlanContext ctx) {
        // the same NICs the device-model planner gave TAP fds to
        return LayerPlan.enforced(NAME, new Settings(ctx.dm().nics(), ctx.dm().vnc()));
    }

    @Override
    public void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {
        for (Nic n : plan.settingsAs(Settings.class).nics()) {
            prepareNic(n, rt.prepared());
        }
    }

    /** One NIC's tap on its bridge (and its source rules), each item recorded as made (create, network-attach). */
    public static void prepareNic(Nic n, Prepared prepared) throws LayerException {
        if (!bridgeExists(n.bridge())) {
            throw new LayerException(NAME, "bridge", "vif " + n.devid() + ": bridge " + n.bridge()
                    + " does not exist on this host (create it, or set bridge= in the vif spec)");
        }
        if (Files.exists(Path.of("/sys/class/net", n.ifname()))) {
            throw new LayerException(NAME, "tap", "interface " + n.ifname() + " already exists");
        }
        ip("tuntap", "add", "dev", n.ifname(), "mode", "tap");
        prepared.done(NAME, "tap " + n.ifname());
        if (!n.ips().isEmpty()) { // before the tap joins the bridge: no window for a spoofed frame
            ANTI_SPOOF.install(n.ifname(), n.ips());
            prepared.done(NAME, "antispoof " + n.ifname());
        }
        ip("link", "set", "dev", n.ifname(), "master", n.bridge());
        ip("link", "set", "dev", n.ifname(), "up");
    }

    @Override
    public LayerVerdict verify(LayerPlan plan, ProcessView view) {
        List<Check> checks = new ArrayList<>();
        List<Nic> nics = plan.settingsAs(Settings.class).nics();
        for (Nic n : nics) {
            String master;
            try {
                master = Files.readSymbolicLink(sysClassNet.resolve(n.ifname()).resolve("master")).getFileName().toString();
            } catch (IOException e) {
                master = "none";
            }
            checks.add(new Check(n.ifname() + " on bridge", n.bridge(), master, master.equals(n.bridge())));
            if (!n.ips().isEmpty()) {
                String t = ANTI_SPOOF.listed(n.ifname());
                boolean ok = t != null && n.ips().stream().allMatch(t::contains) && t.contains("\"" + n.ifname() + "\"");
                checks.add(new Check(n.ifname() + " sources limited (ip=)", String.join(" ", n.ips()),
                        t == null ? "no nft table " + NetworkAntiSpoof.table(n.ifname()) : ok ? String.join(" ", n.ips())
                                : "table differs", ok));
            }
        }
        long taps = view.fds().values().stream().filter("/dev/net/tun"::equals).count();
        checks.add(new Check("tap fds held by the device model", Integer.toString(nics.size()), Long.toString(taps),
                taps == nics.size()));
        checkHostSockets(plan.settingsAs(Settings.class).vnc(), view, checks);
        return LayerVerdict.of(plan, checks);
    }

    /**
     * The only host TCP sockets QEMU may hold are the VNC listener create handed it and the
     * connections it accepted from it (same local port): it cannot make others, its own
     * namespace is empty and the seccomp layer denies new AF_INET sockets.
     */
    private static void checkHostSockets(Display.Vnc vnc, ProcessView view, List<Check> checks) {
        var host = view.hostTcpSockets();
        List<HostTcpSockets.Tcp> held = new ArrayList<>();
        for (String link : view.fds().values()) {
            HostTcpSockets.Tcp t = host.get(HostTcpSockets.inode(link));
            if (t != null) {
                held.add(t);
            }
        }
        if (vnc != null) {
            List<HostTcpSockets.Tcp> listening = held.stream().filter(HostTcpSockets.Tcp::listening).toList();
            boolean ok = listening.size() == 1 && listening.get(0).port() == vnc.port()
                    && listening.get(0).local().getHostAddress().equals(addressOf(vnc.host()));
            checks.add(new Check("VNC listener (host namespace)", vnc.address() + " LISTEN",
                    listening.isEmpty() ? "none" : String.join(", ", listening.stream().map(HostTcpSockets.Tcp::describe).toList()), ok));
        }
        List<String> other = held.stream().filter(t -> vnc == null || t.port() != vnc.port())
                .map(HostTcpSockets.Tcp::describe).toList();
        checks.add(new Check("no other host TCP socket", "none", other.isEmpty() ? "none" : String.join(", ", other),
                other.isEmpty()));
    }

    private static String addressOf(String literal) {
        try {
            return java.net.InetAddress.getByName(literal).getHostAddress(); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            return literal;
        }
    }

    /** The plan with the port create actually bound (vncunused may have moved it past the first). */
    public static LayerPlan withVncPort(LayerPlan plan, int port) {
        Settings s = plan.settingsAs(Settings.class);
        Settings n = new Settings(s.nics(), s.vnc().withPort(port));
        return new LayerPlan(plan.layer(), plan.status(), plan.reason(), LayerPlan.enforced(NAME, n).settings());
    }

    @Override
    public void release(LayerPlan plan, DomainRuntime rt) throws LayerException {
        List<String> failures = new ArrayList<>();
        for (Nic n : plan.settingsAs(Settings.class).nics()) {
            failures.addAll(releaseNic(n, rt.prepared()));
        }
        if (!failures.isEmpty()) {
            throw new LayerException(NAME, "release", String.join("; ", failures));
        }
    }

    /** Undoes what {@link #prepareNic} recorded for {@code n}; the failures, in words. */
    public static List<String> releaseNic(Nic n, Prepared prepared) {
        List<String> failures = new ArrayList<>();
        if (prepared.has(NAME, "antispoof " + n.ifname())) {
            try {
                ANTI_SPOOF.remove(n.ifname());
            } catch (LayerException e) {
                if (ANTI_SPOOF.listed(n.ifname()) != null) { // already gone is what release wants
                    failures.add(e.getMessage());
                }
            }
        }
        // only a tap this domain's prepare made: a refused "already exists" is somebody else's
        if (prepared.has(NAME, "tap " + n.ifname()) && Files.exists(Path.of("/sys/class/net", n.ifname()))) {
            try {
                ip("link", "del", "dev", n.ifname());
            } catch (LayerException e) {
                failures.add(e.getMessage());
            }
        }
        return failures;
    }

    private static void ip(String... args) throws LayerException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ip");
        cmd.addAll(List.of(args));
        HostTool.run(NAME, String.join(" ", cmd), cmd, null);
    }

    /**
     * A tap or bridge name the kernel accepts: the launcher's one rule for a TAP fd's interface name
     * ({@code FdSpec.INTERFACE_NAME}), asked here so the plan refuses at the vif's line what the
     * launcher would refuse at spawn.
     */
    public static boolean validInterfaceName(String name) {
        return dev.dmjail.launcher.spec.FdSpec.validInterfaceName(name);
    }

    /** The bridge {@code name} exists on this host (the planner and prepare both ask). */
    public static boolean bridgeExists(String name) {
        return Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
    }
}
