package dev.dmjail.toolstack.layer;

import dev.dmjail.toolstack.proc.ProcessView;

/**
 * One confinement layer, in the shape of libvirt's security driver stack
 * (src/security/security_stack.c): planned from the domain and host policy, prepared on the host
 * by the toolstack, applied by the dm-launcher just before it spawns the device model, verified
 * from /proc, released in reverse order.
 *
 * <p>The launcher half lives in the dm-launcher module (a separate, minimal process, like
 * Firecracker's jailer binary): {@link #contribute} writes this layer's section of the
 * {@link dev.dmjail.launcher.spec.LaunchSpec}, and the launcher step of the same name applies it.
 *
 * <p>Every method but {@link #plan} takes the persisted {@link LayerPlan}, so destroy can release
 * a domain whose creating toolstack was killed at any point.
 */
public interface ConfinementLayer {

    /** Stable name used in plans, audits, host config and per-domain switches. */
    String name();

    /** Pure: what this layer will do for this domain, or why it is weakened/unavailable. */
    LayerPlan plan(PlanContext ctx) throws PlanException;

    /** Root-side preparation on the host (cgroups, directories). Must be undone by {@link #release}. */
    default void prepareHost(LayerPlan plan, DomainRuntime rt) throws LayerException {}

    /** Fills this layer's section of the launcher spec; the launcher applies it to itself. */
    default void contribute(LayerPlan plan, DomainRuntime rt, LaunchSpecBuilder spec) {}

    /**
     * The plan with what this layer's launcher step proved at spawn ({@code proof}, null when it
     * reported nothing), for what /proc cannot show afterwards (Landlock); kept with the plan so the
     * audit can check it. Most layers have nothing to add.
     */
    default LayerPlan withProof(LayerPlan plan, String proof) {
        return plan;
    }

    /** Observes the running device model (all its threads) and compares with the plan. */
    LayerVerdict verify(LayerPlan plan, ProcessView view);

    /** Undoes {@link #prepareHost}; idempotent, safe on a half-prepared host. */
    default void release(LayerPlan plan, DomainRuntime rt) throws LayerException {}
}
