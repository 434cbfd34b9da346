package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.state.StateStore;

/**
 * The names of xl's final handshake (xl_migrate.c): the receiver's domain is {@code NAME--incoming}
 * until the sender gives it the go, then takes {@code NAME}; the sender's domain is renamed
 * {@code NAME--migratedaway} just before the go (back to NAME if the receiver then fails), so one host
 * never holds two domains called NAME — which a migration to localhost would otherwise do.
 *
 * Each step is one call here. The renames need a rename of a running domain (issue 12's {@code rename},
 * whose host paths must not change with the name); until this tree has it, the names stay as they
 * are: the sender keeps NAME until it is destroyed, and the received domain keeps NAME--incoming.
 */
public final class MigrationSwap {
    private MigrationSwap() {}

    public static String incoming(String name) {
        return name + "--incoming";
    }

    public static String away(String name) {
        return name + "--migratedaway";
    }

    /** Whether the swap renames (false until dmjail can rename a running domain). */
    public static boolean renames() {
        return false;
    }

    /** The sender, before the go: its domain gives up NAME. Returns the name it now has. */
    public static String giveUp(StateStore store, String name) {
        return name;
    }

    /** The sender, the receiver having failed after the go: its domain takes NAME back. Returns it. */
    public static String takeBack(StateStore store, String current, String name) {
        return name;
    }

    /** The receiver, after the go: its domain takes NAME. Returns the name it now has. */
    public static String take(StateStore store, String incomingName, String name) {
        return incomingName;
    }
}
