package dev.dmjail.toolstack.bpf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A cgroup-v2 device allow-list as eBPF (BPF_PROG_TYPE_CGROUP_DEVICE), the form cgroup v2 uses
 * instead of v1's devices.allow (Documentation/admin-guide/cgroup-v2.rst "Device controller";
 * libvirt's vircgroupv2devices.c and systemd's bpf-devices.c build the same shape).
 *
 * <p>The program reads struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor} where
 * access_type = (access << 16) | type, type 1 = block, 2 = char, and returns 1 (allow) only for
 * a listed character device; everything else, block devices included, gets 0 (deny).
 */
public final class DeviceProgram {

    /** A character device the program allows (every access: mknod, read, write). */
    public record CharDevice(int major, int minor) {}

    private static final int BPF_DEVCG_DEV_CHAR = 2;

    private DeviceProgram() {}

    /** The program's instructions, little-endian struct bpf_insn (8 bytes each). */
    public static byte[] assemble(List<CharDevice> allowed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = allowed.size();
        // r2 = ctx->access_type & 0xffff (device type); r4 = ctx->major; r5 = ctx->minor
        insn(out, 0x61, 2, 1, 0, 0);                       // 0: ldxw r2, [r1+0]
        insn(out, 0x57, 2, 0, 0, 0xffff);                  // 1: and  r2, 0xffff
        insn(out, 0x61, 4, 1, 4, 0);                       // 2: ldxw r4, [r1+4]
        insn(out, 0x61, 5, 1, 8, 0);                       // 3: ldxw r5, [r1+8]
        insn(out, 0x55, 2, 0, 3 * n, BPF_DEVCG_DEV_CHAR);  // 4: jne  r2, CHAR → deny
        for (int i = 0; i < n; i++) {                      // 5+3i: one block per device
            CharDevice d = allowed.get(i);
            insn(out, 0x55, 4, 0, 2, d.major());           // jne r4, major → next block
            insn(out, 0x55, 5, 0, 1, d.minor());           // jne r5, minor → next block
            insn(out, 0x05, 0, 0, 3 * (n - 1 - i) + 2, 0); // ja → allow
        }
        insn(out, 0xb7, 0, 0, 0, 0);                       // deny: r0 = 0
        insn(out, 0x95, 0, 0, 0, 0);                       //       exit
        insn(out, 0xb7, 0, 0, 0, 1);                       // allow: r0 = 1
        insn(out, 0x95, 0, 0, 0, 0);                       //       exit
        return out.toByteArray();
    }

    private static void insn(ByteArrayOutputStream out, int op, int dst, int src, int off, int imm) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) op);
        b.put((byte) ((src << 4) | (dst & 0xf)));
        b.putShort((short) off);
        b.putInt(imm);
        out.writeBytes(b.array());
    }
}
