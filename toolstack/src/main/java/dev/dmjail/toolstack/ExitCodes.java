package dev.dmjail.toolstack;

/**
 * Every exit status dmjail uses, in one place (documented in docs/cli.md, dmjail --help and the man pages).
 */
public final class ExitCodes {
    private ExitCodes() {}

    /** Success. */
    public static final int OK = 0;
    /** A runtime failure: create or destroy could not complete (the host was left clean). */
    public static final int FAILED = 1;
    /** Bad input: domain config, host config, command line. Nothing on the host was touched. */
    public static final int BAD_CONFIG = 2;
    /** No such domain. */
    public static final int NOT_FOUND = 3;
    /** The audit found a planned layer not in force. */
    public static final int AUDIT_FAILED = 4;
    /** Host check: something is missing or broken (dmjail host check). */
    public static final int HOST_NOT_READY = 5;
    /** {@code create -n --check}: the plan lists problems a real create on this host would refuse. */
    public static final int WOULD_REFUSE = 6;
    /** Must run as root. */
    public static final int NOT_ROOT = 77;
    /** Internal error (a bug): the message says where. */
    public static final int SOFTWARE = 70;
}
