package dev.dmjail.config;

/**
 * libxl_action_on_shutdown. {@link #xl()} is the config spelling (xl_parse.c
 * action_on_shutdown_names), {@link #json()} the libxl JSON spelling.
 */
public enum ShutdownAction {
    DESTROY("destroy"), RESTART("restart"), RESTART_RENAME("rename-restart"), PRESERVE("preserve"),
    COREDUMP_DESTROY("coredump-destroy"), COREDUMP_RESTART("coredump-restart"), SOFT_RESET("soft-reset");

    private final String xl;

    ShutdownAction(String xl) { this.xl = xl; }

    public String xl() { return xl; }

    public String json() { return name().toLowerCase(java.util.Locale.ROOT); }

    /** Exact match on the xl spelling, or null. */
    public static ShutdownAction fromXl(String s) {
        for (ShutdownAction a : values()) if (a.xl.equals(s)) return a;
        return null;
    }
}
