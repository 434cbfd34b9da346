package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.DomainRuntime;
import dev.dmjail.toolstack.layer.LayerException;
import dev.dmjail.toolstack.layer.Prepared;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Destroy, as libvirt's qemuProcessStop: the state marked DESTROYING first, the device model stopped
 * (QMP quit, SIGTERM, SIGKILL: {@link DeviceModelStopper}), every layer released in reverse from the
 * stored plan and the record of what its preparation did — the DAC layer's release kills what the uid
 * still runs (libxl's kill-by-uid), the cgroup layer's what the cgroup still holds — and the state
 * removed only when every release succeeded. Safe at any state, and again after a failure.
 */
final class DomainTeardown {

    private final StateStore store;
    private final List<ConfinementLayer> layers;

    DomainTeardown(StateStore store, List<ConfinementLayer> layers) {
        this.store = store;
        this.layers = layers;
    }

    void destroy(DomainRecord rec, ConfinementPlan plan) throws IOException {
        if (rec.state() != DomainState.DESTROYING) {
            rec = rec.withState(DomainState.DESTROYING);
            store.write(rec);
        }
        FaultPoint.hit("destroy.marked");
        DomainPaths paths = store.paths(rec);
        DeviceModelStopper.stop(rec, paths);
        FaultPoint.hit("destroy.stopped");
        List<String> failures = new ArrayList<>();
        DomainRecord stored = rec;
        DomainRuntime rt = new DomainRuntime(rec.name(), rec.domid(), paths,
                new Prepared(rec.prepared(), done -> store.write(stored.withPrepared(done))));
        List<ConfinementLayer> reversed = new ArrayList<>(layers);
        Collections.reverse(reversed);
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
        store.remove(rec);
    }
}
