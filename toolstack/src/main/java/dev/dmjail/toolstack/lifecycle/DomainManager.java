package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.audit.AuditReport;
import dev.dmjail.toolstack.audit.Auditor;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.DomainRuntime;
import dev.dmjail.toolstack.layer.LaunchSpecBuilder;
import dev.dmjail.toolstack.layer.LayerException;
import dev.dmjail.toolstack.layer.LayerPlan;
import dev.dmjail.toolstack.layer.Prepared;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.Incoming;
import dev.dmjail.toolstack.plan.Effective;
import dev.dmjail.toolstack.plan.PlanFailure;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.proc.ProcessScan;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.qmp.QmpClient;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The domain lifecycle: create (allocate, plan, prepare, launch, wait for QMP, verify), destroy
 * (stop, kill by cgroup and by uid, release in reverse, forget) — each step recorded in the state
 * file first, so that destroy finishes whatever a killed toolstack left half done.
 */
public final class DomainManager {

    private static final Logger LOG = LoggerFactory.getLogger(DomainManager.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

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
        if (policy.backend().equals("xen") && !Files.exists(Path.of("/proc/xen/capabilities"))) {
            throw new CreateFailure("create " + name + ": the host config selects the xen backend, but this is not a "
                    + "Xen host (no /proc/xen/capabilities); use backend = qemu, or create -n to see the plan");
        }
        // The launcher JVM starts now and waits for its spec: its start-up overlaps with planning.
        LauncherClient.Started launcher = LauncherClient.start();
        try {
            return create(parsed, incoming, launcher, timer);
        } finally {
            launcher.abandon();  // no-op once it has answered
        }
    }

    private Created create(ParsedDomain parsed, Incoming incoming, LauncherClient.Started launcher, StepTimer timer)
            throws DmjailException, IOException {
        String name = parsed.domain().name();
        VncHandover[] vnc = {null};
        try {
            return create(parsed, incoming, launcher, timer, vnc);
        } finally {
            if (vnc[0] != null) {
                vnc[0].close(); // QEMU holds its own copy once handed over; on a failure nobody does
            }
        }
    }

