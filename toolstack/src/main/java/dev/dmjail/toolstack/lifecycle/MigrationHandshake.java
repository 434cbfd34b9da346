package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.config.XlConfigLoader;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.ExitCodes;
import dev.dmjail.toolstack.plan.Incoming;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import dev.dmjail.toolstack.text.Printable;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * Both ends of a migration's handshake ({@link MigrationStream}), in xl's order (xl_migrate.c
 * migrate_domain / migrate_receive): the sender's domain is destroyed only after the receiver reports
 * it started the guest; until the go, any failure on either side resumes the sender and destroys the
 * receiver's copy; after the go the sender never resumes on its own (two guests on one disk), as xl.
 */
public final class MigrationHandshake {
    private MigrationHandshake() {}

    /** How the sender's side ended: migrated (its domain destroyed), or not and why. */
    public record Outcome(boolean migrated, String message) {}

    /** The sender's side, over the transport's channel. */
    public static Outcome send(StateStore store, DomainManager manager, DomainRecord r, String host, String configFile,
                               String config, MigrationStream.Channel c, long deadline, PrintWriter err) throws IOException {
        String name = r.name();
        DomainPaths paths = store.paths(r);
        // the guest resumes after a failure only if it ran before (query-status "running"; xl resumes always)
        boolean wasRunning = DomainControl.qmp(paths, "query-status", null).path("running").asBoolean(true);
        boolean marked = false;
        DomainRecord current = r;
        try {
            MigrationStream.expect(c, MigrationStream.BANNER, "receiver's banner");
            MigrationSender.mark(store, r, host, MigrationSender.SENDING); // before QEMU's state leaves
            marked = true;
            MigrationStream.writeHeader(c, new MigrationStream.Header(name, configFile, config));
            MigrationStream.expect(c, MigrationStream.CONFINED, "receiver's message that its domain is confined");
            long n = MigrationSender.sendState(r, paths, c, deadline);
            FaultPoint.hit("migrate.sent");
            MigrationStream.expect(c, MigrationStream.READY, "receiver's ready message");
            err.println("migration sender: Target has acknowledged transfer (" + (n >> 20) + " MiB of device-model state).");
            // the point of no return comes next: once the go is out, the guest may run there, under NAME
            current = MigrationSwap.giveUp(store, r);
            MigrationSender.mark(store, current, host, MigrationSender.GO_GIVEN);
        } catch (IOException | DmjailException e) {
            if (marked) {
                resume(store, current, name, wasRunning);
            }
            return new Outcome(false, e.getMessage() + "; migration failed, " + (wasRunning ? "resumed" : "left paused")
                    + " at sender");
        }
        err.println("migration sender: Giving target permission to start.");
        try {
            MigrationStream.send(c, MigrationStream.GO);
            FaultPoint.hit("migrate.go-given");
            MigrationStream.expect(c, MigrationStream.REPORT, "success/failure report");
            byte[] rc = new byte[1];
            c.readFully(rc, "success/failure status");
            if (rc[0] != 0) {
                MigrationStream.expect(c, MigrationStream.GO, "permission for sender to resume");
                resume(store, current, name, wasRunning);
                return new Outcome(false, "the receiver reports startup failure (status " + rc[0] + ") and destroyed its copy; "
                        + "migration failed, " + (wasRunning ? "resumed" : "left paused") + " at sender");
            }
        } catch (IOException e) {
            return new Outcome(false, "** migration failed during the final handshake: " + e.getMessage() + " ** The domain's "
                    + "state is now undefined: check both ends for a running instance (here " + current.name() + ", paused) before "
                    + "resuming at most one of them; two would share its disks");
        }
        err.println("migration sender: Target reports successful startup.");
        try {
            manager.destroy(store.reread(current).orElse(current));
        } catch (IOException e) {
            return new Outcome(false, "the domain runs on " + host + ", but destroying this copy failed: " + e.getMessage());
        }
        return new Outcome(true, null);
    }

    /** The sender's domain is its own again: its name back (as xl, whatever the rename answers), resumed, unmarked. */
    private static void resume(StateStore store, DomainRecord sender, String name, boolean wasRunning) throws IOException {
        if (!sender.name().equals(name)) {
            try {
                sender = MigrationSwap.takeBack(store, sender, name);
            } catch (DmjailException e) {
                // keeps NAME--migratedaway: still the domain, and dmjail rename gives it its name back
            }
        }
        if (wasRunning) {
            MigrationSender.resume(store.paths(sender));
        } else {
            MigrationSender.cancel(store.paths(sender));
        }
        MigrationSender.unmark(store, sender);
    }

