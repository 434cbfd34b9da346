package dev.dmjail.toolstack.layer;

/**
 * A refusal raised where the file and line are not known: a layer's {@code plan}, a part of the
 * device-model planner ({@code plan/Nic}, {@code plan/KernelBoot}, {@code plan/Problems}) says what
 * cannot be done and which xl key asked for it (or none), nothing more. Whoever called it knows what
 * was being planned and locates it: the planner turns it into a {@link dev.dmjail.toolstack.plan.PlanFailure}
 * at the key's line in the domain config; {@code network-attach} refuses its command-line vif spec with it.
 * Checked, so no caller can forget to locate it. Not for host-side failures of prepare or release
 * ({@link LayerException}).
 */
public class PlanException extends Exception {
    private final String key;

    public PlanException(String key, String message) {
        super(message);
        this.key = key;
    }

    /** Not tied to one key of the config (the message names what it is about). */
    public PlanException(String message) {
        this(null, message);
    }

    /** The xl key responsible, or null. */
    public String key() { return key; }
}
