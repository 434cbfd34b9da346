package dev.dmjail.toolstack.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * /etc/ld.so.cache in glibc's "glibc-ld.so.cache1.1" format (dl-cache.h): a 48-byte header
 * (magic+version, nlibs, len_strings, flags, extension_offset, unused[3]) followed by nlibs
 * 24-byte {@code file_entry_new} (flags, key, value, osversion, hwcap); string offsets are from the
 * start of the file. An old "ld.so-1.7.0" section in front, if present, is skipped. Only entries
 * without hwcap (not the glibc-hwcaps subdirectory ones) are used.
 */
public final class LdSoCache {
    static final String MAGIC_NEW = "glibc-ld.so.cache1.1";
    static final String MAGIC_OLD = "ld.so-1.7.0";
    static final int FLAG_ELF_LIBC6 = 0x0003, FLAG_X8664_LIB64 = 0x0300, FLAG_AARCH64_LIB64 = 0x0a00;

    public record Entry(int flags, String name, String path, long hwcap) {}

    private final List<Entry> entries;

    private LdSoCache(List<Entry> entries) {
        this.entries = entries;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Reads /etc/ld.so.cache; an absent cache is an empty one (ld.so then uses the default dirs). */
    public static LdSoCache load() throws IOException {
        return load(Path.of("/etc/ld.so.cache"));
    }

    public static LdSoCache load(Path p) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            return new LdSoCache(List.of());
        }
        return parse(data);
    }

    static LdSoCache parse(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        int base = 0;
        if (startsWith(data, 0, MAGIC_OLD)) {
            // old header: magic[11] (+pad to 12), nlibs; entries of 12 bytes; new section aligned to 8
            int nlibs = b.getInt(12);
            base = (16 + nlibs * 12 + 7) & ~7;
        }
        if (!startsWith(data, base, MAGIC_NEW)) {
            throw new IOException("ld.so.cache: unknown format");
        }
        int nlibs = b.getInt(base + 20);
        List<Entry> list = new ArrayList<>(nlibs);
        int e = base + 48;
        for (int i = 0; i < nlibs; i++, e += 24) {
            int flags = b.getInt(e);
            int key = b.getInt(e + 4), value = b.getInt(e + 8);
            long hwcap = b.getLong(e + 16);
            list.add(new Entry(flags, cString(data, key), cString(data, value), hwcap));
        }
        return new LdSoCache(List.copyOf(list));
    }

    /** ld.so's lookup: first entry with this name, a libc6 type matching the arch, no hwcap. */
    public String lookup(String name, int archFlag) {
        for (Entry en : entries) {
            if (en.hwcap() == 0 && en.name().equals(name)
                    && (en.flags() == FLAG_ELF_LIBC6 || en.flags() == (FLAG_ELF_LIBC6 | archFlag))) {
                return en.path();
            }
        }
        return null;
    }

    private static boolean startsWith(byte[] d, int off, String magic) {
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        if (d.length < off + m.length) return false;
        for (int i = 0; i < m.length; i++) if (d[off + i] != m[i]) return false;
        return true;
    }

    private static String cString(byte[] d, int off) {
        int end = off;
        while (end < d.length && d[end] != 0) end++;
        return new String(d, off, end - off, StandardCharsets.UTF_8);
    }
}
