package dev.dmjail.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.BitSet;

/**
 * A libxl_bitmap as xl fills it: a fixed width in whole bytes (libxl_cpu_bitmap_alloc), and
 * libxl_bitmap_set(bitmap, int bit) silently ignores a bit past the width or below 0. xl passes its
 * unsigned long range bounds to that int parameter, so a number is cut to its low 32 bits first
 * ("cpus = '4294967297'" is CPU 1 in xl 4.17, seen with the binary).
 */
final class CpuBitmap {
    private static final long TWO32 = 1L << 32;
    private final BitSet bits = new BitSet();
    private final int width;

    CpuBitmap(int width) {
        this.width = width;
    }

    int width() {
        return width;
    }

    /** libxl_bitmap_set_any. */
    void setAll() {
        bits.set(0, width);
    }

    boolean get(int bit) {
        return bit >= 0 && bit < width && bits.get(bit);
    }

    void set(long bit, boolean on) {
        range(bit, bit, on);
    }

    /** libxl_bitmap_set (or _reset) for every i from a to b, unsigned, b != ULONG_MAX, as a loop in xl would. */
    void range(long a, long b, boolean on) {
        long count = b - a + 1; // unsigned; the caller has b >= a
        if (count == 0 || Long.compareUnsigned(count, TWO32) >= 0) {
            bits.set(0, width, on); // every int value is hit
            return;
        }
        long low = a & 0xffffffffL;
        long high = low + count - 1; // may pass 2^32: the loop wraps to 0
        apply(low, Math.min(high, TWO32 - 1), on);
        if (high >= TWO32) apply(0, high - TWO32, on);
    }

    /** The int bits in [from, to] of the 32-bit space: only [0, width) exist (negative ints are ignored). */
    private void apply(long from, long to, boolean on) {
        long end = Math.min(to, width - 1L);
        if (from <= end) bits.set((int) from, (int) end + 1, on);
    }

    boolean isEmpty() {
        return bits.isEmpty();
    }

    ArrayNode json() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        bits.stream().forEach(a::add);
        return a;
    }
}
