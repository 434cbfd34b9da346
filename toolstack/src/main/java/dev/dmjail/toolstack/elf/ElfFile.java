package dev.dmjail.toolstack.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The dynamic-linking facts of one ELF64 file, parsed from its headers (elf.h): program headers
 * PT_INTERP / PT_DYNAMIC / PT_LOAD, and from the dynamic section DT_NEEDED, DT_SONAME, DT_RPATH,
 * DT_RUNPATH (strings read from DT_STRTAB, whose address is mapped to a file offset through the
 * PT_LOAD segments).
 */
public record ElfFile(Path path, int machine, boolean littleEndian, String interpreter, List<String> needed,
                      String soname, String rpath, String runpath) {

    static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14, DT_RPATH = 15,
            DT_RUNPATH = 29;

    /** Thrown for a file that is not an ELF64 object. */
    public static final class NotElfException extends IOException {
        NotElfException(String m) {
            super(m);
        }
    }

    /** True when the file starts with the ELF magic and is 64-bit (cheap check, used by the search). */
    public static boolean isElf64(Path p, int machine) {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(20);
            if (ch.read(b, 0) < 20) return false;
            b.flip();
            if (!magic(b) || b.get(4) != 2) return false;
            b.order(b.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            return machine < 0 || (b.getShort(18) & 0xffff) == machine;
        } catch (IOException e) {
            return false;
        }
    }

    public static ElfFile parse(Path p) throws IOException {
        byte[] all;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 64) throw new NotElfException(p + ": too small for ELF");
            // headers and dynamic section of a shared library are near the start, but the dynamic
            // section may be anywhere: map the whole file (read-only, bounded by 2 GiB)
            ByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            return parse(p, m);
        }
    }

    static ElfFile parse(Path p, ByteBuffer b) throws IOException {
        if (!magic(b)) throw new NotElfException(p + ": not an ELF file");
        if (b.get(4) != 2) throw new NotElfException(p + ": not ELF64");
        boolean le = b.get(5) == 1;
        b.order(le ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int machine = b.getShort(18) & 0xffff;
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        String interp = null;
        long dynOff = -1, dynSize = 0;
        List<long[]> loads = new ArrayList<>(); // vaddr, offset, filesz
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            int type = b.getInt(ph);
            long off = b.getLong(ph + 8), vaddr = b.getLong(ph + 16), filesz = b.getLong(ph + 32);
            switch (type) {
                case PT_INTERP -> interp = cString(b, (int) off, (int) filesz);
                case PT_DYNAMIC -> { dynOff = off; dynSize = filesz; }
                case PT_LOAD -> loads.add(new long[] {vaddr, off, filesz});
                default -> { }
            }
        }
        List<Long> neededOffsets = new ArrayList<>();
        long strtab = -1, soname = -1, rpath = -1, runpath = -1;
        if (dynOff >= 0) {
            for (long e = dynOff; e + 16 <= dynOff + dynSize; e += 16) {
                long tag = b.getLong((int) e), val = b.getLong((int) e + 8);
                if (tag == DT_NULL) break;
                if (tag == DT_NEEDED) neededOffsets.add(val);
                else if (tag == DT_STRTAB) strtab = val;
                else if (tag == DT_SONAME) soname = val;
                else if (tag == DT_RPATH) rpath = val;
                else if (tag == DT_RUNPATH) runpath = val;
            }
        }
        List<String> needed = new ArrayList<>();
        String so = null, rp = null, rup = null;
        if (strtab >= 0) {
            long strOff = toOffset(loads, strtab);
            if (strOff < 0) throw new NotElfException(p + ": DT_STRTAB outside the PT_LOAD segments");
            for (long n : neededOffsets) needed.add(cString(b, (int) (strOff + n), Integer.MAX_VALUE));
            if (soname >= 0) so = cString(b, (int) (strOff + soname), Integer.MAX_VALUE);
            if (rpath >= 0) rp = cString(b, (int) (strOff + rpath), Integer.MAX_VALUE);
            if (runpath >= 0) rup = cString(b, (int) (strOff + runpath), Integer.MAX_VALUE);
        }
        return new ElfFile(p, machine, le, interp, List.copyOf(needed), so, rp, rup);
    }

    private static boolean magic(ByteBuffer b) {
        return b.get(0) == 0x7f && b.get(1) == 'E' && b.get(2) == 'L' && b.get(3) == 'F';
    }

    private static long toOffset(List<long[]> loads, long vaddr) {
        for (long[] l : loads) {
            if (vaddr >= l[0] && vaddr < l[0] + l[2]) return vaddr - l[0] + l[1];
        }
        return -1;
    }

    private static String cString(ByteBuffer b, int off, int max) {
        int end = off;
        int limit = (int) Math.min((long) b.limit(), (long) off + max);
        while (end < limit && b.get(end) != 0) end++;
        byte[] s = new byte[end - off];
        for (int i = 0; i < s.length; i++) s[i] = b.get(off + i);
        return new String(s, StandardCharsets.UTF_8);
    }
}
