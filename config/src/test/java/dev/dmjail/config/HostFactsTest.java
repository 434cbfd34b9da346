package dev.dmjail.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What xl's parser takes from the host (libxl on Xen; {@link HostFacts} here): the cpu bitmap width, the
 * online CPUs and NUMA nodes vnuma is checked against, the node of each CPU for cpus="node:N". The parity
 * corpus runs on the fakexen host only (4 CPUs, one node); these are the other hosts, which the real xl
 * cannot be shown without Xen.
 */
class HostFactsTest {
    @TempDir Path dir;

    /** 4 CPUs, 0-1 on node 0 and 2-3 on node 1. */
    static final HostFacts TWO_NODES = new HostFacts(4, 4, 2, new int[] {0, 0, 1, 1});

    private ParsedDomain load(HostFacts facts, String text) throws Exception {
        Path f = dir.resolve("g.cfg");
        Files.writeString(f, "name = \"g\"\ntype = \"hvm\"\n" + text + "\n");
        return XlConfigLoader.load(f, List.of(), facts);
    }

    private JsonNode json(HostFacts facts, String text) throws Exception {
        return LibxlJson.toJson(load(facts, text).domain());
    }

    private static List<Integer> ints(JsonNode a) {
        return IntStream.range(0, a.size()).mapToObj(i -> a.get(i).asInt()).toList();
    }

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    @Test void allCpusIsAsWideAsTheHostNotAsThisMachine() throws Exception {
        // libxl_cpu_bitmap_alloc(ctx, map, 0): libxl_get_max_cpus bits, in whole bytes
        assertEquals(upTo(8), ints(json(HostFacts.uniform(4), "vcpus = 1\ncpus = \"all\"").at("/b_info/vcpu_hard_affinity/0")));
        assertEquals(upTo(16), ints(json(HostFacts.uniform(9), "vcpus = 1\ncpus = \"all\"").at("/b_info/vcpu_hard_affinity/0")));
        assertEquals(upTo(64), ints(json(HostFacts.uniform(64), "vcpus = 1\ncpus = \"all\"").at("/b_info/vcpu_hard_affinity/0")));
        // a CPU number past the width is dropped (an empty hard map is xl's error); its low 32 bits count (int bit)
        ConfigException e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(4), "vcpus = 1\ncpus = \"9\""));
        assertTrue(e.getMessage().contains("vcpu hard affinity map is empty"), e.getMessage());
        assertEquals(List.of(9), ints(json(HostFacts.uniform(16), "vcpus = 1\ncpus = \"9\"").at("/b_info/vcpu_hard_affinity/0")));
        assertEquals(List.of(1), ints(json(HostFacts.uniform(4), "vcpus = 1\ncpus = \"4294967297\"").at("/b_info/vcpu_hard_affinity/0")));
    }

    @Test void nodeFormsTakeTheNodesCpusFromTheTopology() throws Exception {
        assertEquals(List.of(2, 3), ints(json(TWO_NODES, "vcpus = 1\ncpus_soft = \"node:1\"").at("/b_info/vcpu_soft_affinity/0")));
        assertEquals(List.of(2, 3), ints(json(TWO_NODES, "vcpus = 1\ncpus = \"0-3,^node:0\"").at("/b_info/vcpu_hard_affinity/0")));
        assertEquals(List.of(0, 1, 3), ints(json(TWO_NODES, "vcpus = 1\ncpus = \"nodes:0-1,^2\"").at("/b_info/vcpu_hard_affinity/0")));
        assertEquals(upTo(8), ints(json(TWO_NODES, "vcpus = 1\ncpus = \"node:all\"").at("/b_info/vcpu_hard_affinity/0")));
        // one node: node 1 has no CPU, and a hard map left empty is xl's error
        assertEquals(0, json(HostFacts.uniform(4), "vcpus = 1\ncpus_soft = \"node:1\"").at("/b_info/vcpu_soft_affinity/0").size());
        ConfigException e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(4), "vcpus = 1\ncpus = \"node:1\""));
        assertTrue(e.getMessage().contains("vcpu hard affinity map is empty"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(TWO_NODES, "vcpus = 1\ncpus = \"node:x\""));
        assertTrue(e.getMessage().endsWith("cpus: Invalid pcpu range: x."), e.getMessage());
    }

    @Test void vnumaIsCheckedAgainstTheHostsNodesAndOnlineCpus() throws Exception {
        String twoNodes = "vnuma = [ [ \"pnode=0\", \"size=64\", \"vcpus=0-2\" ], [ \"pnode=1\", \"size=64\", \"vcpus=3-5\" ] ]";
        ConfigException e = assertThrows(ConfigException.class, () -> load(TWO_NODES, twoNodes));
        assertTrue(e.getMessage().contains("xl: vnuma specifies more vcpus than pcpus"), e.getMessage());
        JsonNode j = json(new HostFacts(8, 8, 2, new int[] {0, 0, 0, 0, 1, 1, 1, 1}), twoNodes);
        assertEquals(6, j.at("/b_info/max_vcpus").asInt());
        assertEquals(1, j.at("/b_info/vnuma_nodes/1/pnode").asInt());
        assertEquals(List.of(3, 4, 5), ints(j.at("/b_info/vnuma_nodes/1/vcpus")));
        assertEquals(131072, j.at("/b_info/max_memkb").asInt());
        e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(8), twoNodes));
        assertTrue(e.getMessage().contains("xl: invalid pnode number: 1 (this host has 1 NUMA node)"), e.getMessage());
    }

    @Test void vnumaWhereXlsCGoesWrongIsRefusedWithTheReason() {
        // xl: parse_range's ULONG_MAX end never ends the loop; a third distance for two nodes is written past the array
        ConfigException e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(4),
                "maxvcpus = 1\nvnuma = [ [ \"vcpus=0,18446744073709551614-18446744073709551615\" ] ]"));
        assertTrue(e.getMessage().contains("loops forever"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(4),
                "vnuma = [ [ \"vcpus=0\", \"vdistances=1,2,3\" ], [ \"vcpus=1\" ] ]"));
        assertTrue(e.getMessage().contains("3 vdistances for 2 vnodes"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load(HostFacts.uniform(4), "vnuma = [ [ \"vcpus=0-100000\" ] ]\nmaxvcpus = 100001"));
        assertTrue(e.getMessage().contains("dmjail's bound"), e.getMessage());
    }

    @Test void thisHostIsReadFromSysfs() throws Exception {
        HostFacts h = HostFacts.thisHost();
        assertTrue(h.maxCpus() >= h.onlineCpus(), h.toString());
        assertTrue(h.onlineCpus() >= 1 && h.nodes() >= 1, h.toString());
        boolean[] possible = HostFacts.cpuList(Path.of("/sys/devices/system/cpu/possible"));
        assertEquals(possible.length, h.maxCpus(), "cpu/possible's highest id + 1: " + h);
        Files.writeString(dir.resolve("list"), "0-3,8,10-11\n");
        boolean[] l = HostFacts.cpuList(dir.resolve("list"));
        assertEquals(12, l.length);
        assertEquals(7, IntStream.range(0, l.length).filter(i -> l[i]).count());
        assertEquals(null, HostFacts.cpuList(dir.resolve("missing")));
    }
}