    private Created create(ParsedDomain parsed, Incoming incoming, LauncherClient.Started launcher, StepTimer timer,
                           VncHandover[] vnc) throws DmjailException, IOException {
        String name = parsed.domain().name();
        // 1. Under the host lock: the name is free, the lowest domid, the plan, the state file.
        DomainRecord rec = store.<DomainRecord, DmjailException>locked(() -> {
            Optional<DomainRecord> existing = store.read(name);
            if (existing.isPresent()) {
                throw new CreateFailure("domain " + name + " already exists (domid " + existing.get().domid()
                        + ", state " + existing.get().state() + "); destroy it first");
            }
            // destroy removes the domain's state dir whole, so it must be one this create makes:
            // a directory already there (not dmjail's, or a crash's before its state file) is refused
            if (Files.exists(store.paths(name).dir(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new CreateFailure("state directory " + store.paths(name).dir() + " already exists without a "
                        + "domain's state in it; remove it (dmjail does not delete what it did not make)");
            }
            ConfinementPlan plan = planWithFreeUid(parsed, incoming);
            if (plan.vnc() != null) {
                // before the state file: a port in use fails create with nothing on the host
                vnc[0] = VncHandover.bind(plan.vnc());
                plan = plan.withLayer(dev.dmjail.toolstack.layer.NetworkLayer.withVncPort(
                        plan.layer(dev.dmjail.toolstack.layer.NetworkLayer.NAME), vnc[0].port()));
            }
            int domid = plan.domid();
            DomainRecord r = new DomainRecord(name, domid, DomainState.CREATING, null, null, plan.user().uid(),
                    plan.user().gid(), Effective.memoryMiB(parsed.domain()), Effective.vcpus(parsed.domain()),
                    parsed.domain().source().toString(), System.currentTimeMillis(), withWatcherActions(plan, parsed), Map.of());
            store.write(r);
            return r;
        });
        timer.step("planned");
        FaultPoint.hit("create.state-written");
        ConfinementPlan plan = planOf(rec);
        DomainPaths paths = store.paths(name);
        // What preparation does is written to the state file item by item, so release (here on a
        // failure, or a later destroy after a crash) undoes exactly that and nothing else.
        DomainRecord[] current = {rec};
        Prepared prepared = new Prepared(Map.of(), done -> store.write(current[0] = current[0].withPrepared(done)));
        DomainRuntime rt = new DomainRuntime(name, rec.domid(), paths, prepared);
        try {
            // 2. Logs: rotate, as xl does for qemu-dm-NAME.log.
            Files.createDirectories(paths.log().getParent());
            LogRotation.rotate(paths.log(), policy.logRotateKeep());
            LogRotation.rotate(paths.console(), policy.logRotateKeep());
            // 3. Prepare the host, layer by layer.
            for (ConfinementLayer l : layers) {
                l.prepareHost(plan.layer(l.name()), rt);
            }
            rec = current[0];
            timer.step("host prepared");
            FaultPoint.hit("create.host-prepared");
            // 4. Launch.
            LaunchSpecBuilder spec = new LaunchSpecBuilder(name);
            for (ConfinementLayer l : layers) {
                l.contribute(plan.layer(l.name()), rt, spec);
            }
            LaunchSpec ls = spec.build();
            LauncherClient.Result res = launcher.send(ls, 30_000);
            if (!res.ok()) {
                throw new CreateFailure("dm-launcher failed at step " + res.step() + ": " + res.message());
            }
            timer.step("launched (pid " + res.pid() + ")");
            long start = new ProcessView(res.pid()).startTime().orElse(0L);
            // what the launcher proved in force that /proc cannot show (Landlock), kept with each layer's plan
            for (ConfinementLayer l : layers) {
                plan = plan.withLayer(l.withProof(plan.layer(l.name()), res.proof(l.name())));
            }
            com.fasterxml.jackson.databind.node.ObjectNode stored = rec.plan().deepCopy(); // keeps what is not layers
            stored.set("layers", JSON.valueToTree(plan.layers()));
            rec = rec.withPid(res.pid(), start).withPlan(stored);
            store.write(rec);
            FaultPoint.hit("create.launched");
            // 5. Wait until QMP answers (bounded), watching that the device model is still alive.
            waitForQmp(rec, paths);
            rec = rec.withState(DomainState.RUNNING);
            store.write(rec);
            timer.step("QMP ready");
            FaultPoint.hit("create.qmp-ready");
            if (vnc[0] != null) {
                try {
                    vnc[0].handOver(paths.qmpSocket(), parsed.domain().vncDisplay().passwd(),
                            System.nanoTime() + policy.qmpTimeoutMillis() * 1_000_000L);
                } catch (IOException e) {
                    throw new CreateFailure("handing the VNC listener to the device model failed: " + e.getMessage());
                }
                vnc[0].close();
                timer.step("VNC on " + plan.vnc().address());
            }
            // 6. Verify from /proc.
            AuditReport audit = new Auditor(layers).audit(rec, plan);
            timer.step("verified");
            if (!audit.passed()) {
                throw new CreateFailure("the audit found a planned layer not in force: " + failedLayers(audit));
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

    /** The plan as stored, with what the host's watcher must carry out for it (dmjail watch reads it). */
    private static com.fasterxml.jackson.databind.JsonNode withWatcherActions(ConfinementPlan plan, ParsedDomain parsed) {
        com.fasterxml.jackson.databind.node.ObjectNode pj = JSON.valueToTree(plan);
        var wa = dev.dmjail.toolstack.plan.ShutdownActions.watcherActions(parsed.domain());
        if (wa.any()) {
            pj.set("watcherActions", JSON.valueToTree(wa));
        }
        return pj;
    }

    private static String failedLayers(AuditReport a) {
        List<String> out = new ArrayList<>();
        for (AuditReport.Entry e : a.layers()) {
            if (e.result() == dev.dmjail.toolstack.layer.LayerVerdict.Result.FAIL) {
                for (var c : e.checks()) {
                    if (!c.ok()) {
                        out.add(e.layer() + ": " + c.what() + " planned " + c.planned() + ", observed " + c.observed());
                        break;
                    }
                }
            }
        }
        return String.join("; ", out);
    }

    /**
     * The lowest free domid whose range uid owns no live process: a device model left behind by a
     * killed toolstack (or started from another state dir) must never share its uid with a new
     * guest, so such a domid is skipped, as if in use. Call under the host lock.
     */
    private ConfinementPlan planWithFreeUid(ParsedDomain parsed, Incoming incoming) throws DmjailException, IOException {
        java.util.Set<Integer> busy = new java.util.HashSet<>();
        for (int tries = 0; tries < 256; tries++) {
            int domid = store.lowestFreeDomid(busy);
            ConfinementPlan plan = planner.plan(parsed, domid, true, incoming);
            Integer uid = plan.user().uid();
            if (plan.user().source() != dev.dmjail.uidrange.ResolvedUser.Source.RANGE || uid == null
                    || ProcessScan.liveProcessesOfUid(uid).isEmpty()) {
                return plan;
            }
            LOG.warn("domid {}: uid {} still owns live processes {}; skipping it", domid, uid,
                    ProcessScan.liveProcessesOfUid(uid));
            busy.add(domid);
        }
        throw new CreateFailure("no domid whose range uid is free of processes among the lowest free ones");
    }

    private void waitForQmp(DomainRecord rec, DomainPaths paths) throws CreateFailure {
        long deadline = System.nanoTime() + policy.qmpTimeoutMillis() * 1_000_000L;
        ProcessView pv = new ProcessView(rec.pid());
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!pv.alive()) {
                throw new CreateFailure("the device model exited during start-up; see " + paths.log()
                        + LogTail.lastLines(paths.log(), 3));
            }
            try (QmpClient q = QmpClient.connect(paths.qmpSocket(), Math.min(deadline, System.nanoTime() + 1_000_000_000L))) {
                q.execute("query-status", deadline);
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new CreateFailure("the device model did not answer QMP within " + policy.qmpTimeoutMillis() + " ms ("
                + (last == null ? "timeout" : last.getMessage()) + "); see " + paths.log());
    }

    public ConfinementPlan planOf(DomainRecord r) throws IOException {
        return JSON.treeToValue(r.plan(), ConfinementPlan.class);
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
     * Stops the device model (QMP quit, SIGTERM, SIGKILL), kills everything of its uid and its
     * cgroup, releases every layer in reverse and removes the state. Safe at any state.
     */
    public void destroy(DomainRecord rec) throws IOException {
        rec = store.read(rec.name()).orElse(rec); // the newest record: what preparation has done so far
        if (rec.state() != DomainState.DESTROYING) {
            rec = rec.withState(DomainState.DESTROYING);
            store.write(rec);
        }
        FaultPoint.hit("destroy.marked");
        ConfinementPlan plan = planOf(rec);
        DomainPaths paths = store.paths(rec.name());
        DeviceModelStopper.stop(rec, paths);
        FaultPoint.hit("destroy.stopped");
        // then every layer in reverse; the DAC layer's release kills what the uid still runs (libxl's
        // kill-by-uid), the cgroup layer's what the cgroup still holds
        List<String> failures = new ArrayList<>();
        DomainRecord stored = rec;
        DomainRuntime rt = new DomainRuntime(rec.name(), rec.domid(), paths,
                new Prepared(rec.prepared(), done -> store.write(stored.withPrepared(done))));
        List<ConfinementLayer> reversed = new ArrayList<>(layers);
        java.util.Collections.reverse(reversed);
        for (ConfinementLayer l : reversed) {
            try {
                l.release(plan.layer(l.name()), rt);
            } catch (LayerException | RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        Files.deleteIfExists(paths.qmpSocket());
        FaultPoint.hit("destroy.released");
        if (!failures.isEmpty()) {
            throw new IOException("destroy " + rec.name() + ": " + String.join("; ", failures)
                    + " (state kept; run destroy again)");
        }
        store.remove(rec.name());
    }


    public StateStore store() { return store; }
}
