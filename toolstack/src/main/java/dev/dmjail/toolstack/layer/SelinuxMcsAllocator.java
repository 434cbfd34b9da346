package dev.dmjail.toolstack.layer;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Picks a random MCS category pair c1 < c2 from c0..c1023 that no running domain holds, as
 * libvirt's virSecuritySELinuxMCSFind does. The set in use is rebuilt from the domain state files
 * on each create (under the host lock), so a pair is never handed out twice while in use.
 */
public final class SelinuxMcsAllocator {
    static final int CATEGORIES = 1024;

    private final Supplier<Map<String, int[]>> inUse;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, int[]> reserved = new HashMap<>();

    /** @param inUse the pairs of the domains that exist now, by domain key */
    public SelinuxMcsAllocator(Supplier<Map<String, int[]>> inUse) { this.inUse = inUse; }

    public synchronized int[] reserve(String domain) {
        Map<String, int[]> taken = new HashMap<>(inUse.get());
        taken.putAll(reserved);
        for (int tries = 0; tries < 100_000; tries++) {
            int a = random.nextInt(CATEGORIES);
            int b = random.nextInt(CATEGORIES);
            if (a == b) {
                continue;
            }
            int c1 = Math.min(a, b);
            int c2 = Math.max(a, b);
            boolean clash = taken.values().stream().anyMatch(p -> p[0] == c1 && p[1] == c2);
            if (!clash) {
                reserved.put(domain, new int[] {c1, c2});
                return new int[] {c1, c2};
            }
        }
        throw new IllegalStateException("no free MCS category pair");
    }

    public synchronized void release(String domain) {
        reserved.remove(domain);
    }
}
