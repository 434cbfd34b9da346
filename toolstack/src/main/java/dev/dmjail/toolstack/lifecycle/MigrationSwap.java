package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;

/**
 * The names of xl's final handshake (xl_migrate.c): the receiver's domain is {@code NAME--incoming}
 * until the sender gives it the go, then takes {@code NAME}; the sender's domain is renamed
 * {@code NAME--migratedaway} just before the go (back to NAME if the receiver then fails), so one host
 * never holds two domains called NAME — which a migration to localhost would otherwise do. Each step is
 * one {@link DomainRename}: one write of the record, host paths unchanged (they are named by the key).
 * A domain is named by its domid here, which a rename does not change (xl's rule: digits are a domid).
 */
public final class MigrationSwap {
    private MigrationSwap() {}

    public static String incoming(String name) {
        return name + "--incoming";
    }

    public static String away(String name) {
        return name + "--migratedaway";
    }

    /** The sender, before the go: its domain gives up NAME. */
    public static DomainRecord giveUp(StateStore store, DomainRecord sender) throws IOException, DmjailException {
        return DomainRename.rename(store, Integer.toString(sender.domid()), away(sender.name()));
    }

    /** The sender, the receiver having failed after the go: its domain takes {@code name} back. */
    public static DomainRecord takeBack(StateStore store, DomainRecord sender, String name) throws IOException, DmjailException {
        return DomainRename.rename(store, Integer.toString(sender.domid()), name);
    }

    /** The receiver, after the go: its domain takes {@code name}. */
    public static DomainRecord take(StateStore store, DomainRecord received, String name) throws IOException, DmjailException {
        return DomainRename.rename(store, Integer.toString(received.domid()), name);
    }
}
