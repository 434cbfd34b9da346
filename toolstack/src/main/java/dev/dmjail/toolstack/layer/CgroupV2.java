package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.bpf.Bpf;
import dev.dmjail.toolstack.bpf.DeviceProgram;
import dev.dmjail.toolstack.layer.CgroupLayer.Group;
import dev.dmjail.toolstack.layer.CgroupLayer.Settings;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The cgroup2 hierarchy: controllers enabled top-down in cgroup.subtree_control; memory.max (and no
 * swap), pids.max; no devices file: the allow-list is a BPF_PROG_TYPE_CGROUP_DEVICE program attached
 * to the group ({@link DeviceProgram}, as libvirt's vircgroupv2devices.c does). On a hybrid host the
 * group has no controllers and serves process tracking, cgroup.kill and the BPF program.
 */
record CgroupV2(Group group) implements CgroupHierarchy {

    private List<String> controllers() {
        return group.controllers().isEmpty() ? List.of() : List.of(group.controllers().split(","));
    }

    @Override
    public void prepareParent(Path parent) throws LayerException {
        if (controllers().isEmpty()) {
            return;
        }
        // A v2 controller is usable in a child only when enabled in the parent's subtree_control,
        // all the way from the root (Documentation/admin-guide/cgroup-v2.rst, "top-down constraint").
        StringBuilder sb = new StringBuilder();
        for (String c : controllers()) {
            sb.append('+').append(c).append(' ');
        }
        for (Path p : List.of(parent.getParent(), parent)) {
            CgroupHierarchy.write(p, "cgroup.subtree_control", sb.toString().trim());
        }
    }

    @Override
    public void apply(Path dir, Settings s) throws LayerException {
        for (String c : controllers()) {
            switch (c) {
                case "memory" -> {
                    CgroupHierarchy.write(dir, "memory.max", Long.toString(s.memoryBytes()));
                    CgroupHierarchy.write(dir, "memory.swap.max", "0");
                }
                case "pids" -> CgroupHierarchy.write(dir, "pids.max", Long.toString(s.pidsMax()));
                default -> { }
            }
        }
        if (s.deviceAclVia().contains(CgroupLayer.VIA_V2)) {
            try {
                Bpf.attachDeviceAllowList(dir, s.devices());
            } catch (IOException e) {
                throw new LayerException(CgroupLayer.NAME, "attach BPF device program", e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean member(String line) {
        String[] f = line.split(":", 3);
        return f.length == 3 && f[1].isEmpty() && f[2].equals("/" + group.relPath());
    }

    @Override
    public List<Check> checks(Path dir, Settings s) {
        List<Check> out = new ArrayList<>();
        if (s.deviceAclVia().contains(CgroupLayer.VIA_V2)) {
            int n = Bpf.attachedDevicePrograms(dir);
            out.add(new Check("BPF device programs on " + dir, ">= 1", Integer.toString(n), n >= 1));
        }
        for (String c : controllers()) {
            switch (c) {
                case "memory" -> out.add(CgroupHierarchy.file(dir, "memory.max", Long.toString(s.memoryBytes())));
                case "pids" -> out.add(CgroupHierarchy.file(dir, "pids.max", Long.toString(s.pidsMax())));
                default -> { }
            }
        }
        return out;
    }

    @Override
    public String label() {
        return "v2" + (group.controllers().isEmpty() ? "" : " " + group.controllers());
    }
}
