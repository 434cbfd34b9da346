package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.state.DomainPaths;

/** What the host-side steps (prepare, release) need beyond the plan: the domain's identity and paths. */
public record DomainRuntime(String name, int domid, DomainPaths paths) {
}
