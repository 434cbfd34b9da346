package dev.dmjail.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The host facts xl's parser asks libxl for while it reads a config (Xen 4.17 xl_parse.c): the CPU count that
 * sizes every cpu bitmap (libxl_cpu_bitmap_alloc with 0 → libxl_get_max_cpus → xc_get_max_cpus), the online
 * CPUs vnuma's vcpus are checked against (libxl_get_online_cpus), the NUMA node count (physinfo nr_nodes for
 * vnuma's pnode, xc_get_max_nodes for node bitmaps) and each CPU's node (libxl_get_cpu_topology, for the
 * {@code node:} forms of cpus=). On a Xen host these are the hypervisor's; xl without Xen cannot run at all.
 * dmjail asks the Linux host it runs on ({@link #thisHost()}); the parity test gives both sides the facts of
 * its fakexen shim, so its result does not depend on the machine's CPU count.
 *
 * @param maxCpus    xc_get_max_cpus (physinfo max_cpu_id + 1)
 * @param onlineCpus xc_get_online_cpus (physinfo nr_cpus)
 * @param nodes      physinfo nr_nodes, and xc_get_max_nodes (max_node_id + 1)
 * @param cpuNode    node of each CPU 0..maxCpus-1 (xc_cputopoinfo), -1 where Xen says invalid
 */
public record HostFacts(int maxCpus, int onlineCpus, int nodes, int[] cpuNode) {
    public HostFacts {
        if (maxCpus < 1 || onlineCpus < 1 || nodes < 1 || cpuNode.length != maxCpus) {
            throw new IllegalArgumentException("host facts: " + maxCpus + " cpus, " + onlineCpus + " online, " + nodes
                    + " nodes, " + cpuNode.length + " topology entries");
        }
        cpuNode = cpuNode.clone();
    }

    /** Every CPU online and on node 0 (the parity shim's host: {@code uniform(4)}). */
    public static HostFacts uniform(int cpus) {
        return new HostFacts(cpus, cpus, 1, new int[cpus]);
    }

    private static final Path CPU = Path.of("/sys/devices/system/cpu");
    private static final Path NODE = Path.of("/sys/devices/system/node");
    private static HostFacts host;

    /** This Linux host: cpu/possible, cpu/online, node/nodeN/cpulist (one node when there is no NUMA sysfs). */
    public static synchronized HostFacts thisHost() {
        if (host == null) host = readHost();
        return host;
    }

    private static HostFacts readHost() {
        int fallback = Runtime.getRuntime().availableProcessors();
        boolean[] possible = cpuList(CPU.resolve("possible"));
        int max = possible == null ? fallback : Math.max(1, possible.length);
        boolean[] online = cpuList(CPU.resolve("online"));
        int nOnline = online == null ? fallback : Math.max(1, count(online));
        int[] node = new int[max];
        int nodes = 1;
        boolean[] nodeIds = cpuList(NODE.resolve("possible"));
        if (nodeIds != null) {
            Arrays.fill(node, -1);
            nodes = Math.max(1, nodeIds.length);
            for (int n = 0; n < nodeIds.length; n++) {
                boolean[] cpus = nodeIds[n] ? cpuList(NODE.resolve("node" + n).resolve("cpulist")) : null;
                for (int c = 0; cpus != null && c < cpus.length && c < max; c++) if (cpus[c]) node[c] = n;
            }
        }
        return new HostFacts(max, nOnline, nodes, node);
    }

    /** A sysfs cpu list ("0-3,8"), as a set of ids; null when the file is missing or unreadable. */
    static boolean[] cpuList(Path file) {
        try {
            String s = Files.readString(file).strip();
            if (s.isEmpty()) return new boolean[0];
            int top = -1;
            for (String r : s.split(",")) top = Math.max(top, Integer.parseInt(r.substring(r.indexOf('-') + 1)));
            if (top > 1 << 20) return null; // not a cpu list this side of sanity
            boolean[] set = new boolean[top + 1];
            for (String r : s.split(",")) {
                int dash = r.indexOf('-');
                int a = Integer.parseInt(dash < 0 ? r : r.substring(0, dash));
                int b = Integer.parseInt(r.substring(dash + 1));
                for (int i = a; i <= b; i++) set[i] = true;
            }
            return set;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static int count(boolean[] set) {
        int n = 0;
        for (boolean b : set) if (b) n++;
        return n;
    }

    /** Bits of a libxl cpu bitmap allocated for {@code n} cpus (0: the host's): whole bytes (libxl_bitmap_alloc). */
    int cpuBits(long n) {
        long cpus = n == 0 ? maxCpus : n;
        return (int) ((cpus + 7) / 8 * 8);
    }

    /** Bits of a libxl node bitmap allocated with 0 (libxl_node_bitmap_alloc → libxl_get_max_nodes). */
    int nodeBits() {
        return (nodes + 7) / 8 * 8;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostFacts h && h.maxCpus == maxCpus && h.onlineCpus == onlineCpus && h.nodes == nodes
                && Arrays.equals(h.cpuNode, cpuNode);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cpuNode) * 31 + maxCpus;
    }

    @Override
    public String toString() {
        return "HostFacts[" + maxCpus + " cpus, " + onlineCpus + " online, " + nodes + " nodes, cpu nodes "
                + Arrays.toString(cpuNode) + "]";
    }
}
