package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.layer.NetworkLayer;

import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.uidrange.ResolvedUser;
import java.util.List;

/**
 * The whole plan for one domain: who the device model runs as, which domid (null in a dry run),
 * every layer with its concrete settings, and the exact argv. Pure data: printed by
 * {@code create -n}, stored in the domain state, compared with /proc by the audit.
 *
 * @param problems what would stop a real create on this host ({@link Problems}); always empty in the plan
 *                 of a created domain, since create refuses each
 */
public record ConfinementPlan(Integer domid, String backend, String accel, ResolvedUser user,
                              DeviceModel deviceModel, List<LayerPlan> layers, List<String> argv, List<String> warnings,
                              List<Problems.Problem> problems, Paths paths) {

    /**
     * Whether the domain has a device model at all, and why: always for HVM; for PV/PVH only when libxl
     * would start one ({@link XenPvDevices}); without one the plan has no layers and no argv.
     *
     * @param qemu what the device model binary accepts (probed for the xen backend; null for the qemu backend)
     */
    public record DeviceModel(boolean needed, List<String> reasons, dev.dmjail.toolstack.host.QemuFacts qemu) {}

    /** Host paths of this domain's files, all named by its key ({@code state.DomainKey}). */
    public record Paths(String key, String state, String qmp, String log, String console) {}

    /** The same plan with one layer's plan replaced. */
    public ConfinementPlan withLayer(LayerPlan replacement) {
        List<LayerPlan> ls = layers.stream().map(l -> l.layer().equals(replacement.layer()) ? replacement : l).toList();
        return new ConfinementPlan(domid, backend, accel, user, deviceModel, ls, argv, warnings, problems, paths);
    }

    /** The VNC listener create binds and hands to the device model, or null. */
    public Display.Vnc vnc() {
        return layers.stream().filter(l -> l.layer().equals(NetworkLayer.NAME) && l.settings() != null).findFirst()
                .map(l -> l.settingsAs(NetworkLayer.Settings.class).vnc()).orElse(null);
    }

    public LayerPlan layer(String name) {
        return layers.stream().filter(l -> l.layer().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no layer " + name));
    }
}
