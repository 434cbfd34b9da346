package dev.dmjail.toolstack.cli;

import dev.dmjail.toolstack.host.HostConfigException;
import dev.dmjail.toolstack.host.HostConfigLoader;
import dev.dmjail.toolstack.host.HostFacts;
import dev.dmjail.toolstack.host.HostPolicy;
import dev.dmjail.toolstack.layer.ConfinementLayer;
import dev.dmjail.toolstack.layer.DacLayer;
import dev.dmjail.toolstack.layer.LayerStack;
import dev.dmjail.toolstack.layer.SelinuxMcsAllocator;
import dev.dmjail.toolstack.layer.SelinuxLayer;
import dev.dmjail.toolstack.lifecycle.DomainManager;
import dev.dmjail.toolstack.plan.Planner;
import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.StateStore;
import dev.dmjail.uidrange.PosixUserDatabase;
import dev.dmjail.uidrange.UserDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Wires host policy, host facts, user database, state and layers together for one command. */
public final class Toolstack {

    private final HostPolicy policy;
    private final HostFacts facts;
    private final StateStore store;
    private final UserDatabase users;
    private List<ConfinementLayer> layers;
    private Planner planner;

    public Toolstack(HostPolicy policy, HostFacts facts, UserDatabase users) {
        this.policy = policy;
        this.facts = facts;
        this.users = users;
        this.store = new StateStore(policy.stateDir(), policy.logDir());
    }

    public static Toolstack forHost(Path hostConfig, boolean explicit) throws HostConfigException {
        return new Toolstack(HostConfigLoader.load(hostConfig, explicit), HostFacts.detect(), new PosixUserDatabase());
    }

    /**
     * libxl: the reaper is a dedicated user if it exists (host config reaper_user), else the range
     * base uid (never a device-model uid: domids start at 1); null when neither exists.
     */
    private Integer reaperUid(DacLayer.Settings s) {
        return users.byName(policy.reaperUser()).map(dev.dmjail.uidrange.PasswdEntry::uid).filter(u -> u != 0)
                .orElse(s.rangeBaseUid());
    }

    public HostPolicy policy() { return policy; }
    public HostFacts facts() { return facts; }
    public StateStore store() { return store; }
    /**
     * The layers and the planner are built on first use: list, console, domid and the like never
     * plan, and building every layer (the MCS allocator's SecureRandom, the cgroup layout) is a
     * good part of their start-up (issue 14).
     */
    public synchronized Planner planner() {
        if (planner == null) {
            planner = new Planner(policy, facts, users, layers(), store);
        }
        return planner;
    }

    public synchronized List<ConfinementLayer> layers() {
        if (layers == null) {
            layers = LayerStack.standard(facts, new SelinuxMcsAllocator(this::mcsInUse), this::reaperUid);
        }
        return layers;
    }
    public UserDatabase users() { return users; }

    public DomainManager manager() { return new DomainManager(policy, planner(), store); }

    /** MCS pairs of the domains that exist now, read from their stored plans. */
    private Map<String, int[]> mcsInUse() {
        Map<String, int[]> out = new HashMap<>();
        try {
            for (DomainRecord r : store.list()) {
                var se = r.plan().path("layers");
                for (var l : se) {
                    if (l.path("layer").asText().equals(SelinuxLayer.NAME) && l.path("settings").has("c1")) {
                        out.put(r.key(), new int[] {l.path("settings").path("c1").asInt(), l.path("settings").path("c2").asInt()});
                    }
                }
            }
        } catch (IOException e) {
            // no state yet
        }
        return out;
    }

}
