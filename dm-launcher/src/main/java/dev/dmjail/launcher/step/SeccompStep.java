package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.SeccompSection;
import dev.dmjail.launcher.sys.LibSeccomp;
import dev.dmjail.launcher.sys.Sys;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * The seccomp layer's step (10th, the last before the spawn): a deny-list filter built with libseccomp.so.2 at prepare time (before the
 * pivot: names resolved, rules added) and loaded on this thread only (no TSYNC) as the very last
 * step before the spawn, so the device model inherits it. Default action ALLOW; {@code denyEperm}
 * answer EPERM, {@code denyEnosys} ENOSYS (clone3: libc then falls back to clone), and with
 * {@code denyCloneNamespaceFlags} one rule per CLONE_NEW* flag on clone's arg0 (MASKED_EQ)
 * answers EPERM. libseccomp sets no_new_privs itself at load (SCMP_FLTATR_CTL_NNP defaults to 1),
 * which an unprivileged thread needs anyway.
 */
public final class SeccompStep extends Step<SeccompSection> {
    static final int SCMP_ACT_ALLOW = 0x7fff0000;
    static final int SCMP_CMP_MASKED_EQ = 7;
    static final int SCMP_CMP_EQ = 4;
    static final int EAFNOSUPPORT = 97;
    /** clone(2)'s namespace flags; CLONE_NEWTIME (0x80) overlaps clone()'s exit-signal byte. */
    static final int[] CLONE_NS_FLAGS = {Sys.CLONE_NEWNS, Sys.CLONE_NEWCGROUP, Sys.CLONE_NEWUTS, Sys.CLONE_NEWIPC,
        Sys.CLONE_NEWUSER, Sys.CLONE_NEWPID, Sys.CLONE_NEWNET};

    private Pointer filter;

    public SeccompStep() {
        super(SeccompSection.NAME, SeccompSection.class);
    }

    static int errnoAction(int errno) {
        return 0x00050000 | (errno & 0xffff);
    }

    @Override
    public void preload() {
        Sys.seccomp().seccomp_syscall_resolve_name("read");
    }

    @Override
    public SeccompSection trainingSection(String tmp) {
        return new SeccompSection(List.of("ptrace"), List.of("clone3"), true, List.of(2));
    }

    @Override
    public void prepare(LaunchContext ctx, SeccompSection s) throws LaunchException {
        LibSeccomp sc = Sys.seccomp();
        filter = sc.seccomp_init(SCMP_ACT_ALLOW);
        if (filter == null || filter.address() == 0) {
            filter = null;
            throw fail(Sys.EINVAL, "seccomp_init failed");
        }
        for (String name : s.denyEperm()) {
            add(sc, name, errnoAction(Sys.EPERM));
        }
        for (String name : s.denyEnosys()) {
            add(sc, name, errnoAction(Sys.ENOSYS));
        }
        if (s.denyCloneNamespaceFlags()) {
            int nr = resolve(sc, "clone");
            Pointer cmp = Sys.alloc(24); // struct scmp_arg_cmp { u32 arg; u32 op; u64 datum_a; u64 datum_b; }
            ctx.keepAlive.add(cmp);
            for (int flag : CLONE_NS_FLAGS) {
                cmp.putInt(0, 0); // arg0: flags (x86_64's clone(flags, stack, ptid, ctid, tls))
                cmp.putInt(4, SCMP_CMP_MASKED_EQ);
                cmp.putLong(8, flag & 0xffffffffL); // mask
                cmp.putLong(16, flag & 0xffffffffL); // value
                int rc = sc.seccomp_rule_add_array(filter, errnoAction(Sys.EPERM), nr, 1, cmp);
                if (rc < 0) {
                    throw fail(-rc, "seccomp_rule_add clone & 0x" + Integer.toHexString(flag));
                }
            }
        }
        denySocketFamilies(ctx, sc, s.denySocketFamilies());
    }

    /** socket(family, ...) → EAFNOSUPPORT for each listed family (SCMP_CMP_EQ on arg0). */
    private void denySocketFamilies(LaunchContext ctx, LibSeccomp sc, List<Integer> families) throws LaunchException {
        if (families.isEmpty()) {
            return;
        }
        int nr = resolve(sc, "socket");
        Pointer cmp = Sys.alloc(24); // struct scmp_arg_cmp
        ctx.keepAlive.add(cmp);
        for (int family : families) {
            cmp.putInt(0, 0);                 // arg0: domain
            cmp.putInt(4, SCMP_CMP_EQ);
            cmp.putLong(8, family & 0xffffffffL);
            cmp.putLong(16, 0);
            int rc = sc.seccomp_rule_add_array(filter, errnoAction(EAFNOSUPPORT), nr, 1, cmp);
            if (rc < 0) {
                throw fail(-rc, "seccomp_rule_add socket(" + family + ")");
            }
        }
    }

    private int resolve(LibSeccomp sc, String name) throws LaunchException {
        int nr = sc.seccomp_syscall_resolve_name(name);
        if (nr == -1) { // __NR_SCMP_ERROR
            throw fail(Sys.EINVAL, "unknown syscall \"" + name + "\"");
        }
        return nr;
    }

    private void add(LibSeccomp sc, String name, int action) throws LaunchException {
        int nr = resolve(sc, name);
        int rc = sc.seccomp_rule_add(filter, action, nr, 0);
        if (rc < 0) {
            throw fail(-rc, "seccomp_rule_add " + name);
        }
    }

    @Override
    public void apply(LaunchContext ctx, SeccompSection s) throws LaunchException {
        int rc = Sys.seccomp().seccomp_load(filter);
        if (rc < 0) {
            throw fail(-rc, "seccomp_load");
        }
        Sys.seccomp().seccomp_release(filter);
        filter = null;
    }

    @Override
    public void abort(LaunchContext ctx) {
        if (filter != null) {
            Sys.seccomp().seccomp_release(filter);
            filter = null;
        }
    }
}
