package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.text.Printable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The process that carries a migration to its receiver, as xl's create_migration_child: {@code sh -c
 * RUNE} (ssh to the other host running {@code dmjail migrate-receive}) or, for localhost, that command
 * itself as a child. Its stdin and stdout are the stream; what it prints on stderr (the receiver's own
 * messages, ssh's) is passed on line by line, escaped. A watchdog kills it at the deadline, which ends
 * every read and write of the stream: nothing of a migration waits without bound.
 */
public final class MigrationTransport implements AutoCloseable {
    private final Process p;
    private final MigrationStream.Channel channel;
    private final Thread errPump;
    private final Thread watchdog;

    private MigrationTransport(Process p, PrintWriter err, long deadlineNanos) {
        this.p = p;
        this.channel = MigrationStream.of(p.getInputStream(), p.getOutputStream());
        this.errPump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    err.println(Printable.line(line.length() > 4096 ? line.substring(0, 4096) + "..." : line));
                }
            } catch (IOException e) {
                // the transport is gone
            }
        }, "migration-stderr");
        errPump.setDaemon(true);
        errPump.start();
        this.watchdog = new Thread(() -> {
            try {
                long left = deadlineNanos - System.nanoTime();
                if (left > 0 && p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    return;
                }
                p.destroyForcibly();
            } catch (InterruptedException e) {
                // closed
            }
        }, "migration-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Starts {@code command} (a list of words, no shell but the one it names). */
    public static MigrationTransport start(List<String> command, PrintWriter err, long deadlineNanos) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            return new MigrationTransport(pb.start(), err, deadlineNanos);
        } catch (IOException e) {
            throw new IOException("cannot start the migration transport " + command.get(0) + ": " + e.getMessage());
        }
    }

    public MigrationStream.Channel channel() {
        return channel;
    }

    /**
     * The end of the stream from this side: stdin closed, then up to {@code waitMillis} for the process
     * (as xl's migration_child_report, which waits 2 s). Returns its exit status, or null if it still runs.
     */
    public Integer finish(long waitMillis) {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // already broken
        }
        try {
            if (p.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                errPump.join(1000);
                return p.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /**
     * Ends the transport: stdin closed, and the receiver given {@link #CLEANUP_MILLIS} to clean up its side
     * (it destroys its half-made domain when the stream ends early); only one still running then is killed.
     */
    @Override
    public void close() {
        if (finish(CLEANUP_MILLIS) == null) {
            p.destroyForcibly();
        }
        watchdog.interrupt();
    }

    /** How long a receiver may take to destroy its copy once the stream ended early. */
    static final long CLEANUP_MILLIS = 60_000;
}
