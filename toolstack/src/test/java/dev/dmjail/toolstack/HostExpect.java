package dev.dmjail.toolstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.toolstack.host.CgroupLayout;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test may expect of this host, from the same {@link HostFacts} the planner uses — never from
 * what one machine happened to have. Machines of this kind differ (KVM usable or not; cgroup v1, v2
 * or hybrid; SELinux on or off), so a test states the expectation for each case and checks the one
 * that applies.
 */
public final class HostExpect {
    public static final HostFacts FACTS = HostFacts.detect();
    private static final ObjectMapper JSON = new ObjectMapper();

    private HostExpect() {}

    /** The accelerators a confinement test runs under: forced TCG everywhere, KVM where it works. */
    public static Stream<String> accelerators() {
        return Stream.of("tcg", "kvm");
    }

    /**
     * Skips (reported as skipped, with the reason: a skip is not a pass) a KVM variant on a host
     * where KVM cannot run a guest; the TCG variant of the same test still runs.
     */
    public static void assumeAccelerator(String accel) {
        if (accel.equals("kvm")) {
            Assumptions.assumeTrue(FACTS.kvmUsable(),
                    "KVM variant not run: this host has no usable KVM (" + FACTS.kvmReason() + "); the TCG variant ran");
        }
    }

    /** The host-config line that pins the accelerator, as an admin writes it. */
    public static String accelLine(String accel) {
        return "accel = " + accel;
    }

    /**
     * The private /dev a device model gets: the default allow-list's nodes that exist on this host,
     * with kvm only when the domain runs on KVM.
     */
    public static Set<String> privateDev(String accel) {
        Set<String> out = new TreeSet<>();
        for (String p : HostPolicy.defaults().cgroupDeviceAcl()) {
            String n = p.substring("/dev/".length());
            if (n.equals("kvm") && !accel.equals("kvm")) continue;
            if (isCharDevice(Path.of(p))) out.add(n);
        }
        return out;
    }

    public static boolean isCharDevice(Path p) {
        try {
            return (((Integer) Files.getAttribute(p, "unix:mode")) & 0170000) == 0020000;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** "c MAJ:MIN rwm" of a host device node, as the v1 devices.list shows it. */
    public static String deviceListEntry(String node) throws IOException {
        long rdev = ((Number) Files.getAttribute(Path.of(node), "unix:rdev")).longValue();
        return "c " + dev.dmjail.toolstack.sys.Sys.major(rdev) + ":" + dev.dmjail.toolstack.sys.Sys.minor(rdev) + " rwm";
    }

    /**
     * Every directory a domain's cgroups can have on this host (each v1 hierarchy used and the v2 mount).
     * These helpers take the domain's key (state.DomainKey: its name for a name of letters, digits and
     * {@code _.-}; {@code list --json} gives it for any other).
     */
    public static List<Path> cgroupDirs(String name) {
        CgroupLayout l = FACTS.cgroups();
        List<Path> out = new ArrayList<>();
        for (String c : HostPolicy.defaults().cgroupControllers()) {
            Path m = l.v1().get(c);
            if (m != null && !out.contains(m.resolve("dmjail").resolve(name))) out.add(m.resolve("dmjail").resolve(name));
        }
        if (l.v2Mount() != null) out.add(l.v2Mount().resolve("dmjail").resolve(name));
        return out;
    }

    /** Where a controller's files for the domain live: its v1 hierarchy, else the v2 group; null when nowhere. */
    public static Path cgroupDir(String controller, String name) {
        CgroupLayout l = FACTS.cgroups();
        Path m = l.v1().get(controller);
        if (m != null) return m.resolve("dmjail").resolve(name);
        if (l.v2Mount() != null && l.v2Controllers().contains(controller)) return l.v2Mount().resolve("dmjail").resolve(name);
        return null;
    }

    /** The memory limit file of the domain's memory cgroup (v1 memory.limit_in_bytes, v2 memory.max). */
    public static Path memoryLimitFile(String name) {
        boolean v1 = FACTS.cgroups().v1().containsKey("memory");
        Path d = cgroupDir("memory", name);
        return d == null ? null : d.resolve(v1 ? "memory.limit_in_bytes" : "memory.max");
    }

    /** The /proc/PID/cgroup lines a member of domain {@code name}'s cgroups must have on this host. */
    public static List<String> cgroupMembership(String name) {
        CgroupLayout l = FACTS.cgroups();
        List<String> out = new ArrayList<>();
        for (String c : List.of("memory", "pids")) {
            if (l.v1().containsKey(c)) out.add(":" + c + ":/dmjail/" + name);
        }
        if (l.v2Mount() != null) out.add("0::/dmjail/" + name);
        return out;
    }

    /** The accelerator the stored plan of a running domain (by its key) chose. */
    public static String plannedAccel(TestHost host, String key) throws IOException {
        JsonNode st = JSON.readTree(host.stateDir.resolve("domains").resolve(key).resolve("state.json").toFile());
        return st.get("plan").get("accel").asText();
    }
}
