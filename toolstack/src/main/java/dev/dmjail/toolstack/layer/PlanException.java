package dev.dmjail.toolstack.layer;

/**
 * The domain cannot be planned as asked (the config asks for something dmjail cannot do, policy
 * forbids it, a resource is missing). Names the xl key responsible when there is one, so the error
 * can point at the file and line of that key; the planner turns it into one {@code PlanFailure}.
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
