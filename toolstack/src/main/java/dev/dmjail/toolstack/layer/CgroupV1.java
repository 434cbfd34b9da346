package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.layer.CgroupLayer.Group;
import dev.dmjail.toolstack.layer.CgroupLayer.Settings;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A v1 hierarchy: one mount per controller (or a few co-mounted, e.g. "cpu,cpuacct"); limits in
 * memory.limit_in_bytes and pids.max; the device allow-list as devices.deny "a" then one
 * devices.allow line per node (Documentation/admin-guide/cgroup-v1/devices.rst).
 */
record CgroupV1(Group group) implements CgroupHierarchy {

    /** The controllers this mount carries that dmjail sets (the group's controllers, comma-separated). */
    private List<String> controllers() {
        return List.of(group.controllers().split(","));
    }

    @Override
    public void prepareParent(Path parent) {
        // v1 controllers need nothing in the parent
    }

    @Override
    public void apply(Path dir, Settings s) throws LayerException {
        for (String c : controllers()) {
            switch (c) {
                case "memory" -> CgroupHierarchy.write(dir, "memory.limit_in_bytes", Long.toString(s.memoryBytes()));
                case "pids" -> CgroupHierarchy.write(dir, "pids.max", Long.toString(s.pidsMax()));
                case "devices" -> {
                    if (s.deviceAclVia().contains(CgroupLayer.VIA_V1)) {
                        CgroupHierarchy.write(dir, "devices.deny", "a");
                        for (String a : s.deviceAllow()) {
                            CgroupHierarchy.write(dir, "devices.allow", a);
                        }
                    }
                }
                default -> { } // joined for accounting (cpu) only
            }
        }
    }

    @Override
    public boolean member(String line) {
        String[] f = line.split(":", 3);
        return f.length == 3 && List.of(f[1].split(",")).containsAll(controllers()) && f[2].equals("/" + group.relPath());
    }

    @Override
    public List<Check> checks(Path dir, Settings s) {
        List<Check> out = new ArrayList<>();
        for (String c : controllers()) {
            switch (c) {
                case "memory" -> out.add(CgroupHierarchy.file(dir, "memory.limit_in_bytes", Long.toString(s.memoryBytes())));
                case "pids" -> out.add(CgroupHierarchy.file(dir, "pids.max", Long.toString(s.pidsMax())));
                case "devices" -> {
                    if (s.deviceAclVia().contains(CgroupLayer.VIA_V1)) {
                        out.add(deviceList(dir, s.deviceAllow()));
                    }
                }
                default -> { }
            }
        }
        return out;
    }

    private static Check deviceList(Path dir, List<String> allow) {
        Set<String> got = new LinkedHashSet<>();
        try {
            got.addAll(Files.readAllLines(dir.resolve("devices.list")));
        } catch (IOException e) {
            got.add("unreadable");
        }
        Set<String> want = new LinkedHashSet<>(allow);
        return new Check("devices.list", String.join(", ", want), String.join(", ", got), got.equals(want));
    }

    @Override
    public String label() {
        return "v1 " + group.controllers();
    }
}
