package dev.dmjail.launcher.spec;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The seccomp layer's section: a deny-list filter the launcher installs with libseccomp on its
 * thread right before the spawn (inherited by the device model). Default action: allow.
 *
 * @param denyEperm          syscall names answered EPERM
 * @param denyEnosys         syscall names answered ENOSYS (clone3: seccomp cannot inspect its flags)
 * @param denyCloneNamespaceFlags clone() with any CLONE_NEW* flag answered EPERM
 * @param denySocketFamilies socket(family, ...) for these address families answered EAFNOSUPPORT
 *                           (AF_INET = 2, AF_INET6 = 10, AF_PACKET = 17: a device model that gets its
 *                           NICs as tap fds opens no network socket of its own)
 */
public record SeccompSection(List<String> denyEperm, List<String> denyEnosys, boolean denyCloneNamespaceFlags,
                             List<Integer> denySocketFamilies) implements Section {
    public static final String NAME = "seccomp";
    static final int AF_UNIX = 1;

    public SeccompSection {
        denyEperm = denyEperm == null ? List.of() : List.copyOf(denyEperm);
        denyEnosys = denyEnosys == null ? List.of() : List.copyOf(denyEnosys);
        denySocketFamilies = denySocketFamilies == null ? List.of() : List.copyOf(denySocketFamilies);
    }

    public SeccompSection(List<String> denyEperm, List<String> denyEnosys, boolean denyCloneNamespaceFlags) {
        this(denyEperm, denyEnosys, denyCloneNamespaceFlags, List.of());
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    /** Name resolution is the step's (libseccomp knows the running architecture's table). */
    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        Set<String> seen = new HashSet<>();
        for (List<String> list : List.of(denyEperm, denyEnosys)) {
            for (String name : list) {
                if (name == null || name.isEmpty()) {
                    throw new SpecException(NAME, SpecException.EINVAL, "empty syscall name");
                }
                if (!seen.add(name)) {
                    throw new SpecException(NAME, 17 /* EEXIST */, "syscall \"" + name + "\" listed twice");
                }
            }
        }
        if (denyCloneNamespaceFlags && seen.contains("clone")) {
            throw new SpecException(NAME, 17 /* EEXIST */, "clone is both denied outright and filtered by namespace flags");
        }
        if (denySocketFamilies.contains(AF_UNIX)) {
            throw new SpecException(NAME, SpecException.EINVAL, "AF_UNIX cannot be denied: QEMU needs it");
        }
    }
}
