package dev.dmjail.toolstack.lifecycle;

/**
 * Crash points for the fault tests: when the environment variable DMJAIL_FAULT names a point, the
 * toolstack dies there at once, with no cleanup (Runtime.halt runs no finally blocks or hooks — as
 * abrupt as kill -9 for the host's state). The tests then check that destroy and list recover.
 */
public final class FaultPoint {
    private static final String FAULT = System.getenv("DMJAIL_FAULT");

    /** Every point, in the order create and destroy pass them. */
    public static final String[] POINTS = {
        "create.state-written", "create.host-prepared", "create.launched", "create.qmp-ready",
        "destroy.marked", "destroy.stopped", "destroy.released"};

    /** The points of the commands that change a running domain (hotplug, cdrom, save), in their order. */
    public static final String[] CHANGE_POINTS = {
        "cd-insert.planned", "block-attach.planned", "block-attach.node-added", "network-attach.planned",
        "network-attach.tap-made", "network-attach.netdev-added", "save.file-created"};

    /** rename's one point, right after its single write of the record (NamesTest). */
    public static final String RENAME_WRITTEN = "rename.written";

    private FaultPoint() {}

    public static void hit(String point) {
        if (point.equals(FAULT)) {
            Runtime.getRuntime().halt(137);
        }
    }
}
