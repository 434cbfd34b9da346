package dev.dmjail.launcher.spec;

import java.util.List;

/** The rlimits layer's section: set before the uid switch (raising a hard limit needs CAP_SYS_RESOURCE). */
public record RlimitsSection(List<RlimitSpec> limits) implements Section {
    public static final String NAME = "rlimits";

    public RlimitsSection {
        limits = limits == null ? List.of() : List.copyOf(limits);
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        for (RlimitSpec r : limits) {
            if (Rlimit.byName(r.resource()) == null) {
                throw new SpecException(NAME, SpecException.EINVAL, "unknown rlimit resource " + r.resource());
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw new SpecException(NAME, SpecException.EINVAL,
                        "rlimit " + r.resource() + ": soft " + r.soft() + " above hard " + r.hard());
            }
        }
    }
}
