package dev.dmjail.toolstack.lifecycle;

import dev.dmjail.toolstack.state.DomainRecord;
import dev.dmjail.toolstack.state.DomainState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up domains whose device model has exited: the guest powered off, rebooted or panicked with
 * the action "destroy" (QEMU's -action made it exit, plan/ShutdownActions), or the device model died.
 * xl keeps a process per domain to do this; dmjail keeps none, so `list` and `create` do it first
 * (a domain that is gone holds its cgroup, taps, domid and uid until then). Each is destroyed as
 * `dmjail destroy` would, under the host lock so two commands never clean one domain at once; its
 * logs are kept in the log directory as destroy keeps them.
 */
public final class GoneDomains {
    private static final Logger LOG = LoggerFactory.getLogger(GoneDomains.class);

    private GoneDomains() {}

    /** The names of the domains cleaned up. A domain that cannot be cleaned stays listed (as "crashed"). */
    public static List<String> reap(DomainManager dm) throws IOException {
        List<DomainRecord> gone = new ArrayList<>();
        for (DomainRecord r : dm.store().list()) {
            if (isGone(r)) {
                gone.add(r);
            }
        }
        if (gone.isEmpty()) {
            return List.of(); // the common case: no lock, no layer touched
        }
        return dm.store().locked(() -> {
            List<String> done = new ArrayList<>();
            for (DomainRecord was : gone) {
                DomainRecord r = dm.store().reread(was).orElse(null);
                if (r == null || !isGone(r)) {
                    continue; // cleaned (or recreated) meanwhile
                }
                try {
                    String name = r.name();
                    dm.destroy(r);
                    done.add(name);
                    LOG.info("domain {} (domid {}) is gone: its device model exited; cleaned up as destroy does",
                            name, r.domid());
                } catch (IOException | RuntimeException e) {
                    LOG.warn("domain {} is gone but could not be cleaned up: {}", r.name(), e.getMessage());
                }
            }
            return done;
        });
    }

    private static boolean isGone(DomainRecord r) {
        return r.state() == DomainState.RUNNING && !DomainControl.deviceModelAlive(r);
    }
}
