package dev.dmjail.launcher.spec;

import java.util.List;

/**
 * The landlock layer's section (landlock(7)): file-system access only beneath the listed paths (as the
 * device model sees them, inside its root), with the rights each list names; with {@code denyTcp}
 * (ABI 4+) no TCP bind or connect at all; with {@code scoped} (ABI 6+) no abstract unix socket and
 * no signal outside the domain. Rights the kernel's ABI does not know are left out, as landlock(7)
 * recommends.
 *
 * @param readOnly  read files, list directories, execute
 * @param readWrite also write, create, remove, rename within (a writable tmpfs)
 * @param devices   read-write device nodes, with ioctl (ABI 5+: LANDLOCK_ACCESS_FS_IOCTL_DEV)
 */
public record LandlockSection(List<String> readOnly, List<String> readWrite, List<String> devices, boolean denyTcp,
                              boolean scoped) implements Section {
    public static final String NAME = "landlock";

    public LandlockSection {
        readOnly = readOnly == null ? List.of() : List.copyOf(readOnly);
        readWrite = readWrite == null ? List.of() : List.copyOf(readWrite);
        devices = devices == null ? List.of() : List.copyOf(devices);
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        for (List<String> list : List.of(readOnly, readWrite, devices)) {
            for (String p : list) {
                if (!Paths.absolute(p)) {
                    throw new SpecException(NAME, SpecException.EINVAL, "path must be absolute: " + p);
                }
            }
        }
    }
}
