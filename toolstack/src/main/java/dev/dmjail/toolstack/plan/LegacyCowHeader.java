package dev.dmjail.toolstack.plan;

import dev.dmjail.toolstack.sys.SafeFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Whether a qcow (version 1) or QED image names a backing file. dmjail follows backing chains of
 * qcow2 only; QEMU is told such a disk has no backing ({@link DiskDevices}), so one that has would
 * show the guest zeros where its backing holds data: refused instead, at create.
 */
final class LegacyCowHeader {

    /** block/qcow.c: "QFI\xfb", version 1, backing_file_offset (big-endian u64) at 8. */
    private static final int QCOW_MAGIC = 0x514649fb;
    /** block/qed.h: "QED\0" little-endian, features at 16; QED_F_BACKING_FILE = 1. */
    private static final int QED_MAGIC = 0x00444551;
    private static final long QED_F_BACKING_FILE = 1;

    private LegacyCowHeader() {}

    /** True when the image open at {@code fd}, of QEMU format {@code format} (qcow, qed), has a backing file. */
    static boolean namesBackingFile(int fd, String format) {
        byte[] h = SafeFile.pread(fd, 24, 0);
        if (h == null || h.length < 24) {
            return false; // not an image of that format: QEMU refuses to open it
        }
        if (format.equals("qcow")) {
            ByteBuffer b = ByteBuffer.wrap(h);
            return b.getInt(0) == QCOW_MAGIC && b.getInt(4) == 1 && b.getLong(8) != 0;
        }
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        return b.getInt(0) == QED_MAGIC && (b.getLong(16) & QED_F_BACKING_FILE) != 0;
    }
}
