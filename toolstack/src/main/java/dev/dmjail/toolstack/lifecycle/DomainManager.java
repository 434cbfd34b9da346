package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.config.ParsedDomain;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.audit.AuditReport;
import dev.dmjail.toolstack.audit.Auditor;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.LayerException;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.Incoming;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The domain lifecycle, orchestration only (as libvirt's qemuProcessStart calls qemuProcessLaunch
 * and qemuProcessStop): create allocates under the host lock ({@link DomainAllocation}), prepares and
 * launches ({@link DeviceModelLaunch}), waits for QMP ({@link QmpReady}), hands VNC over and audits,
 * and on any failure destroys ({@link DomainTeardown}) — each step recorded in the state file first,
 * so that destroy finishes whatever a killed toolstack left half done.
 */
public final class DomainManager {

    private final HostPolicy policy;
    private final Planner planner;
    private final StateStore store;
    private final List<ConfinementLayer> layers;

    public DomainManager(HostPolicy policy, Planner planner, StateStore store) {
        this.policy = policy;
        this.planner = planner;
        this.store = store;
        this.layers = planner.layers();
    }

    /** A created domain and the audit that proved it. */
    public record Created(DomainRecord record, ConfinementPlan plan, AuditReport audit) {}

    public Created create(ParsedDomain parsed) throws DmjailException, IOException {
        return create(parsed, null);
    }

    /** A create that restores {@code incoming} (null: a fresh boot). */
    public Created create(ParsedDomain parsed, Incoming incoming) throws DmjailException, IOException {
        String name = parsed.domain().name();
        StepTimer timer = new StepTimer("create " + name);
        if (policy.backend().equals("xen") && !dev.dmjail.toolstack.host.HostFacts.isXenHost()) {
            throw new CreateFailure("create " + name + ": the host config selects the xen backend, but this is not a "
                    + "Xen host (no /proc/xen/capabilities); use backend = qemu, or create -n to see the plan");
        }
        // The launcher starts now and waits for its spec: its exec overlaps with planning.
        LauncherClient.Started launcher = LauncherClient.start();
        VncHandover[] vnc = {null};
        try {
            return create(parsed, incoming, launcher, timer, vnc);
        } finally {
            if (vnc[0] != null) {
                vnc[0].close(); // QEMU holds its own copy once handed over; on a failure nobody does
            }
            launcher.abandon();  // no-op once it has answered
        }
    }

    private Created create(ParsedDomain parsed, Incoming incoming, LauncherClient.Started launcher, StepTimer timer,
                           VncHandover[] vnc) throws DmjailException, IOException {
        String name = parsed.domain().name();
        DomainRecord rec = new DomainAllocation(store, planner).allocate(parsed, incoming, vnc);
        timer.step("planned");
        FaultPoint.hit("create.state-written");
        ConfinementPlan plan = planOf(rec);
        DomainPaths paths = store.paths(rec);
        try {
            DeviceModelLaunch.Launched launched = new DeviceModelLaunch(policy, store, layers)
                    .launch(rec, plan, paths, launcher, timer);
            rec = launched.record();
            plan = launched.plan();
            QmpReady.await(rec, paths, policy.qmpTimeoutMillis());
            rec = rec.withState(DomainState.RUNNING);
            store.write(rec);
            timer.step("QMP ready");
            FaultPoint.hit("create.qmp-ready");
            if (vnc[0] != null) {
                handOver(vnc[0], paths, parsed.domain().vncDisplay().passwd());
                timer.step("VNC on " + plan.vnc().address());
            }
            AuditReport audit = new Auditor(layers).audit(rec, plan);
            timer.step("verified");
            if (!audit.passed()) {
                throw new CreateFailure("the audit found a planned layer not in force: " + audit.failureSummary());
            }
            return new Created(rec, plan, audit);
        } catch (CreateFailure | IOException | LayerException | RuntimeException | Error e) {
            // Errors too: whatever stops a create half-way, the host is cleaned before it propagates.
            String msg = e.getMessage();
            try {
                destroy(rec);
            } catch (IOException | RuntimeException cleanup) {
                msg += "; cleanup also failed: " + cleanup.getMessage();
            }
            if (e instanceof CreateFailure) {
                throw new CreateFailure(msg);
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw new CreateFailure("create " + name + ": " + msg);
        }
    }

    /** The VNC listener bound at allocation, to QEMU over QMP (getfd + display-update), then our copy closed. */
    private void handOver(VncHandover vnc, DomainPaths paths, String password) throws CreateFailure {
        try {
            vnc.handOver(paths.qmpSocket(), password, System.nanoTime() + policy.qmpTimeoutMillis() * 1_000_000L);
        } catch (IOException e) {
            throw new CreateFailure("handing the VNC listener to the device model failed: " + e.getMessage());
        }
        vnc.close();
    }

    /** The stored plan's key for a migrated domain's config text. */
    public static final String RECEIVED_CONFIG = "receivedConfig";
    /** The stored plan's key for the config text a domain was created with (overrides appended). */
    public static final String CREATED_CONFIG = "createdConfig";

    /** The stored plan as records, without databind ({@code RecordTrees}: audit and destroy read no more). */
    public ConfinementPlan planOf(DomainRecord r) throws IOException {
        return dev.dmjail.toolstack.text.RecordTrees.read(r.plan(), ConfinementPlan.class);
    }

    public AuditReport audit(DomainRecord r) throws IOException {
        return new Auditor(layers).audit(r, planOf(r));
    }

    /** Destroys by name or domid; false when no such domain exists (nothing to do). */
    public boolean destroy(String nameOrId) throws IOException {
        Optional<DomainRecord> r = store.find(nameOrId);
        if (r.isEmpty()) {
            return false;
        }
        destroy(r.get());
        return true;
    }

    /**
     * Stops the device model, releases every layer in reverse and removes the state
     * ({@link DomainTeardown}), from the newest record: what preparation has done so far. Safe at any state.
     */
    public void destroy(DomainRecord rec) throws IOException {
        rec = store.reread(rec).orElse(rec);
        new DomainTeardown(store, layers).destroy(rec, planOf(rec));
    }

    public StateStore store() { return store; }
}
