package dev.dmjail.toolstack.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The three bpf(2) commands dmjail needs, through libc's syscall() (jnr-ffi): load a cgroup device
 * program, attach it to a cgroup directory, and ask which programs a cgroup has (for the audit).
 * x86_64 numbers: __NR_bpf = 321; BPF_PROG_LOAD = 5, BPF_PROG_ATTACH = 8, BPF_PROG_QUERY = 16;
 * BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_CGROUP_DEVICE = 6 (include/uapi/linux/bpf.h).
 */
public final class Bpf {

    /** libc entry points. */
    public interface LibC {
        /** {@code attr} is copied in and back out around the call (jnr-ffi's default for an array). */
        long syscall(long number, long cmd, byte[] attr, long size);

        int open(String path, int flags);

        int close(int fd);
    }

    private static final long NR_BPF = 321;
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_QUERY = 16;
    private static final int PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int ATTACH_CGROUP_DEVICE = 6;
    private static final int BPF_F_ALLOW_MULTI = 2;
    private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0 | 0200000 | 02000000;
    private static final int ATTR_SIZE = 128;

    private static volatile LibC libc;

    private Bpf() {}

    private static LibC libc() {
        if (libc == null) {
            libc = LibraryLoader.create(LibC.class).load("c");
        }
        return libc;
    }

    /**
     * Loads the device program for {@code allowed} and attaches it to the cgroup v2 directory. The
     * program and the license are in JDK direct buffers (their addresses go into the attr): jnr-ffi's
     * own native memory registers a finalizer queue whose first use starts java.util.logging (~15 ms
     * of a cold create; issue 14).
     */
    public static void attachDeviceAllowList(Path cgroupDir, List<DeviceProgram.CharDevice> allowed) throws IOException {
        LibC c = libc();
        Runtime rt = Runtime.getRuntime(c);
        byte[] insns = DeviceProgram.assemble(allowed);
        // absolute puts: the address jnr-ffi gives a direct buffer is its base plus its position
        ByteBuffer prog = ByteBuffer.allocateDirect(insns.length).put(0, insns);
        ByteBuffer license = ByteBuffer.allocateDirect(4).put(0, "GPL\0".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer attr = attr();
        attr.putInt(0, PROG_TYPE_CGROUP_DEVICE);
        attr.putInt(4, insns.length / 8);
        attr.putLong(8, Pointer.wrap(rt, prog).address());
        attr.putLong(16, Pointer.wrap(rt, license).address());
        int progFd = (int) c.syscall(NR_BPF, BPF_PROG_LOAD, attr.array(), ATTR_SIZE);
        java.lang.ref.Reference.reachabilityFence(prog); // the kernel read both during the call
        java.lang.ref.Reference.reachabilityFence(license);
        if (progFd < 0) {
            throw new IOException("bpf(BPF_PROG_LOAD, cgroup device): errno " + rt.getLastError());
        }
        int cg = c.open(cgroupDir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
        try {
            if (cg < 0) {
                throw new IOException("open " + cgroupDir + ": errno " + rt.getLastError());
            }
            ByteBuffer at = attr();
            at.putInt(0, cg);
            at.putInt(4, progFd);
            at.putInt(8, ATTACH_CGROUP_DEVICE);
            // ALLOW_MULTI: a host manager's own program on an ancestor keeps applying as well.
            at.putInt(12, BPF_F_ALLOW_MULTI);
            if (c.syscall(NR_BPF, BPF_PROG_ATTACH, at.array(), ATTR_SIZE) != 0) {
                throw new IOException("bpf(BPF_PROG_ATTACH) on " + cgroupDir + ": errno " + rt.getLastError());
            }
        } finally {
            if (cg >= 0) {
                c.close(cg);
            }
            c.close(progFd);  // the attachment holds its own reference
        }
    }

    /** Number of device programs attached directly to the cgroup (BPF_PROG_QUERY), or -1 on error. */
    public static int attachedDevicePrograms(Path cgroupDir) {
        LibC c = libc();
        int cg = c.open(cgroupDir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
        if (cg < 0) {
            return -1;
        }
        try {
            ByteBuffer q = attr();
            q.putInt(0, cg);                   // target_fd
            q.putInt(4, ATTACH_CGROUP_DEVICE); // attach_type
            q.putInt(8, 0);                    // query_flags
            q.putLong(16, 0);                  // prog_ids = NULL: count only
            q.putInt(24, 0);                   // prog_cnt
            byte[] b = q.array();
            if (c.syscall(NR_BPF, BPF_PROG_QUERY, b, ATTR_SIZE) != 0) {
                return -1;
            }
            return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getInt(24); // the kernel wrote prog_cnt back
        } finally {
            c.close(cg);
        }
    }

    /** A zeroed union bpf_attr, in the host's byte order. */
    private static ByteBuffer attr() {
        return ByteBuffer.wrap(new byte[ATTR_SIZE]).order(ByteOrder.nativeOrder());
    }
}
