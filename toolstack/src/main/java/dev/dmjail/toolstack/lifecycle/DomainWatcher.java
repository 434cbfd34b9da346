package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.config.ShutdownAction;
import dev.dmjail.toolstack.qmp.QmpFdSession;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's one watcher ({@code dmjail watch}, the dmjail-watch systemd unit): carries out the on_*
 * actions QEMU's -action cannot (restart after a poweroff or a crash, coredump-destroy,
 * coredump-restart, destroy of a panicked guest whose on_poweroff keeps it), and cleans up domains
 * whose device model exited as soon as it notices. xl keeps one process per domain for this; here one
 * process serves every domain, polling each that needs it (QMP query-status, bounded), so its cost does
 * not grow with the domains that need nothing. It holds {@code STATE_DIR/watch.lock} while it runs:
 * create asks that lock whether a domain that needs it can be carried out.
 */
public final class DomainWatcher {
    private static final Logger LOG = LoggerFactory.getLogger(DomainWatcher.class);
    static final String LOCK = "watch.lock";
    private static final String FD_NAME = "dmjail-dump";

    private final DomainManager dm;
    private final StateStore store;
    private final Path logDir;

    public DomainWatcher(DomainManager dm, Path logDir) {
        this.dm = dm;
        this.store = dm.store();
        this.logDir = logDir;
    }

    /** Whether a watcher holds the lock of this state dir now. */
    public static boolean running(Path stateDir) {
        Path lock = stateDir.resolve(LOCK);
        if (!Files.exists(lock)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // this JVM holds it
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs until interrupted; fails at once when another watcher holds the lock. */
    public void run(long intervalMillis) throws IOException, InterruptedException {
        Files.createDirectories(store.stateDir());
        try (FileChannel ch = FileChannel.open(store.stateDir().resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            if (l == null) {
                throw new IOException("another dmjail watch runs for " + store.stateDir());
            }
            LOG.info("watching {} every {} ms", store.stateDir(), intervalMillis);
            while (!Thread.currentThread().isInterrupted()) {
                once();
                Thread.sleep(intervalMillis);
            }
        }
    }

    /** One round: clean up what is gone, act on guests QEMU stopped for us. */
    void once() {
        try {
            GoneDomains.reap(dm);
            for (DomainRecord r : store.list()) {
                JsonNode wa = r.plan() == null ? null : r.plan().path("watcherActions");
                if (wa == null || wa.isMissingNode() || r.state() != DomainState.RUNNING || !DomainControl.deviceModelAlive(r)) {
                    continue;
                }
                String state = RunState.of(r, store.paths(r));
                String which = state.equals("shutdown") ? "onShutdown" : state.equals("guest-panicked") ? "onPanic" : null;
                if (which == null || !wa.path(which).isTextual()) {
                    continue;
                }
                ShutdownAction a = ShutdownAction.valueOf(wa.get(which).asText());
                try {
                    carryOut(r, a, state);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("domain {}: {} after {} failed: {}", r.name(), a.xl(), state, e.getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("watch round failed: {}", e.getMessage());
        }
    }

    private void carryOut(DomainRecord r, ShutdownAction a, String state) throws IOException {
        DomainPaths paths = store.paths(r);
        LOG.warn("domain {} (domid {}) is {}: {}", r.name(), r.domid(), state, a.xl());
        if (a == ShutdownAction.COREDUMP_DESTROY || a == ShutdownAction.COREDUMP_RESTART) {
            Path core = logDir.resolve(paths.key() + ".core." + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            long n = dump(r, paths, core);
            LOG.warn("domain {}: guest memory dumped to {} ({} MiB)", r.name(), core, n >> 20);
        }
        if (a == ShutdownAction.DESTROY || a == ShutdownAction.COREDUMP_DESTROY) {
            dm.destroy(r);
            return;
        }
        // restart: the guest boots again in the same confined device model (same uid, layers, fds)
        try (QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), System.nanoTime() + 5_000_000_000L)) {
            q.execute(QmpFdSession.command("system_reset"), -1);
            q.execute(QmpFdSession.command("cont"), -1);
        }
    }

    /**
     * The guest's memory as an ELF core (QMP dump-guest-memory, detached, into a pipe the watcher reads
     * and writes to a new 0600 file; bounded as a save is). Never a core of the device model itself.
     */
    private static long dump(DomainRecord r, DomainPaths paths, Path core) throws IOException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        try (PipeToFile out = PipeToFile.create(core);
             QmpFdSession q = QmpFdSession.connect(paths.qmpSocket(), deadline)) {
            out.handTo(q, FD_NAME);
            ObjectNode d = QmpFdSession.command("dump-guest-memory");
            d.putObject("arguments").put("paging", false).put("protocol", "fd:" + FD_NAME).put("detach", true);
            q.execute(d, -1);
            long n = out.drain(DomainSaver.stateBound(r), deadline);
            out.keep();
            return n;
        }
    }
}
