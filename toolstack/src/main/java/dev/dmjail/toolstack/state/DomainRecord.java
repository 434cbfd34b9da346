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
 */
public record DomainRecord(
        String name,
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

    public DomainRecord withState(DomainState s) {
        return new DomainRecord(name, domid, s, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withPid(int p, long startTime) {
        return new DomainRecord(name, domid, state, p, startTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withMemory(long mib) {
        return new DomainRecord(name, domid, state, pid, pidStartTime, uid, gid, mib, vcpus, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withVcpus(int n) {
        return new DomainRecord(name, domid, state, pid, pidStartTime, uid, gid, memoryMiB, n, config, createdEpochMillis,
                plan, prepared);
    }

    public DomainRecord withPlan(JsonNode p) {
        return new DomainRecord(name, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config, createdEpochMillis,
                p, prepared);
    }

    public DomainRecord withPrepared(Map<String, List<String>> done) {
        return new DomainRecord(name, domid, state, pid, pidStartTime, uid, gid, memoryMiB, vcpus, config,
                createdEpochMillis, plan, done);
    }
}
