package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;

/**
 * The sending device model's part of a migration: QEMU migrates live into a pipe the toolstack drains
 * into the migration stream's frames ({@link MigrationStream}); on a failure the migration is cancelled and
 * the guest resumed ({@code cont}: QEMU leaves a completed one in "postmigrate", which cont leaves, taking
 * its disks back). The domain's state record says a migration is under way before QEMU starts it, and
 * whether the receiver was told to go: after that point the guest may run there, so nothing resumes it here.
 */
public final class MigrationSender {
    /** The stored plan's key for a migration under way: {"to": HOST, "phase": SENDING or GO_GIVEN, "since": ms}. */
    public static final String KEY = "migration";
    public static final String SENDING = "sending", GO_GIVEN = "go-given";

    /**
     * QEMU resends the pages a running guest dirties while it migrates: the stream may be longer than the
     * guest's memory, but not without end. Beyond this many passes over it the migration is refused.
     */
    static final int MAX_PASSES = 3;

    private MigrationSender() {}

    /** The most a live migration of {@code r} may send: MAX_PASSES times its memory, plus the device state. */
    public static long streamBound(DomainRecord r) {
        return MAX_PASSES * (DomainSaver.startedMiB(r) << 20) + DomainSaver.SLACK_BYTES;
    }

    /** Records (before the change it announces) that {@code domain} is migrating to {@code host}, in {@code phase}. */
    public static DomainRecord mark(StateStore store, DomainRecord domain, String host, String phase) throws IOException {
        DomainRecord r = store.reread(domain).orElseThrow(() -> new IOException("domain " + domain.name() + " is gone"));
        ObjectNode plan = r.plan().deepCopy();
        plan.putObject(KEY).put("to", host).put("phase", phase).put("since", System.currentTimeMillis());
        DomainRecord m = r.withPlan(plan);
        store.write(m);
        return m;
    }

    /** Removes the mark once the domain is the sender's again (a failed migration resumed). */
    public static void unmark(StateStore store, DomainRecord domain) throws IOException {
        DomainRecord r = store.reread(domain).orElse(null);
        if (r != null && r.plan().has(KEY)) {
            ObjectNode plan = r.plan().deepCopy();
            plan.remove(KEY);
            store.write(r.withPlan(plan));
        }
    }

    /** The phase of a migration under way from {@code r} ({@link #SENDING}, {@link #GO_GIVEN}), or null. */
    public static String phase(DomainRecord r) {
        JsonNode m = r.plan() == null ? null : r.plan().get(KEY);
        return m == null ? null : m.path("phase").asText(null);
    }

    /**
     * Streams the device model's state into {@code c} as frames, then the end frame; the guest keeps
     * running until QEMU's last pass. Returns the stream's bytes.
     */
    public static long sendState(DomainRecord r, DomainPaths paths, MigrationStream.Channel c, long deadline)
            throws IOException {
        boolean[] first = {true};
        try (DeviceModelPipe pipe = DeviceModelPipe.fromDeviceModel();
             QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
            long n = DomainSaver.streamOut(q, pipe, (buf, len) -> {
                if (first[0]) {
                    first[0] = false;
                    FaultPoint.hit("migrate.streaming");
                }
                MigrationStream.writeFrame(c, buf, len);
            }, streamBound(r), deadline);
            MigrationStream.writeFrame(c, null, 0);
            return n;
        }
    }

    /** After a failure: QEMU's migration cancelled (if it still runs) and the guest resumed. */
    public static void resume(DomainPaths paths) {
        cancel(paths);
        DomainSaver.resumeQuietly(paths);
    }

    /** QEMU's migration cancelled if it still runs, and waited for (a guest paused before it stays paused). */
    public static void cancel(DomainPaths paths) {
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + 3_000_000_000L)) {
            q.execute(QmpFdSession.command("migrate_cancel"), -1);
            long end = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < end) {
                String s = q.execute(QmpFdSession.command("query-migrate"), -1).path("status").asText("");
                if (!s.equals("active") && !s.equals("cancelling") && !s.equals("setup") && !s.equals("device")) {
                    break;
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            // the device model is gone or hung: cont below fails too, and the caller reports the first failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
