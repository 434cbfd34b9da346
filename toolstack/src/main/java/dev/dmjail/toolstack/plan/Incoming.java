package dev.dmjail.toolstack.plan;

/**
 * A device model that loads a saved or migrated state instead of booting. It starts with
 * {@code -incoming defer} (QEMU's channel-less incoming state, as libvirt uses it), so it holds no byte
 * of the state until the toolstack has audited it confined and sends {@code migrate-incoming}
 * ({@code lifecycle/IncomingStream}); {@code paused}: {@code -S}, the guest stays stopped once loaded.
 *
 * @param path         a save file the launcher opens read-only (DeviceModelFd kind INCOMING, checked to be
 *                     {@code identity}); null for a migration, whose stream is handed over QMP later
 * @param handoverFrom the key of the domain of this host migrating into this one (a local migration): the disks
 *                     it holds are the ones this domain takes over, not another domain's; else null
 * @param configText   the xl config as received (a migration has no config file on this host): kept with
 *                     the plan, so the domain can be saved or migrated again; else null
 */
public record Incoming(String path, String identity, boolean paused, String handoverFrom, String configText) {

    /** A restore from the save file at {@code path} (of {@code identity}). */
    public static Incoming saveFile(String path, String identity, boolean paused) {
        return new Incoming(path, identity, paused, null, null);
    }

    /** A migration's receiving side: always -S, the guest runs only once the sender gives it up. */
    public static Incoming migration(String handoverFrom, String configText) {
        return new Incoming(null, null, true, handoverFrom, configText);
    }
}
