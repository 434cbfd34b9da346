package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;

/**
 * Gives a saved or migrated state to a device model created with {@code -incoming defer}
 * ({@code plan/Incoming}), and only once create has audited it confined — its own uid for its domid,
 * every layer in force: until QMP {@code migrate-incoming} names its channel, QEMU holds no byte of the
 * state (softmmu/vl.c: "defer" starts no incoming migration). A restore's channel is the save file the
 * launcher opened (QEMU's fd N, unread until then); a migration's is a pipe the toolstack fills from the
 * sender's stream ({@link Feed}).
 */
public final class IncomingStream {
    private static final String FD_NAME = "dmjail-incoming";

    private IncomingStream() {}

    /** A restore: QEMU reads the save file it already holds as the plan's INCOMING fd. */
    public static void fromSaveFile(DomainRecord r, DomainPaths paths, long deadline) throws IOException {
        int fd = plannedIncomingFd(r);
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
            start(q, "fd:" + fd); // a number: QEMU's monitor_fd_param takes it as the fd itself
        }
    }

    /** A migration: QEMU reads from a pipe the caller fills ({@link Feed#write}) and closes ({@link Feed#close}). */
    public static Feed fromPipe(DomainPaths paths, long deadline) throws IOException {
        DeviceModelPipe p = DeviceModelPipe.toDeviceModel();
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
            p.handTo(q, FD_NAME);
            start(q, "fd:" + FD_NAME);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return new Feed(p);
    }

    private static void start(QmpFdSession q, String uri) throws IOException {
        ObjectNode m = QmpFdSession.command("migrate-incoming");
        m.putObject("arguments").put("uri", uri);
        q.execute(m, -1);
    }

    /** The pipe a device model reads its incoming state from. */
    public static final class Feed implements AutoCloseable {
        private final DeviceModelPipe pipe;

        private Feed(DeviceModelPipe pipe) {
            this.pipe = pipe;
        }

        public void write(byte[] buf, int n, long deadline) throws IOException {
            pipe.write(buf, n, deadline);
        }

        /** The end of the stream: QEMU reads end-of-file. */
        @Override
        public void close() {
            pipe.close();
        }
    }

    /** The target of the plan's INCOMING fd (the save file the launcher opened for QEMU). */
    static int plannedIncomingFd(DomainRecord r) throws IOException {
        for (JsonNode fds : r.plan().path("layers").findValues("fds")) {
            for (JsonNode f : fds) {
                if ("INCOMING".equals(f.path("kind").asText())) {
                    return f.path("target").asInt();
                }
            }
        }
        throw new IOException("the plan of " + r.name() + " holds no saved state to load");
    }

    /** The run state once QEMU has left "inmigrate" (or what it is when the time is up). */
    public static String awaitLoaded(DomainRecord r, DomainPaths paths, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        String s;
        do {
            s = RunState.of(r, paths);
            if (!s.equals("inmigrate") && !s.equals("unresponsive")) {
                return s;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        return s;
    }
}
