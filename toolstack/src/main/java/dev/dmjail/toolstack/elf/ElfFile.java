package dev.dmjail.toolstack.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import dev.dmjail.toolstack.sys.SafeFile;
import dev.dmjail.toolstack.sys.Sys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dynamic-linking facts of one ELF64 file, parsed from its headers (elf.h): program headers
 * PT_INTERP / PT_DYNAMIC / PT_LOAD, and from the dynamic section DT_NEEDED, DT_SONAME, DT_RPATH,
 * DT_RUNPATH (strings read from DT_STRTAB, whose address is mapped to a file offset through the
 * PT_LOAD segments).
 *
 * <p>The file may be a tenant's (device_model_override, a library beside it found through $ORIGIN): it is
 * opened once, with no symlink on the way (openat2 RESOLVE_NO_SYMLINKS: {@link ElfDependencies} walks the
 * symlinks itself and hands over the path it ends at, so one swapped in later is refused, not followed),
 * never blocking (a FIFO is refused by fstat, not waited on); every header is read from that fd with
 * pread, each read bounded and checked against the size fstat gave, and {@link #identity} is that fd's
 * device and inode. No mmap: a tenant truncating a mapped file would kill the JVM with SIGBUS.
 *
 * @param identity "dev:ino" of the file that was read (fstat of the opened fd)
 */
public record ElfFile(Path path, String identity, int machine, boolean littleEndian, String interpreter, List<String> needed,
                      String soname, String rpath, String runpath) {

    static final int PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3;
    static final long DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_STRSZ = 10, DT_SONAME = 14, DT_RPATH = 15,
            DT_RUNPATH = 29;
    /** Bounds on what one file may make us read: program headers, PT_INTERP, the dynamic section, one string table. */
    static final int MAX_PHDRS = 64 << 10, MAX_INTERP = 4096, MAX_DYNAMIC = 1 << 20, MAX_STRTAB = 4 << 20;

    /** Thrown for a file that is not an ELF64 object. */
    public static final class NotElfException extends IOException {
        NotElfException(String m) {
            super(m);
        }
    }

    /**
     * True when the file starts with the ELF magic and is 64-bit for {@code machine} (-1: any); cheap, used
     * by the library search. Follows symlinks (candidates are named through them), never blocks on a FIFO.
     */
    public static boolean isElf64(Path p, int machine) {
        int fd = SafeFile.openReadFollowing(p.toString());
        if (fd < 0) return false;
        try {
            SafeFile.Stat st = SafeFile.fstat(fd);
            if (st == null || !st.regular()) return false;
            byte[] h = SafeFile.pread(fd, 20, 0);
            if (h == null || h.length < 20) return false;
            ByteBuffer b = ByteBuffer.wrap(h);
            if (!magic(b) || b.get(4) != 2) return false;
            b.order(b.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            return machine < 0 || (b.getShort(18) & 0xffff) == machine;
        } finally {
            SafeFile.close(fd);
        }
    }

    /** Opens {@code p} (absolute, no symlink in it) once and parses it from that fd. */
    public static ElfFile parse(Path p) throws IOException {
        SafeFile.Opened o = SafeFile.open(p.toString(), Sys.O_RDONLY, 0);
        if (!o.ok()) {
            throw new IOException(p + ": " + Sys.strerror(o.errno())
                    + (o.errno() == 40 ? " (a symlink where none was when it was resolved)" : "")); // ELOOP
        }
        try {
            return parse(p, o.fd());
        } finally {
            SafeFile.close(o.fd());
        }
    }

    /** Parses the ELF file open on {@code fd} ({@code p} names it in messages and in the result). */
    public static ElfFile parse(Path p, int fd) throws IOException {
        SafeFile.Stat st = SafeFile.fstat(fd);
        if (st == null) throw new IOException(p + ": fstat: " + Sys.strerror(Sys.errno()));
        if (!st.regular()) throw new NotElfException(p + ": is " + st.typeName() + ", not an ELF file");
        if (st.size() < 64) throw new NotElfException(p + ": too small for ELF");
        Reader r = new Reader(p, fd, st.size());
        try {
            return parse(p, st.dev() + ":" + st.ino(), r);
        } catch (IndexOutOfBoundsException | java.nio.BufferUnderflowException e) {
            throw new NotElfException(p + ": malformed ELF headers");
        }
    }

    /** Bounded positional reads from one fd, each checked against the file's size. */
    private record Reader(Path p, int fd, long size) {
        ByteBuffer read(long off, long len, long max, String what) throws IOException {
            if (off < 0 || len < 0 || len > max || off > size || len > size - off) {
                throw new NotElfException(p + ": " + what + " outside the file or larger than " + max + " bytes");
            }
            byte[] out = new byte[(int) len];
            int done = 0;
            while (done < len) {
                byte[] chunk = SafeFile.pread(fd, (int) Math.min(len - done, 1 << 16), off + done);
                if (chunk == null) throw new IOException(p + ": read: " + Sys.strerror(Sys.errno()));
                if (chunk.length == 0) throw new NotElfException(p + ": shrank while read");
                System.arraycopy(chunk, 0, out, done, chunk.length);
                done += chunk.length;
            }
            return ByteBuffer.wrap(out);
        }
    }

    private static ElfFile parse(Path p, String identity, Reader r) throws IOException {
        ByteBuffer b = r.read(0, 64, 64, "ELF header");
        if (!magic(b)) throw new NotElfException(p + ": not an ELF file");
        if (b.get(4) != 2) throw new NotElfException(p + ": not ELF64");
        boolean le = b.get(5) == 1;
        ByteOrder order = le ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        b.order(order);
        int machine = b.getShort(18) & 0xffff;
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xffff;
        int phnum = b.getShort(56) & 0xffff;
        if (phnum > 0 && phentsize < 56) throw new NotElfException(p + ": program header entries of " + phentsize + " bytes");
        ByteBuffer ph = r.read(phoff, (long) phnum * phentsize, MAX_PHDRS, "program headers").order(order);
        String interp = null;
        long dynOff = -1, dynSize = 0;
        List<long[]> loads = new ArrayList<>(); // vaddr, offset, filesz
        for (int i = 0; i < phnum; i++) {
            int at = i * phentsize;
            int type = ph.getInt(at);
            long off = ph.getLong(at + 8), vaddr = ph.getLong(at + 16), filesz = ph.getLong(at + 32);
            switch (type) {
                case PT_INTERP -> interp = cString(r.read(off, filesz, MAX_INTERP, "PT_INTERP"), 0);
                case PT_DYNAMIC -> { dynOff = off; dynSize = filesz; }
                case PT_LOAD -> loads.add(new long[] {vaddr, off, filesz});
                default -> { }
            }
        }
        List<Long> neededOffsets = new ArrayList<>();
        long strtab = -1, strsz = -1, soname = -1, rpath = -1, runpath = -1;
        if (dynOff >= 0) {
            ByteBuffer dyn = r.read(dynOff, dynSize - dynSize % 16, MAX_DYNAMIC, "PT_DYNAMIC").order(order);
            for (int e = 0; e + 16 <= dyn.limit(); e += 16) {
                long tag = dyn.getLong(e), val = dyn.getLong(e + 8);
                if (tag == DT_NULL) break;
                if (tag == DT_NEEDED) neededOffsets.add(val);
                else if (tag == DT_STRTAB) strtab = val;
                else if (tag == DT_STRSZ) strsz = val;
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
            if (strsz < 0) throw new NotElfException(p + ": DT_STRTAB without DT_STRSZ");
            ByteBuffer str = r.read(strOff, strsz, MAX_STRTAB, "DT_STRTAB");
            for (long n : neededOffsets) needed.add(cString(str, n));
            if (soname >= 0) so = cString(str, soname);
            if (rpath >= 0) rp = cString(str, rpath);
            if (runpath >= 0) rup = cString(str, runpath);
        }
        return new ElfFile(p, identity, machine, le, interp, List.copyOf(needed), so, rp, rup);
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

    /** The NUL-terminated string at {@code off} of {@code b} (to its end when no NUL follows). */
    private static String cString(ByteBuffer b, long off) throws NotElfException {
        if (off < 0 || off >= b.limit()) throw new NotElfException("string offset " + off + " outside its table");
        int start = (int) off;
        int end = start;
        while (end < b.limit() && b.get(end) != 0) end++;
        byte[] s = new byte[end - start];
        for (int i = 0; i < s.length; i++) s[i] = b.get(start + i);
        return new String(s, StandardCharsets.UTF_8);
    }
}
