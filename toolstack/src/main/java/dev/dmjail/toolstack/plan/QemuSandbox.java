package dev.dmjail.toolstack.plan;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * QEMU's own seccomp filter as the plan decides it: which of {@code -sandbox on}'s option groups
 * are denied (qemu-options.hx, "-sandbox arg[,obsolete=string][,elevateprivileges=string]
 * [,spawn=string][,resourcecontrol=string]"; a group not denied is allowed). The device-model
 * planner writes the argv from it ({@link #optionValue()}) and the seccomp layer's verify reads the
 * groups, so nothing parses the argv back.
 *
 * @param deny the groups denied, in QEMU's option order
 */
public record QemuSandbox(List<Group> deny) {

    /** The groups of QEMU's {@code -sandbox} (qemu-seccomp.c), in the order its option lists them. */
    public enum Group {
        OBSOLETE, ELEVATEPRIVILEGES, SPAWN, RESOURCECONTROL;

        /** The group's name in QEMU's option ("elevateprivileges"). */
        public String option() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public QemuSandbox(@JsonProperty("deny") List<Group> deny) {
        Set<Group> set = deny == null || deny.isEmpty() ? EnumSet.noneOf(Group.class) : EnumSet.copyOf(deny);
        this.deny = List.copyOf(set); // EnumSet iterates in declaration order: QEMU's
    }

    /**
     * The qemu backend denies every group: the launcher drops privileges before exec, so QEMU never
     * needs setuid (DESIGN.md: QEMU installs -sandbox before its own -runas/-chroot). The xen
     * backend allows elevateprivileges: there QEMU drops privileges itself after opening /dev/xen/*,
     * as libxl's dm_restrict has it.
     */
    public static QemuSandbox forBackend(boolean xen) {
        EnumSet<Group> d = EnumSet.allOf(Group.class);
        if (xen) {
            d.remove(Group.ELEVATEPRIVILEGES);
        }
        return new QemuSandbox(List.copyOf(d));
    }

    public boolean denies(Group g) {
        return deny.contains(g);
    }

    /** The value of {@code -sandbox}: "on," then every group with deny or allow. */
    public String optionValue() {
        StringBuilder b = new StringBuilder("on");
        for (Group g : Group.values()) {
            b.append(',').append(g.option()).append('=').append(denies(g) ? "deny" : "allow");
        }
        return b.toString();
    }

    /**
     * A state file written before this record holds the option value as a string
     * ("on,obsolete=deny,elevateprivileges=allow,…"): read it as the groups it denies. Only such a
     * file is parsed; the plan itself never goes through the string.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static QemuSandbox fromStoredOptionValue(String value) {
        List<Group> d = new ArrayList<>();
        for (Group g : Group.values()) {
            if (List.of(value.split(",")).contains(g.option() + "=deny")) {
                d.add(g);
            }
        }
        return new QemuSandbox(d);
    }
}
