package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.state.DomainRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * What a command asks of every domain (list's run states, audit --all's reports), asked of all at once
 * and returned in the domains' order: each is a QMP round trip bounded by its own deadline and reads
 * of /proc, so one after the other they add up with the number of domains (issue 14: list and
 * audit --all of 200 domains within a second).
 */
final class EachDomain {
    private EachDomain() {}

    static final int AT_ONCE = 16;

    interface Ask<T> {
        T of(DomainRecord r) throws IOException;
    }

    static <T> List<T> ask(List<DomainRecord> records, Ask<T> ask) throws IOException {
        if (records.size() <= 1) {
            List<T> out = new ArrayList<>();
            for (DomainRecord r : records) {
                out.add(ask.of(r));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(AT_ONCE, records.size()));
        try {
            List<Future<T>> asked = new ArrayList<>();
            for (DomainRecord r : records) {
                asked.add(pool.submit(() -> ask.of(r)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : asked) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new UncheckedIOException(new IOException(e.getCause()));
        } finally {
            pool.shutdownNow();
        }
    }
}
