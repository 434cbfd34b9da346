package dev.dmjail.launcher.spec;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the dm-launcher needs to confine itself and start the device model, as pure data: one
 * {@link Section} per confinement layer, keyed by the layer's name (an absent section means that
 * layer is switched off for this domain: the launcher skips its step and the audit reports the
 * layer WEAKENED), plus {@link ExecSection}, what is spawned.
 *
 * <p>The toolstack builds it from the confinement plan (each layer contributes its own section),
 * writes it as JSON ({@link SpecWriter}) to the launcher's stdin, and the launcher reads it back
 * (the native reader (dm-launcher/src/main/c/spec.c; its Java model for the tests: test SpecReader)) and applies the sections in the order of its steps. The JSON is one object:
 * {@code {"domainName": ..., "<layer>": {...}, ..., "exec": {...}}}.
 */
public final class LaunchSpec {
    private final String domainName;
    private final Map<String, Section> sections;

    /** @throws IllegalArgumentException when two sections have the same name */
    public LaunchSpec(String domainName, Collection<? extends Section> sections) {
        this.domainName = domainName;
        Map<String, Section> m = new LinkedHashMap<>();
        for (Section s : sections) {
            if (m.put(s.sectionName(), s) != null) {
                throw new IllegalArgumentException("two " + s.sectionName() + " sections");
            }
        }
        this.sections = Collections.unmodifiableMap(m);
    }

    public LaunchSpec(String domainName, Section... sections) {
        this(domainName, List.of(sections));
    }

    /** For error messages only. */
    public String domainName() {
        return domainName;
    }

    /** The sections by name, in the order they were given. */
    public Map<String, Section> sections() {
        return sections;
    }

    /** The section of this type, or null when absent (the layer is switched off). */
    public <S extends Section> S section(Class<S> type) {
        for (Section s : sections.values()) { // a loop, not a stream: also called after pivot_root
            if (type.isInstance(s)) {
                return type.cast(s);
            }
        }
        return null;
    }

    public ExecSection exec() {
        return section(ExecSection.class);
    }

    /** This spec with {@code s} added, or replacing the section of the same name. */
    public LaunchSpec with(Section s) {
        Map<String, Section> m = new LinkedHashMap<>(sections);
        m.put(s.sectionName(), s);
        return new LaunchSpec(domainName, m.values());
    }

    /** This spec without the named section (the layer switched off). */
    public LaunchSpec without(String name) {
        List<Section> l = new ArrayList<>(sections.values());
        l.removeIf(s -> s.sectionName().equals(name));
        return new LaunchSpec(domainName, l);
    }

    /** Every section's own rules; an exec section is required. */
    public void validate() throws SpecException {
        if (exec() == null) {
            throw new SpecException(ExecSection.NAME, SpecException.EINVAL, "no exec section: nothing to spawn");
        }
        for (Section s : sections.values()) {
            s.validate(this);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LaunchSpec l && Objects.equals(domainName, l.domainName) && sections.equals(l.sections);
    }

    @Override
    public int hashCode() {
        return Objects.hash(domainName, sections);
    }

    @Override
    public String toString() {
        return "LaunchSpec[" + domainName + ", " + sections + "]";
    }
}
