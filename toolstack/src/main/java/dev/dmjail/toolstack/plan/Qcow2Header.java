package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.sys.SafeFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The fields of a qcow2 header dmjail decides on, read from an fd the privileged side opened
 * (QEMU docs/interop/qcow2.txt, big-endian): magic "QFI\xfb" at 0, version at 4, backing_file_offset
 * at 8 and backing_file_size at 16, cluster_bits at 20, the virtual size at 24; from version 3 the
 * incompatible features at 72 and header_length at 100. The header extensions follow the header; the
 * backing format is extension 0xE2792ACA. Every read is bounded by the first cluster, as QEMU's are.
 *
 * @param backingName   the backing file name as written in the image, null when it has none
 * @param backingFormat the recorded backing format, null when not recorded
 */
record Qcow2Header(int clusterBits, long virtualSize, String backingName, String backingFormat) {

    static final int MAGIC = 0x514649fb;
    /** Metadata and the header's own clusters beyond the per-cluster tables: generous and fixed. */
    static final long SLACK = 64L << 20;
    /** QEMU's own bound on the name (qcow2_do_open: "Backing file name too long", block/qcow2.c). */
    static final int MAX_BACKING_NAME = 1023;
    static final int EXT_END = 0;
    static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    /** Incompatible feature bit 2: the data lives in an external file QEMU would open by name. */
    static final long INCOMPAT_DATA_FILE = 1L << 2;
    /** Never read more than this much of an image: QEMU's largest cluster (cluster_bits 21). */
    static final int MAX_READ = 1 << 21;

    /** A header QEMU itself would refuse, or one that makes QEMU open a file by name. */
    static final class Malformed extends Exception {
        Malformed(String why) {
            super(why);
        }
    }

    boolean hasBacking() {
        return backingName != null;
    }

    /**
     * The header of the image open at {@code fd}, or null when it is not a qcow2 image at all.
     *
     * @throws Malformed when it is qcow2 but its backing name, extensions or features cannot be served
     */
    static Qcow2Header read(int fd) throws Malformed {
        byte[] h = SafeFile.pread(fd, 104, 0);
        if (h == null || h.length < 72) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(h);
        int version = b.getInt(4);
        int bits = b.getInt(20);
        long size = b.getLong(24);
        // qcow2.txt: 9 <= cluster_bits <= 21 (QEMU's limit); the guest-visible size is positive
        if (b.getInt(0) != MAGIC || bits < 9 || bits > 21 || size <= 0 || size > (1L << 56)
                || (version != 2 && version != 3) || (version == 3 && h.length < 104)) {
            return null;
        }
        int cluster = 1 << bits;
        long headerLength = version == 2 ? 72 : Integer.toUnsignedLong(b.getInt(100));
        if (version == 3 && (b.getLong(72) & INCOMPAT_DATA_FILE) != 0) {
            throw new Malformed("keeps its data in an external data file, which QEMU would open by name");
        }
        if (headerLength < 72 || headerLength > cluster) {
            throw new Malformed("has a header length of " + headerLength + " bytes, outside its first cluster");
        }
        long backingOffset = b.getLong(8);
        long backingSize = Integer.toUnsignedLong(b.getInt(16));
        byte[] first = SafeFile.pread(fd, cluster, 0); // everything below lives in the first cluster
        if (first == null) {
            return null;
        }
        String name = null;
        if (backingOffset != 0) {
            // QEMU: len > MIN(1023, cluster_size - backing_file_offset) is refused
            if (backingOffset < 0 || backingOffset >= cluster || backingSize > Math.min(MAX_BACKING_NAME, cluster - backingOffset)) {
                throw new Malformed("has a backing file name longer than the " + MAX_BACKING_NAME
                        + " bytes QEMU reads, or outside its first cluster");
            }
            if (backingSize == 0 || backingOffset + backingSize > first.length) {
                throw new Malformed("has an empty or truncated backing file name");
            }
            byte[] n = new byte[(int) backingSize];
            System.arraycopy(first, (int) backingOffset, n, 0, n.length);
            for (byte c : n) {
                if (c == 0) {
                    throw new Malformed("has a backing file name with a NUL byte in it");
                }
            }
            name = new String(n, StandardCharsets.UTF_8);
        }
        long extEnd = backingOffset != 0 ? backingOffset : cluster; // as qcow2_do_open bounds the extensions
        return new Qcow2Header(bits, size, name, backingFormat(first, headerLength, Math.min(extEnd, first.length)));
    }

    /** Walks the header extensions (type, length, data padded to 8) up to {@code end}; the backing format or null. */
    private static String backingFormat(byte[] first, long start, long end) throws Malformed {
        ByteBuffer b = ByteBuffer.wrap(first);
        String format = null;
        long off = start;
        while (off + 8 <= end) {
            int type = b.getInt((int) off);
            long len = Integer.toUnsignedLong(b.getInt((int) off + 4));
            off += 8;
            if (len > end - off) {
                throw new Malformed("has a header extension that runs past its end (QEMU: \"Header extension too large\")");
            }
            if (type == EXT_END) {
                break;
            }
            if (type == EXT_BACKING_FORMAT) {
                if (len >= 16) { // QEMU's bs->backing_format[16]
                    throw new Malformed("records a backing format name of " + len + " bytes (QEMU takes at most 15)");
                }
                format = new String(first, (int) off, (int) len, StandardCharsets.US_ASCII);
            }
            off += (len + 7) & ~7L;
        }
        return format;
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
