package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.LandlockSection;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The landlock layer's step (9th): restricts the launcher — and so the device model it spawns — with a Landlock
 * ruleset (landlock(7), include/uapi/linux/landlock.h): file-system access only beneath the planned
 * paths of its root, no TCP bind or connect (ABI 4+), no abstract unix socket or signal outside the
 * domain (ABI 6+). Runs after the dac step and sets no_new_privs itself (landlock_restrict_self needs it
 * when not CAP_SYS_ADMIN, and a layer must not depend on another being on), before
 * seccomp (which then also denies the landlock syscalls to the device model). Rights the running
 * kernel's ABI does not know are not handled, the best-effort pattern landlock(7) gives.
 *
 * <p>The kernel shows no process's Landlock domain in /proc, so the step proves it in force itself:
 * right after restrict_self it connects a TCP socket to 127.0.0.1:1, which a Landlock domain denies
 * with EACCES in the socket_connect hook, before routing (the empty network namespace alone would
 * answer ENETUNREACH); the answer goes back to the toolstack with the pid, for the audit.
 */
public final class LandlockStep extends Step<LandlockSection> {
    static final long SYS_create_ruleset = 444, SYS_add_rule = 445, SYS_restrict_self = 446;
    static final long CREATE_RULESET_VERSION = 1;
    static final int RULE_PATH_BENEATH = 1;

    static final long EXECUTE = 1, WRITE_FILE = 1 << 1, READ_FILE = 1 << 2, READ_DIR = 1 << 3, REMOVE_DIR = 1 << 4,
            REMOVE_FILE = 1 << 5, MAKE_CHAR = 1 << 6, MAKE_DIR = 1 << 7, MAKE_REG = 1 << 8, MAKE_SOCK = 1 << 9,
            MAKE_FIFO = 1 << 10, MAKE_BLOCK = 1 << 11, MAKE_SYM = 1 << 12, REFER = 1 << 13, TRUNCATE = 1 << 14,
            IOCTL_DEV = 1 << 15;
    static final long NET_BIND_TCP = 1, NET_CONNECT_TCP = 2;
    static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1, SCOPE_SIGNAL = 2;
    private static final int AF_INET = 2, SOCK_STREAM_CLOEXEC = 1 | 02000000, EACCES = 13;

    public LandlockStep() {
        super(LandlockSection.NAME, LandlockSection.class);
    }

    @Override
    public void preload() {
        LibC c = Sys.libc(); // every call below happens after pivot_root
        c.syscall(SYS_create_ruleset, (byte[]) null, 0L, CREATE_RULESET_VERSION);
        c.syscall(SYS_add_rule, -1L, 0L, new byte[12], 0L);  // EBADF
        c.syscall(SYS_restrict_self, -1L, 0L);               // EBADF
        c.connect(-1, new byte[16], 16);                      // EBADF
    }

    /** The kernel's Landlock ABI version, 0 when it has none (or it is disabled). */
    public static int abi() {
        long v = Sys.libc().syscall(SYS_create_ruleset, (byte[]) null, 0L, CREATE_RULESET_VERSION);
        return v < 0 ? 0 : (int) v;
    }

    /** Every file-system right the ABI knows. */
    static long fsRights(int abi) {
        long all = (1L << 13) - 1;
        if (abi >= 2) all |= REFER;
        if (abi >= 3) all |= TRUNCATE;
        if (abi >= 5) all |= IOCTL_DEV;
        return all;
    }

    @Override
    public LandlockSection trainingSection(String tmp) {
        // on a build host without Landlock its prepare refuses, which would end the training run
        return abi() < 1 ? null : new LandlockSection(List.of("/"), List.of("/tmp"), List.of("/dev"), true, true);
    }

    @Override
    public void prepare(LaunchContext ctx, LandlockSection l) throws LaunchException {
        if (abi() < 1) {
            throw fail(Sys.EOPNOTSUPP, "this kernel has no Landlock (or it is disabled); the toolstack plans it UNAVAILABLE");
        }
    }

    @Override
    public void apply(LaunchContext ctx, LandlockSection l) throws LaunchException {
        LibC c = Sys.libc();
        int abi = abi();
        long handled = fsRights(abi);
        ByteBuffer attr = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        attr.putLong(0, handled);
        attr.putLong(8, l.denyTcp() && abi >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0);
        attr.putLong(16, l.scoped() && abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0);
        long size = abi >= 6 ? 24 : abi >= 4 ? 16 : 8;
        long rs = c.syscall(SYS_create_ruleset, attr.array(), size, 0L);
        check(rs, "landlock_create_ruleset (ABI " + abi + ")");
        try {
            long read = EXECUTE | READ_FILE | READ_DIR;
            long write = handled & ~(MAKE_CHAR | MAKE_BLOCK | IOCTL_DEV);
            long device = (READ_FILE | WRITE_FILE | READ_DIR | (abi >= 5 ? IOCTL_DEV : 0)) & handled;
            for (String p : l.readOnly()) {
                rule(c, rs, p, read);
            }
            for (String p : l.readWrite()) {
                rule(c, rs, p, write);
            }
            for (String p : l.devices()) {
                rule(c, rs, p, device);
            }
            // landlock_restrict_self needs no_new_privs or CAP_SYS_ADMIN (landlock(7)); the dac step sets it, but
            // with dmjail_dac = 0 and dmjail_seccomp = 0 nothing else would, and a root device model could then
            // exec a setuid binary past the ruleset's intent. Setting it here makes the layer stand on its own.
            check(c.prctl(Sys.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS");
            check(c.syscall(SYS_restrict_self, rs, 0L), "landlock_restrict_self");
        } finally {
            c.close((int) rs);
        }
        ctx.proofs.put(name(), "ABI " + abi + (l.denyTcp() && abi >= 4 ? "; " + probe(c) : "; no TCP rule on this ABI"));
    }

    private void rule(LibC c, long rs, String path, long rights) throws LaunchException {
        int fd = c.open(path, Sys.O_PATH | Sys.O_CLOEXEC | Sys.O_DIRECTORY, 0);
        check(fd, "open " + path + " for a Landlock rule");
        try {
            ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder()); // struct landlock_path_beneath_attr, packed
            b.putLong(0, rights);
            b.putInt(8, fd);
            check(c.syscall(SYS_add_rule, rs, RULE_PATH_BENEATH, b.array(), 0L), "landlock_add_rule " + path);
        } finally {
            c.close(fd);
        }
    }

    /** connect(127.0.0.1:1) must be refused by Landlock itself (EACCES). */
    private String probe(LibC c) throws LaunchException {
        int s = c.socket(AF_INET, SOCK_STREAM_CLOEXEC, 0);
        check(s, "socket(AF_INET) for the Landlock probe");
        byte[] sa = new byte[16];
        sa[0] = AF_INET;     // sin_family (little endian)
        sa[3] = 1;           // sin_port 1, network order
        sa[4] = 127;         // 127.0.0.1
        sa[7] = 1;
        int rc = c.connect(s, sa, sa.length);
        int err = Sys.errno();
        c.close(s);
        if (rc == 0 || err != EACCES) {
            throw fail(err, "Landlock is not in force: connect(127.0.0.1:1) gave " + (rc == 0 ? "success" : Sys.strerror(err))
                    + ", not EACCES");
        }
        return "probe connect(127.0.0.1:1) = EACCES";
    }
}
