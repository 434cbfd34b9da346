package dev.dmjail.toolstack.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dmjail.config.ParsedDomain;
import dev.dmjail.toolstack.DmjailException;
import dev.dmjail.toolstack.layer.NetworkLayer;
import dev.dmjail.toolstack.plan.ConfinementPlan;
import dev.dmjail.toolstack.plan.Effective;
import dev.dmjail.toolstack.plan.Incoming;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.plan.ShutdownActions;
import dev.dmjail.toolstack.proc.ProcessScan;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import dev.dmjail.toolstack.state.StateStore;
import dev.dmjail.uidrange.ResolvedUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of create, under the host lock: the name is free, the lowest domid whose uid is
 * free, the plan, the VNC listener bound, and the state file written in state CREATING — all before
 * anything touches the host, so a failure here leaves nothing and destroy after a crash later finds
 * the whole plan.
 */
final class DomainAllocation {

    private static final Logger LOG = LoggerFactory.getLogger(DomainAllocation.class);

    private final StateStore store;
    private final Planner planner;

    DomainAllocation(StateStore store, Planner planner) {
        this.store = store;
        this.planner = planner;
    }

    /** @param vnc receives the VNC listener bound for the plan (the caller closes it), left null without VNC */
    DomainRecord allocate(ParsedDomain parsed, Incoming incoming, VncHandover[] vnc) throws DmjailException, IOException {
        String name = parsed.domain().name();
        return store.<DomainRecord, DmjailException>locked(() -> {
            DomainNames.requireFree(store, name);
            ConfinementPlan plan = planWithFreeUid(parsed, incoming);
            String key = plan.paths().key();
            // destroy removes the domain's state dir whole, so it must be one this create makes:
            // a directory already there (not dmjail's, or a crash's before its state file) is refused
            if (Files.exists(store.pathsOfKey(key).dir(), LinkOption.NOFOLLOW_LINKS)) {
                throw new CreateFailure("state directory " + store.pathsOfKey(key).dir() + " already exists without a "
                        + "domain's state in it; remove it (dmjail does not delete what it did not make)");
            }
            if (plan.vnc() != null) {
                // before the state file: a port in use fails create with nothing on the host
                vnc[0] = VncHandover.bind(plan.vnc());
                plan = plan.withLayer(NetworkLayer.withVncPort(plan.layer(NetworkLayer.NAME), vnc[0].port()));
            }
            DomainRecord r = new DomainRecord(name, key, plan.domid(), DomainState.CREATING, null, null, plan.user().uid(),
                    plan.user().gid(), Effective.memoryMiB(parsed.domain()), Effective.vcpus(parsed.domain()),
                    parsed.domain().source().toString(), System.currentTimeMillis(), storedPlan(plan, parsed, incoming), Map.of());
            store.write(r);
            return r;
        });
    }

    /**
     * The lowest free domid whose range uid owns no live process: a device model left behind by a
     * killed toolstack (or started from another state dir) must never share its uid with a new
     * guest, so such a domid is skipped, as if in use. Call under the host lock.
     */
    private ConfinementPlan planWithFreeUid(ParsedDomain parsed, Incoming incoming) throws DmjailException, IOException {
        Set<Integer> busy = new HashSet<>();
        for (int tries = 0; tries < 256; tries++) {
            int domid = store.lowestFreeDomid(busy);
            ConfinementPlan plan = planner.plan(parsed, domid, true, incoming);
            Integer uid = plan.user().uid();
            if (plan.user().source() != ResolvedUser.Source.RANGE || uid == null
                    || ProcessScan.liveProcessesOfUid(uid).isEmpty()) {
                return plan;
            }
            LOG.warn("domid {}: uid {} still owns live processes {}; skipping it", domid, uid,
                    ProcessScan.liveProcessesOfUid(uid));
            busy.add(domid);
        }
        throw new CreateFailure("no domid whose range uid is free of processes among the lowest free ones");
    }

    /**
     * The plan as stored, with what the host's watcher must carry out for it (dmjail watch reads it) and
     * the config the domain was created with (DomainSaver.configOf reads it): a migrated domain's as
     * received (there is no file of it here), any other's as read at create with its overrides appended.
     * xl keeps the config libxl was given, not the file (save, migrate and a restart use it,
     * xl_vmcontrol.c reload_domain_config): the file may have changed since, and overrides are nowhere else.
     */
    private static JsonNode storedPlan(ConfinementPlan plan, ParsedDomain parsed, Incoming incoming) {
        ObjectNode pj = (ObjectNode) dev.dmjail.toolstack.text.RecordTrees.tree(plan); // no ObjectMapper: issue 14
        var wa = ShutdownActions.watcherActions(parsed.domain());
        if (wa.any()) {
            pj.set("watcherActions", dev.dmjail.toolstack.text.RecordTrees.tree(wa));
        }
        if (incoming != null && incoming.configText() != null) {
            pj.put(DomainManager.RECEIVED_CONFIG, incoming.configText());
        } else {
            pj.put(DomainManager.CREATED_CONFIG, parsed.raw().text());
        }
        return pj;
    }
}
