package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.uidrange.ResolvedUser;
import java.util.List;

/**
 * The whole plan for one domain: who the device model runs as, which domid (null in a dry run),
 * every layer with its concrete settings, and the exact argv. Pure data: printed by
 * {@code create -n}, stored in the domain state, compared with /proc by the audit.
 */
public record ConfinementPlan(Integer domid, String backend, String accel, ResolvedUser user,
                              List<LayerPlan> layers, List<String> argv, List<String> warnings,
                              Paths paths) {

    /** Host paths of this domain's files. */
    public record Paths(String state, String qmp, String log, String console) {}

    public LayerPlan layer(String name) {
        return layers.stream().filter(l -> l.layer().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer " + name));
    }
}
