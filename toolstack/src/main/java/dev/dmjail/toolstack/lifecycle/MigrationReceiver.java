package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;

/**
 * The receiving device model's part of a migration: created confined and audited beforehand
 * ({@code -incoming defer}), it then reads the sender's frames through a pipe ({@link IncomingStream}),
 * bounded as the sender bounds them, and must end up holding the guest paused (it started with -S: the
 * guest runs here only once the sender gives it up).
 */
public final class MigrationReceiver {
    private MigrationReceiver() {}

    /** Feeds the stream from {@code c} to the device model and waits until it has loaded it; returns its bytes. */
    public static long loadState(DomainRecord r, DomainPaths paths, MigrationStream.Channel c, long deadline)
            throws IOException, InterruptedException {
        long bound = MigrationSender.streamBound(r); // from this domain's own config, not from what the sender says
        long total = 0;
        byte[] buf = new byte[MigrationStream.MAX_FRAME_BYTES];
        try (IncomingStream.Feed feed = IncomingStream.fromPipe(paths, deadline)) {
            while (true) {
                int n = MigrationStream.readFrame(c, buf);
                if (n == 0) {
                    break;
                }
                total += n;
                if (total > bound) {
                    throw new IOException("the migration stream is longer than " + (bound >> 20) + " MiB (" + MigrationSender.MAX_PASSES
                            + " times the guest's memory and the device state); refused");
                }
                feed.write(buf, n, deadline);
            }
        }
        String state = IncomingStream.awaitLoaded(r, paths, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
        if (!state.equals("paused") && !state.equals("prelaunch")) {
            throw new IOException("the device model did not load the state (its state: " + state + "; its log: "
                    + paths.log() + LogTail.lastLines(paths.liveLog(), 3) + ")");
        }
        return total;
    }
}
