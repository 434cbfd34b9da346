package dev.dmjail.toolstack.proc;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

/**
 * The seccomp filters a process really has, as the kernel holds them: PTRACE_SECCOMP_GET_FILTER
 * (linux/ptrace.h, 4.4+, CONFIG_CHECKPOINT_RESTORE) returns the classic-BPF program of filter
 * {@code index} (0 = the most recently installed) of a thread in a ptrace-stop. The thread is seized,
 * interrupted for the few microseconds of the dump, and detached; its other threads keep running.
 * Counting filters (/proc/PID/status Seccomp_filters) is not enough: a device model that ignores
 * {@code -sandbox} can install an allow-all filter of its own and the count still matches.
 *
 * <p>Every call of one dump runs on one thread: ptrace attaches a tracee to a thread.
 */
public final class SeccompFilters {

    /** libc entry points. */
    public interface LibC {
        /** {@code data}: null, or the buffer PTRACE_SECCOMP_GET_FILTER fills (copied back after the call). */
        long ptrace(long request, int pid, long addr, byte[] data);

        int waitpid(int pid, int[] status, int options);
    }

    static final long PTRACE_DETACH = 17, PTRACE_SEIZE = 0x4206, PTRACE_INTERRUPT = 0x4207,
            PTRACE_SECCOMP_GET_FILTER = 0x420c;
    static final int WALL = 0x40000000, WNOHANG = 1;
    static final long STOP_DEADLINE_NANOS = 2_000_000_000L;
    static final int ENOENT = 2;
    static final int MAX_FILTERS = 64;
    static final int MAX_INSNS = 4096; // BPF_MAXINSNS

    /** The filters (index 0 first), or why they could not be read. */
    public record Dump(List<long[]> filters, String unobservable) {
        public boolean observed() { return unobservable == null; }
    }

    private static volatile LibC libc;

    private SeccompFilters() {}

    private static LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
        }
        return libc;
    }

    /**
     * Each instruction packed as {@code code | jt << 16 | jf << 24 | k << 32} (struct sock_filter).
     * Runs on a thread of its own that ends with the dump: the kernel detaches every tracee of a
     * tracer thread that exits (kernel/ptrace.c exit_ptrace), so whatever happens here — a stop that
     * comes late, an error before PTRACE_DETACH — the device model is never left ptrace-stopped.
     */
    public static Dump dump(int pid) {
        Dump[] out = {new Dump(List.of(), "the filter dump did not finish")};
        Thread t = new Thread(() -> out[0] = dumpOnThisThread(pid), "seccomp-filter-dump");
        t.setDaemon(true);
        t.start();
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return t.isAlive() ? new Dump(List.of(), "the filter dump did not finish in 5 s") : out[0];
    }

    private static synchronized Dump dumpOnThisThread(int pid) {
        LibC c = libc();
        Runtime rt = Runtime.getRuntime(c);
        if (c.ptrace(PTRACE_SEIZE, pid, 0, null) != 0) {
            return new Dump(List.of(), "ptrace(PTRACE_SEIZE) " + rt.getLastError());
        }
        try {
            if (c.ptrace(PTRACE_INTERRUPT, pid, 0, null) != 0) {
                return new Dump(List.of(), "ptrace(PTRACE_INTERRUPT) errno " + rt.getLastError());
            }
            // The stop comes when the thread next returns to user space; one in uninterruptible sleep
            // (a device model tearing down thousands of KVM VMs) must not hang the audit.
            int[] status = new int[1];
            long deadline = System.nanoTime() + STOP_DEADLINE_NANOS;
            int w;
            while ((w = c.waitpid(pid, status, WALL | WNOHANG)) == 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            if (w != pid) {
                return new Dump(List.of(), w == 0 ? "the process did not stop within 2 s" : "waitpid errno " + rt.getLastError());
            }
            List<long[]> out = new ArrayList<>();
            for (int index = 0; index < MAX_FILTERS; index++) {
                long n = c.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, index, null);
                if (n < 0) {
                    int err = rt.getLastError();
                    if (err == ENOENT) {
                        return new Dump(out, null);
                    }
                    return new Dump(List.of(), "PTRACE_SECCOMP_GET_FILTER errno " + err
                            + " (a kernel without CONFIG_CHECKPOINT_RESTORE cannot show filters)");
                }
                if (n == 0 || n > MAX_INSNS) {
                    return new Dump(List.of(), "PTRACE_SECCOMP_GET_FILTER: " + n + " instructions");
                }
                // a heap buffer: jnr-ffi's native memory would start its finalizer queue (and java.util.logging)
                byte[] raw = new byte[(int) n * 8];
                long got = c.ptrace(PTRACE_SECCOMP_GET_FILTER, pid, index, raw);
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(raw).order(java.nio.ByteOrder.nativeOrder());
                if (got != n) {
                    return new Dump(List.of(), "PTRACE_SECCOMP_GET_FILTER: filter " + index + " changed while read");
                }
                long[] prog = new long[(int) n];
                for (int i = 0; i < n; i++) {
                    long code = buf.getShort(i * 8) & 0xffffL;
                    long jt = buf.get(i * 8 + 2) & 0xffL;
                    long jf = buf.get(i * 8 + 3) & 0xffL;
                    long k = buf.getInt(i * 8 + 4) & 0xffffffffL;
                    prog[i] = code | jt << 16 | jf << 24 | k << 32;
                }
                out.add(prog);
            }
            return new Dump(List.of(), "more than " + MAX_FILTERS + " filters");
        } finally {
            c.ptrace(PTRACE_DETACH, pid, 0, null);
        }
    }
}
