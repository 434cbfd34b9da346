package dev.dmjail.toolstack.layer;

/** Planned state of a layer. */
public enum LayerStatus {
    /** In force as planned. */
    ENFORCED,
    /** Switched off or reduced by the domain config or host policy: the audit says so. */
    WEAKENED,
    /** The host lacks the facility (e.g. SELinux on a kernel without it). */
    UNAVAILABLE
}
