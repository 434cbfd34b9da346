package dev.dmjail.toolstack.host;

import jnr.ffi.LibraryLoader;

/**
 * Whether this host can really run a KVM guest: {@code /dev/kvm} opens read-write, speaks API 12
 * and {@code KVM_CREATE_VM} succeeds. Opening alone is not enough: nested or paravirtual hosts can
 * have a node whose VM creation fails, and QEMU's {@code -accel kvm} would then fail at start.
 * ioctl numbers from include/uapi/linux/kvm.h: KVMIO = 0xAE, KVM_GET_API_VERSION = _IO(KVMIO, 0),
 * KVM_CREATE_VM = _IO(KVMIO, 1); KVM_API_VERSION = 12.
 */
public final class KvmProbe {

    /** libc entry points. */
    public interface LibC {
        int open(String path, int flags);

        int ioctl(int fd, long request, long arg);

        int close(int fd);
    }

    /** The outcome, with the reason when KVM is not usable (shown in plans and test reports). */
    public record Result(boolean usable, String reason) {}

    static final long KVM_GET_API_VERSION = 0xAE00;
    static final long KVM_CREATE_VM = 0xAE01;
    private static final int O_RDWR_CLOEXEC = 02 | 02000000;

    private KvmProbe() {}

    public static Result probe(String node) {
        if (!new java.io.File(node).exists()) {
            return new Result(false, node + " does not exist");
        }
        LibC c;
        try {
            c = LibraryLoader.create(LibC.class).load("c");
        } catch (LinkageError | RuntimeException e) {
            return new Result(false, "cannot load libc to probe " + node + ": " + e.getMessage());
        }
        int fd = c.open(node, O_RDWR_CLOEXEC);
        if (fd < 0) {
            return new Result(false, node + " does not open read-write");
        }
        try {
            int api = c.ioctl(fd, KVM_GET_API_VERSION, 0);
            if (api != 12) {
                return new Result(false, node + " reports KVM API " + api + ", not 12");
            }
            int vm = c.ioctl(fd, KVM_CREATE_VM, 0);
            if (vm < 0) {
                return new Result(false, "KVM_CREATE_VM fails on " + node);
            }
            c.close(vm);
            return new Result(true, node + " opens and KVM_CREATE_VM succeeds");
        } finally {
            c.close(fd);
        }
    }
}