    /**
     * The receiver's side, on its own stdin/stdout: the domain created and audited under
     * NAME--incoming before a byte of its state is read. Returns the name the domain runs under.
     */
    public static String receive(StateStore store, DomainManager manager, boolean paused, MigrationStream.Channel c,
                                 long deadline, PrintWriter err) throws DmjailException {
        MigrationStream.Header h;
        try {
            MigrationStream.send(c, MigrationStream.BANNER);
            h = MigrationStream.readHeader(c);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate-receive: " + e.getMessage());
        }
        String incoming = MigrationSwap.incoming(h.name());
        java.util.Optional<String> unfit = DomainNames.uncreatable(h.name()).or(() -> DomainNames.uncreatable(incoming));
        if (unfit.isPresent()) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate-receive: the sender's domain name "
                    + Printable.line(h.name()) + ": " + unfit.get());
        }
        ParsedDomain parsed;
        try {
            // xl names the receiving domain NAME--incoming (create_domain's migration_domname)
            parsed = XlConfigLoader.parse(Path.of(h.configFile().isEmpty() ? "migration-stream" : h.configFile()), h.config(),
                    List.of("name=" + xlString(incoming)));
        } catch (ConfigException e) {
            throw new DmjailException(ExitCodes.BAD_CONFIG, "migrate-receive: the sender's config: " + e.getMessage());
        }
        String handover;
        try {
            // a migration to this very host: the sender's disks are the ones this domain takes over
            handover = store.byName(h.name()).filter(s -> MigrationSender.phase(s) != null).map(DomainRecord::key).orElse(null);
            GoneDomains.reap(manager);
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate-receive: cannot read the domain state: " + e.getMessage());
        }
        DomainRecord rec;
        try {
            rec = manager.create(parsed, Incoming.migration(handover, h.config())).record();
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate-receive: " + e.getMessage());
        }
        err.println("migration target: domain " + Printable.line(incoming) + " created confined (domid " + rec.domid() + ", uid " + rec.uid()
                + "), audit passed; receiving its state.");
        DomainPaths paths = store.paths(rec);
        try {
            FaultPoint.hit("migrate-receive.confined");
            MigrationStream.send(c, MigrationStream.CONFINED);
            MigrationReceiver.loadState(rec, paths, c, deadline);
            FaultPoint.hit("migrate-receive.loaded");
            MigrationStream.send(c, MigrationStream.READY);
            MigrationStream.expect(c, MigrationStream.GO, "GO message");
        } catch (IOException | InterruptedException e) {
            String destroyed = destroy(manager, rec);
            throw new DmjailException(ExitCodes.FAILED, "migrate-receive: " + e.getMessage() + "; " + destroyed);
        }
        FaultPoint.hit("migrate-receive.go");
        String failure = null;
        try {
            rec = MigrationSwap.take(store, rec, h.name());
            if (!paused) {
                DomainControl.qmp(paths, "cont", null);
            }
        } catch (IOException | DmjailException e) {
            failure = e.getMessage();
        }
        String name = rec.name();
        try {
            MigrationStream.send(c, MigrationStream.REPORT);
            MigrationStream.send(c, new byte[] {(byte) (failure == null ? 0 : 1)});
            if (failure != null) {
                String destroyed = destroy(manager, store.reread(rec).orElse(rec));
                MigrationStream.send(c, MigrationStream.GO); // the sender may have its domain back
                throw new DmjailException(ExitCodes.FAILED, "migrate-receive: starting the guest failed: " + failure + "; "
                        + destroyed);
            }
        } catch (IOException e) {
            throw new DmjailException(ExitCodes.FAILED, "migrate-receive: the sender did not take the report ("
                    + e.getMessage() + "); " + Printable.line(name) + " is kept: check the sender before destroying either");
        }
        return name;
    }

    /** {@code s} as an xl string literal (libxlu_cfg.c's escapes; a raw newline may not appear in one). */
    static String xlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    private static String destroy(DomainManager manager, DomainRecord r) {
        try {
            manager.destroy(r);
            return "the received domain was destroyed";
        } catch (IOException | RuntimeException e) {
            return "destroying the received domain failed too: " + e.getMessage();
        }
    }
}
