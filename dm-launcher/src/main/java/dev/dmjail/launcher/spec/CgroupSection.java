package dev.dmjail.launcher.spec;

import java.util.List;

/**
 * The cgroup layer's section: the {@code cgroup.procs} files (v1 controllers and/or the v2 group)
 * the launcher joins first, so every later allocation is charged to the domain.
 */
public record CgroupSection(List<String> procs) implements Section {
    public static final String NAME = "cgroup";

    public CgroupSection {
        procs = procs == null ? List.of() : List.copyOf(procs);
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        for (String p : procs) {
            if (!Paths.absolute(p)) {
                throw new SpecException(NAME, SpecException.EINVAL, "cgroup.procs path must be absolute: " + p);
            }
        }
    }
}
