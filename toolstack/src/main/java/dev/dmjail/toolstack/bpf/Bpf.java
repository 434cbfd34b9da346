package dev.dmjail.toolstack.bpf;

import java.io.IOException;
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
        long syscall(long number, long cmd, Pointer attr, long size);

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

    /** Loads the device program for {@code allowed} and attaches it to the cgroup v2 directory. */
    public static void attachDeviceAllowList(Path cgroupDir, List<DeviceProgram.CharDevice> allowed) throws IOException {
        LibC c = libc();
        Runtime rt = Runtime.getRuntime(c);
        byte[] insns = DeviceProgram.assemble(allowed);
        Pointer prog = rt.getMemoryManager().allocateDirect(insns.length);
        prog.put(0, insns, 0, insns.length);
        byte[] lic = "GPL\0".getBytes(StandardCharsets.US_ASCII);
        Pointer license = rt.getMemoryManager().allocateDirect(lic.length);
        license.put(0, lic, 0, lic.length);
        Pointer attr = zeroed(rt);
        attr.putInt(0, PROG_TYPE_CGROUP_DEVICE);
        attr.putInt(4, insns.length / 8);
        attr.putLong(8, prog.address());
        attr.putLong(16, license.address());
        int progFd = (int) c.syscall(NR_BPF, BPF_PROG_LOAD, attr, ATTR_SIZE);
        if (progFd < 0) {
            throw new IOException("bpf(BPF_PROG_LOAD, cgroup device): errno " + rt.getLastError());
        }
        int cg = c.open(cgroupDir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
        try {
            if (cg < 0) {
                throw new IOException("open " + cgroupDir + ": errno " + rt.getLastError());
            }
            Pointer at = zeroed(rt);
            at.putInt(0, cg);
            at.putInt(4, progFd);
            at.putInt(8, ATTACH_CGROUP_DEVICE);
            // ALLOW_MULTI: a host manager's own program on an ancestor keeps applying as well.
            at.putInt(12, BPF_F_ALLOW_MULTI);
            if (c.syscall(NR_BPF, BPF_PROG_ATTACH, at, ATTR_SIZE) != 0) {
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
        Runtime rt = Runtime.getRuntime(c);
        int cg = c.open(cgroupDir.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
        if (cg < 0) {
            return -1;
        }
        try {
            Pointer q = zeroed(rt);
            q.putInt(0, cg);                   // target_fd
            q.putInt(4, ATTACH_CGROUP_DEVICE); // attach_type
            q.putInt(8, 0);                    // query_flags
            q.putLong(16, 0);                  // prog_ids = NULL: count only
            q.putInt(24, 0);                   // prog_cnt
            if (c.syscall(NR_BPF, BPF_PROG_QUERY, q, ATTR_SIZE) != 0) {
                return -1;
            }
            return q.getInt(24);
        } finally {
            c.close(cg);
        }
    }

    private static Pointer zeroed(Runtime rt) {
        Pointer p = rt.getMemoryManager().allocateDirect(ATTR_SIZE);
        p.setMemory(0, ATTR_SIZE, (byte) 0);
        return p;
    }
}
