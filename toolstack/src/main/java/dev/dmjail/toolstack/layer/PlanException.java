package dev.dmjail.toolstack.layer;

/** The domain cannot be planned as asked (policy forbids it, a resource is missing). */
public class PlanException extends Exception {
    public PlanException(String message) { super(message); }
}
