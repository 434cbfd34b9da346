package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.state.DomainPaths;

/**
 * What the host-side steps (prepare, release) need beyond the plan: the domain's identity and
 * paths, and the record of what preparation has done ({@link Prepared}), which release follows.
 */
public record DomainRuntime(String name, int domid, DomainPaths paths, Prepared prepared) {

    /** With an in-memory record (unit tests of one layer). */
    public DomainRuntime(String name, int domid, DomainPaths paths) {
        this(name, domid, paths, Prepared.inMemory());
    }
}
