package dev.dmjail.toolstack.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The seccomp BPF evaluator against programs written by hand, and the kernel's stacking rule. */
class SeccompEvalTest {

    static long insn(int code, int jt, int jf, int k) {
        return (code & 0xffffL) | (long) (jt & 0xff) << 16 | (long) (jf & 0xff) << 24 | (k & 0xffffffffL) << 32;
    }

    /** arch check, then nr == 59 (execve) → ERRNO(EPERM), socket(arg0 == 2) → ERRNO(EAFNOSUPPORT), else ALLOW. */
    static final long[] PROG = {
        insn(0x20, 0, 0, 4),                         // A = arch
        insn(0x15, 1, 0, SeccompEval.AUDIT_ARCH_X86_64),
        insn(0x06, 0, 0, 0x80000000),                // KILL_PROCESS on a foreign arch
        insn(0x20, 0, 0, 0),                         // A = nr
        insn(0x15, 0, 1, 59),
        insn(0x06, 0, 0, 0x00050001),                // ERRNO(EPERM)
        insn(0x15, 0, 3, 41),                        // socket?
        insn(0x20, 0, 0, 16),                        // A = args[0] low
        insn(0x15, 0, 1, 2),
        insn(0x06, 0, 0, 0x00050061),                // ERRNO(EAFNOSUPPORT)
        insn(0x06, 0, 0, SeccompEval.RET_ALLOW),
    };
    static final long[] ALLOW_ALL = {insn(0x06, 0, 0, SeccompEval.RET_ALLOW)};
    static final long[] TRAP_FORK = {insn(0x20, 0, 0, 0), insn(0x15, 0, 1, 57), insn(0x06, 0, 0, 0x00030000),
        insn(0x06, 0, 0, SeccompEval.RET_ALLOW)};

    @Test
    void evaluatesLikeTheKernel() {
        assertEquals(0x00050001, SeccompEval.run(List.of(PROG), 59));
        assertEquals(SeccompEval.RET_ALLOW, SeccompEval.run(List.of(PROG), 0));
        assertEquals(0x00050061, SeccompEval.run(List.of(PROG), 41, 2));
        assertEquals(SeccompEval.RET_ALLOW, SeccompEval.run(List.of(PROG), 41, 1));
        assertTrue(SeccompEval.denies(SeccompEval.run(List.of(PROG), 59)));
        assertFalse(SeccompEval.denies(SeccompEval.run(List.of(ALLOW_ALL), 59)));
    }

    @Test
    void theMostRestrictiveFilterOfTheStackWins() {
        // an allow-all filter stacked on top takes nothing away (seccomp filters only add)
        assertEquals(0x00050001, SeccompEval.run(List.of(ALLOW_ALL, PROG), 59));
        // TRAP (0x00030000) is stricter than ERRNO (0x00050000); KILL_PROCESS (0x80000000, negative) strictest
        assertEquals(0x00030000, SeccompEval.run(List.of(PROG, TRAP_FORK), 57));
        long[] kill = {insn(0x06, 0, 0, 0x80000000)};
        assertEquals(0x80000000, SeccompEval.run(List.of(PROG, kill), 59));
    }
}
