package dev.dmjail.toolstack.layer;

import dev.dmjail.config.DomainConfig;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.plan.DeviceModelPlan;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.uidrange.ResolvedUser;

/**
 * Everything a layer plans from.
 *
 * @param domid null in a dry run (the domid is allocated by create, under the host lock)
 */
public record PlanContext(DomainConfig domain, ResolvedUser user, Integer domid, HostPolicy policy,
                          HostFacts facts, DomainSwitches switches, DomainPaths paths, DeviceModelPlan dm) {
}
