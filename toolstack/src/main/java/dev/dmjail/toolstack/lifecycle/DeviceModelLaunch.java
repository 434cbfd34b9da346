package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.launcher.spec.LaunchSpec;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.DomainRuntime;
import dev.dmjail.toolstack.layer.LaunchSpecBuilder;
import dev.dmjail.toolstack.layer.LayerException;
import dev.dmjail.toolstack.layer.Prepared;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.proc.ProcessView;
import dev.dmjail.toolstack.state.DomainPaths;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

/**
 * Create's host preparation and launch, as libvirt's qemuProcessLaunch: the logs rotated (as xl does
 * for qemu-dm-NAME.log), every layer's host preparation in order, each item written to the state file
 * as it is done (so release, here on a failure or in a destroy after a crash, undoes exactly that),
 * the launch spec every layer contributes to, the launcher's answer, and the device model's pid and
 * what the launcher proved at spawn kept in the state file.
 */
final class DeviceModelLaunch {


    /** The record with the device model's pid, and the plan with the launcher's proofs. */
    record Launched(DomainRecord record, ConfinementPlan plan) {}

    private final HostPolicy policy;
    private final StateStore store;
    private final List<ConfinementLayer> layers;

    DeviceModelLaunch(HostPolicy policy, StateStore store, List<ConfinementLayer> layers) {
        this.policy = policy;
        this.store = store;
        this.layers = layers;
    }

    Launched launch(DomainRecord rec, ConfinementPlan plan, DomainPaths paths, LauncherClient.Started launcher,
                    StepTimer timer) throws CreateFailure, IOException, LayerException {
        Files.createDirectories(paths.log().getParent());
        LogRotation.rotate(paths.log(), policy.logRotateKeep());
        LogRotation.rotate(paths.console(), policy.logRotateKeep());
        DomainRecord[] current = {rec};
        Prepared prepared = new Prepared(Map.of(), done -> store.write(current[0] = current[0].withPrepared(done)));
        DomainRuntime rt = new DomainRuntime(rec.name(), rec.domid(), paths, prepared);
        for (ConfinementLayer l : layers) {
            l.prepareHost(plan.layer(l.name()), rt);
        }
        rec = current[0];
        timer.step("host prepared");
        FaultPoint.hit("create.host-prepared");
        LaunchSpecBuilder spec = new LaunchSpecBuilder(rec.key());
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
        ObjectNode stored = rec.plan().deepCopy(); // keeps what is not layers
        stored.set("layers", dev.dmjail.toolstack.text.RecordTrees.tree(plan.layers()));
        rec = rec.withPid(res.pid(), start).withPlan(stored);
        store.write(rec);
        FaultPoint.hit("create.launched");
        return new Launched(rec, plan);
    }
}
