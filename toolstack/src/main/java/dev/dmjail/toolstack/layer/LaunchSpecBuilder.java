package dev.dmjail.toolstack.layer;

import dev.dmjail.launcher.spec.ExecSection;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.launcher.spec.Section;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects the section each layer contributes, keyed by the section's (the layer's) name, into one
 * immutable {@link LaunchSpec}. A layer that contributes nothing is switched off for the launcher.
 */
public final class LaunchSpecBuilder {
    private final String domainName;
    private final Map<String, Section> sections = new LinkedHashMap<>();

    public LaunchSpecBuilder(String domainName) { this.domainName = domainName; }

    /** This layer's section; a second section of the same name is a bug in a layer. */
    public LaunchSpecBuilder section(Section s) {
        if (sections.putIfAbsent(s.sectionName(), s) != null) {
            throw new IllegalStateException("two " + s.sectionName() + " sections contributed");
        }
        return this;
    }

    public LaunchSpec build() {
        if (!sections.containsKey(ExecSection.NAME)) {
            throw new IllegalStateException("no exec section: the fds-env layer did not contribute");
        }
        return new LaunchSpec(domainName, sections.values());
    }
}
