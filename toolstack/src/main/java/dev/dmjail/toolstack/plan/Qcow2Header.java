package dev.dmjail.toolstack.plan;

import dev.dmjail.launcher.sys.SafeFile;
import java.nio.ByteBuffer;

/**
 * The fields of a qcow2 header dmjail decides on, read from an fd the privileged side opened
 * (QEMU docs/interop/qcow2.txt, big-endian): magic "QFI\xfb" at 0, backing_file_offset at 8,
 * cluster_bits at 20, the virtual size at 24.
 */
record Qcow2Header(boolean hasBacking, int clusterBits, long virtualSize) {

    static final int MAGIC = 0x514649fb;
    /** Metadata and the header's own clusters beyond the per-cluster tables: generous and fixed. */
    static final long SLACK = 64L << 20;

    /** The header of the image open at {@code fd}, or null when it is not a well-formed qcow2 header. */
    static Qcow2Header read(int fd) {
        byte[] h = SafeFile.pread(fd, 32, 0);
        if (h == null || h.length < 32) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(h);
        int bits = b.getInt(20);
        long size = b.getLong(24);
        // qcow2.txt: 9 <= cluster_bits <= 21 (QEMU's limit); the guest-visible size is positive
        if (b.getInt(0) != MAGIC || bits < 9 || bits > 21 || size <= 0 || size > (1L << 56)) {
            return null;
        }
        return new Qcow2Header(b.getLong(8) != 0, bits, size);
    }

    /**
     * The most a fully allocated image of this virtual size can take on disk: the data clusters,
     * one L2 entry (8 bytes) and at most one refcount (refcount_order <= 6: 8 bytes) per cluster,
     * plus a fixed slack for the header, L1 and refcount tables. RLIMIT_FSIZE is raised to at least
     * this, so the guest can fill its disk without the write failing with EFBIG (the bug the first
     * wave had: FSIZE at the image's size at create, an I/O error in the guest as soon as it grew).
     */
    long maxFileBytes() {
        long clusters = (virtualSize + (1L << clusterBits) - 1) >>> clusterBits;
        return virtualSize + clusters * 16 + SLACK;
    }
}
