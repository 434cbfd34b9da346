package dev.dmjail.toolstack.proc;

import java.util.List;

/**
 * Runs classic-BPF seccomp programs (as {@link SeccompFilters} dumps them) on a system call, the way
 * the kernel does: every filter of the stack runs, and the most restrictive action wins
 * (kernel/seccomp.c seccomp_run_filters: the lowest {@code (s32)(ret & SECCOMP_RET_ACTION_FULL)}).
 * The input is struct seccomp_data: nr (offset 0), arch (4), instruction_pointer (8), args[6] (16).
 * Only the instructions the kernel accepts for seccomp (seccomp_check_filter) are implemented.
 */
public final class SeccompEval {
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    public static final int RET_ALLOW = 0x7fff0000, RET_LOG = 0x7ffc0000;
    static final int ACTION_FULL = 0xffff0000;

    private SeccompEval() {}

    /** The action the whole stack returns for syscall {@code nr} with {@code args}. */
    public static int run(List<long[]> filters, int nr, long... args) {
        int ret = RET_ALLOW;
        for (long[] f : filters) {
            int cur = runOne(f, nr, args);
            if ((cur & ACTION_FULL) < (ret & ACTION_FULL)) { // as s32, like ACTION_ONLY()
                ret = cur;
            }
        }
        return ret;
    }

    /** Whether the action stops the call (anything but ALLOW and LOG). */
    public static boolean denies(int action) {
        int a = action & ACTION_FULL;
        return a != RET_ALLOW && a != RET_LOG;
    }

    static int runOne(long[] prog, int nr, long[] args) {
        int a = 0;
        int x = 0;
        int[] mem = new int[16];
        int pc = 0;
        for (int steps = 0; steps < 65536 && pc < prog.length; steps++) {
            long insn = prog[pc++];
            int code = (int) (insn & 0xffff);
            int jt = (int) ((insn >>> 16) & 0xff);
            int jf = (int) ((insn >>> 24) & 0xff);
            int k = (int) (insn >>> 32);
            switch (code) {
                case 0x20 -> a = data(k, nr, args);              // LD W ABS
                case 0x00 -> a = k;                              // LD IMM
                case 0x01 -> x = k;                              // LDX IMM
                case 0x60 -> a = mem[k & 15];                    // LD MEM
                case 0x61 -> x = mem[k & 15];                    // LDX MEM
                case 0x02 -> mem[k & 15] = a;                    // ST
                case 0x03 -> mem[k & 15] = x;                    // STX
                case 0x80 -> a = 64;                             // LD W LEN (sizeof seccomp_data)
                case 0x81 -> x = 64;                             // LDX W LEN
                case 0x04 -> a += k;   case 0x0c -> a += x;      // ALU ADD
                case 0x14 -> a -= k;   case 0x1c -> a -= x;      // SUB
                case 0x24 -> a *= k;   case 0x2c -> a *= x;      // MUL
                case 0x34 -> a = k == 0 ? 0 : Integer.divideUnsigned(a, k);
                case 0x3c -> { if (x == 0) return 0; a = Integer.divideUnsigned(a, x); }
                case 0x94 -> a = k == 0 ? 0 : Integer.remainderUnsigned(a, k);
                case 0x9c -> { if (x == 0) return 0; a = Integer.remainderUnsigned(a, x); }
                case 0x44 -> a |= k;   case 0x4c -> a |= x;      // OR
                case 0x54 -> a &= k;   case 0x5c -> a &= x;      // AND
                case 0xa4 -> a ^= k;   case 0xac -> a ^= x;      // XOR
                case 0x64 -> a <<= k;  case 0x6c -> a <<= x;     // LSH
                case 0x74 -> a >>>= k; case 0x7c -> a >>>= x;    // RSH
                case 0x84 -> a = -a;                             // NEG
                case 0x05 -> pc += k;                            // JA
                case 0x15 -> pc += a == k ? jt : jf;             // JEQ K
                case 0x1d -> pc += a == x ? jt : jf;
                case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf;   // JGT
                case 0x2d -> pc += Integer.compareUnsigned(a, x) > 0 ? jt : jf;
                case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf;  // JGE
                case 0x3d -> pc += Integer.compareUnsigned(a, x) >= 0 ? jt : jf;
                case 0x45 -> pc += (a & k) != 0 ? jt : jf;       // JSET
                case 0x4d -> pc += (a & x) != 0 ? jt : jf;
                case 0x06 -> { return k; }                       // RET K
                case 0x16 -> { return a; }                       // RET A
                case 0x07 -> x = a;                              // TAX
                case 0x87 -> a = x;                              // TXA
                default -> throw new IllegalArgumentException("seccomp BPF opcode 0x" + Integer.toHexString(code));
            }
        }
        throw new IllegalArgumentException("seccomp BPF program ran off its end");
    }

    private static int data(int off, int nr, long[] args) {
        if (off == 0) return nr;
        if (off == 4) return AUDIT_ARCH_X86_64;
        if (off == 8 || off == 12) return 0; // instruction pointer
        if (off >= 16 && off < 64 && off % 4 == 0) {
            int i = (off - 16) / 8;
            long v = i < args.length ? args[i] : 0;
            return (off - 16) % 8 == 0 ? (int) v : (int) (v >>> 32);
        }
        throw new IllegalArgumentException("seccomp BPF load at offset " + off);
    }
}
