package dev.dmjail.toolstack.state;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The per-domain state file: enough to list, audit and destroy the domain after the toolstack that
 * created it is gone. Written before anything is prepared on the host (state CREATING) and
 * rewritten atomically at each change.
 *
 * @param plan      the confinement plan as created (layers, argv, user): release works from it
 * @param prepared  per layer, what its host preparation has done so far (each item recorded as soon
 *                  as it is done); release undoes exactly these, so a refused or crashed prepare
 *                  never removes a host object it did not create. Empty when nothing is prepared
 *                  yet; null only in a state file from before this field (release then undoes all)
 * @param key       the domain's host-side key ({@link DomainKey}), fixed at create: its state dir, cgroups
 *                  and logs are named by it, never by {@code name}, so a rename changes {@code name} only.
 *                  A state file from before this field has none: {@link StateStore} then gives it the
 *                  name of the directory it was read from (which was the name)
 */
public record DomainRecord(
        String name,
        String key,
        int domid,
        DomainState state,
        Integer pid,
        Long pidStartTime,
        Integer uid,
        Integer gid,
        long memoryMiB,
        int vcpus,
        String config,
        long createdEpochMillis,
        JsonNode plan,
        Map<String, List<String>> prepared) {

    /** The same domain under another name (rename): the key, and so every host path, stays. */
    public DomainRecord withName(String n) {
        return new DomainRecord(n, key, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withKey(String k) {
        return new DomainRecord(name, k, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withState(DomainState s) {
        return new DomainRecord(name, key, domid, s, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withPid(int p, long startTime) {
        return new DomainRecord(name, key, domid, state, p, startTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withMemory(long mib) {
        return new DomainRecord(name, key, domid, state, pid, pidStartTime, uid, gid, mib, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withVcpus(int n) {
        return new DomainRecord(name, key, domid, state, pid, pidStartTime, uid, gid, memoryMiB, n, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withPlan(JsonNode p) {
        return new DomainRecord(name, key, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                p, prepared);
    }

    public DomainRecord withPrepared(Map<String, List<String>> done) {
        return new DomainRecord(name, key, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config,
                createdEpochMillis, plan, done);
    }
}
