package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.layer.CgroupLayer.Group;
import dev.dmjail.toolstack.layer.CgroupLayer.Settings;
import dev.dmjail.toolstack.layer.LayerVerdict.Check;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What differs between a cgroup v1 hierarchy and the cgroup2 hierarchy, behind one interface (as
 * Firecracker's jailer has {@code trait Cgroup} with {@code CgroupV1}/{@code CgroupV2}): how the
 * domain's group is prepared and limited, and how the audit reads it back. The layer
 * ({@link CgroupLayer}) plans the groups and drives them without knowing which version each is.
 */
sealed interface CgroupHierarchy permits CgroupV1, CgroupV2 {

    /** The hierarchy of a planned group ({@code Group.version} is "v1" or "v2" in the stored plan). */
    static CgroupHierarchy of(Group g) {
        return g.version().equals("v2") ? new CgroupV2(g) : new CgroupV1(g);
    }

    /** Before the group's mkdir: whatever its parents need (v2: controllers enabled top-down). */
    void prepareParent(Path parent) throws LayerException;

    /** After the mkdir: the limits and the device allow-list of {@code s}. */
    void apply(Path dir, Settings s) throws LayerException;

    /** Whether a /proc/PID/cgroup line says the process is in this group. */
    boolean member(String procCgroupLine);

    /** The audit's checks of the group's limits and allow-list, read back from the host's files. */
    List<Check> checks(Path dir, Settings s);

    /** A short name for check labels: "v1 memory", "v2". */
    String label();

    static void write(Path dir, String file, String value) throws LayerException {
        try {
            Files.writeString(dir.resolve(file), value);
        } catch (IOException e) {
            throw new LayerException(CgroupLayer.NAME, "write " + file, dir.resolve(file) + " <- " + value + ": "
                    + e.getMessage(), e);
        }
    }

    static Check file(Path dir, String name, String want) {
        String got;
        try {
            got = Files.readString(dir.resolve(name)).trim();
        } catch (IOException e) {
            got = "unreadable: " + e.getMessage();
        }
        return new Check(name, want, got, want.equals(got));
    }
}
