package dev.dmjail.toolstack.lifecycle;

import java.io.IOException;

/**
 * Crash points for the fault tests: when the environment variable DMJAIL_FAULT names a point, the
 * toolstack dies there at once, with no cleanup (Runtime.halt runs no finally blocks or hooks — as
 * abrupt as kill -9 for the host's state). The tests then check that destroy and list recover.
 * DMJAIL_STOP names a point where the toolstack stops itself instead (SIGSTOP; the test's SIGCONT
 * resumes it), so a test can look at the host there, e.g. audit a device model before it reads a stream.
 */
public final class FaultPoint {
    private static final String FAULT = System.getenv("DMJAIL_FAULT");
    private static final String STOP = System.getenv("DMJAIL_STOP");

    /** Every point, in the order create and destroy pass them. */
    public static final String[] POINTS = {
        "create.state-written", "create.host-prepared", "create.launched", "create.qmp-ready",
        "destroy.marked", "destroy.stopped", "destroy.released"};

    /** The points of the commands that change a running domain (hotplug, cdrom, save), in their order. */
    public static final String[] CHANGE_POINTS = {
        "cd-insert.planned", "block-attach.planned", "block-attach.node-added", "network-attach.planned",
        "network-attach.tap-made", "network-attach.netdev-added", "save.file-created"};

    /**
     * The points of restore and of both sides of migrate, in their order (the receiver's create passes
     * the create points too). "*.confined": the new device model is up and audited, and holds no byte
     * of the state yet.
     */
    public static final String[] INCOMING_POINTS = {
        "restore.confined", "restore.loaded",
        "migrate.receiver-started", "migrate.streaming", "migrate.sent", "migrate.go-given",
        "migrate-receive.confined", "migrate-receive.loaded", "migrate-receive.go"};

    /** rename's one point, right after its single write of the record (NamesTest). */
    public static final String RENAME_WRITTEN = "rename.written";

    private FaultPoint() {}

    public static void hit(String point) {
        if (point.equals(FAULT)) {
            Runtime.getRuntime().halt(137);
        }
        if (point.equals(STOP)) {
            try {
                new ProcessBuilder("/bin/kill", "-STOP", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            } catch (IOException e) {
                Runtime.getRuntime().halt(137); // a test asked to stop here: never run past the point
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
