package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.DacSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;

/**
 * The dac layer's step (7th): setgroups(0, NULL), setresgid, then (clearCapabilities) PR_CAPBSET_DROP of
 * every capability 0..cap_last_cap and PR_CAP_AMBIENT_CLEAR_ALL while still privileged, then
 * setresuid, capset to all-zero (clears the inheritable set, and the effective/permitted sets when
 * the uid stays 0), PR_SET_NO_NEW_PRIVS, and finally verifies with capget/getresuid/getresgid
 * that the thread really holds the identity and no capability. glibc applies the set*id calls to
 * every thread of the JVM; the bounding set, capabilities and no_new_privs are per-thread and
 * inherited by the spawned child from this thread.
 */
public final class DacStep extends Step<DacSection> {
    private static final String CAP_LAST_CAP = "/proc/sys/kernel/cap_last_cap";
    private int capLastCap = -1;

    public DacStep() {
        super(DacSection.NAME, DacSection.class);
    }

    @Override
    public void preload() {
        LibC c = Sys.libc();
        c.prctl(Sys.PR_CAPBSET_READ, 0, 0, 0, 0);
        c.prctl(Sys.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
        c.capget(new int[] {Sys.LINUX_CAPABILITY_VERSION_3, 0}, new int[6]);
        int[] a = new int[1], b = new int[1], d = new int[1];
        c.getresuid(a, b, d);
        c.getresgid(a, b, d);
        c.setresgid(-1, -1, -1); // no change (glibc broadcasts to all threads)
        c.setresuid(-1, -1, -1);
    }

    @Override
    public DacSection trainingSection(String tmp) {
        return new DacSection(65534, 65534, true, true);
    }

    @Override
    public void prepare(LaunchContext ctx, DacSection id) throws LaunchException {
        if (id.clearCapabilities()) {
            try {
                capLastCap = Integer.parseInt(Sys.readProcFile(CAP_LAST_CAP).trim());
            } catch (IOException | NumberFormatException e) {
                throw fail(Sys.EIO, "read " + CAP_LAST_CAP + ": " + e);
            }
            if (capLastCap < 0 || capLastCap > 63) {
                throw fail(Sys.EINVAL, CAP_LAST_CAP + " out of range: " + capLastCap);
            }
        }
    }

    @Override
    public void apply(LaunchContext ctx, DacSection id) throws LaunchException {
        LibC c = Sys.libc();
        check(c.setgroups(0, null), "setgroups(0, NULL)");
        check(c.setresgid(id.gid(), id.gid(), id.gid()), "setresgid " + id.gid());
        if (id.clearCapabilities()) {
            for (int cap = 0; cap <= capLastCap; cap++) {
                check(c.prctl(Sys.PR_CAPBSET_DROP, cap, 0, 0, 0), "PR_CAPBSET_DROP " + cap);
            }
            check(c.prctl(Sys.PR_CAP_AMBIENT, Sys.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "PR_CAP_AMBIENT_CLEAR_ALL");
        }
        check(c.setresuid(id.uid(), id.uid(), id.uid()), "setresuid " + id.uid());
        if (id.clearCapabilities()) {
            check(c.capset(new int[] {Sys.LINUX_CAPABILITY_VERSION_3, 0}, new int[6]), "capset(0)");
        }
        if (id.noNewPrivs()) {
            check(c.prctl(Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS");
        }
        verify(c, id);
    }

    private void verify(LibC c, DacSection id) throws LaunchException {
        int[] r = new int[1], e = new int[1], s = new int[1];
        check(c.getresuid(r, e, s), "getresuid");
        if (r[0] != id.uid() || e[0] != id.uid() || s[0] != id.uid()) {
            throw fail(Sys.EPERM, "uids are " + r[0] + "/" + e[0] + "/" + s[0] + " after setresuid " + id.uid());
        }
        check(c.getresgid(r, e, s), "getresgid");
        if (r[0] != id.gid() || e[0] != id.gid() || s[0] != id.gid()) {
            throw fail(Sys.EPERM, "gids are " + r[0] + "/" + e[0] + "/" + s[0] + " after setresgid " + id.gid());
        }
        if (id.clearCapabilities()) {
            int[] data = new int[6];
            check(c.capget(new int[] {Sys.LINUX_CAPABILITY_VERSION_3, 0}, data), "capget");
            for (int v : data) {
                if (v != 0) {
                    throw fail(Sys.EPERM, "capabilities still held after the uid switch (CapEff/CapPrm/CapInh "
                            + "not 0): " + Integer.toHexString(data[0]) + "/" + Integer.toHexString(data[1]) + "/"
                            + Integer.toHexString(data[2]));
                }
            }
            // independent of cap_last_cap: PR_CAPBSET_READ answers EINVAL past the last capability
            int cap = 0;
            for (int rc; (rc = c.prctl(Sys.PR_CAPBSET_READ, cap, 0, 0, 0)) >= 0 && cap < 64; cap++) {
                if (rc != 0) {
                    throw fail(Sys.EPERM, "capability " + cap + " still in the bounding set");
                }
            }
            if (cap <= capLastCap) {
                throw fail(Sys.EINVAL, "PR_CAPBSET_READ stopped at " + cap + ", cap_last_cap is " + capLastCap);
            }
        }
        if (id.noNewPrivs() && c.prctl(Sys.PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
            throw fail(Sys.EPERM, "no_new_privs not set");
        }
    }
}
