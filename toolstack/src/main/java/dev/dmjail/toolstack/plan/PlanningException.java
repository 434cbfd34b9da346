package dev.dmjail.toolstack.plan;

/** The domain config asks for something dmjail cannot plan; names the xl key responsible. */
public class PlanningException extends Exception {
    private final String key;

    public PlanningException(String key, String message) {
        super(message);
        this.key = key;
    }

    public String key() { return key; }
}
