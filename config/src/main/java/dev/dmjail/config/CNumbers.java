package dev.dmjail.config;

import java.math.BigInteger;

/** C strtol(s, &ep, 0) as libxlutil uses it for every number (so 0x10 is 16 and 010 is 8). */
final class CNumbers {
    private CNumbers() { }

    /** Outcome of strtol: the value, whether all of s was consumed (and something was), and ERANGE. */
    record Result(long value, boolean complete, boolean overflow) { }

    static Result strtol(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) { neg = s.charAt(i) == '-'; i++; }
        int base = 10;
        if (i + 2 < s.length() + 0 && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && Character.digit(s.charAt(i + 2), 16) >= 0 && s.charAt(i + 2) < 128) {
            base = 16;
            i += 2;
        } else if (i < s.length() && s.charAt(i) == '0') {
            base = 8;
        }
        int start = i;
        BigInteger v = BigInteger.ZERO;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
            v = v.multiply(BigInteger.valueOf(base)).add(BigInteger.valueOf(Character.digit(s.charAt(i), base)));
            i++;
        }
        if (i == start) return new Result(0, false, false);
        if (neg) v = v.negate();
        boolean overflow = v.bitLength() > 63;
        return new Result(overflow ? 0 : v.longValue(), i == s.length(), overflow);
    }

    /** strtoul(s, NULL, 0) where only the value matters: what strtol reads of s (0 when nothing; ERANGE: all ones). */
    static long strtoulPrefix(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        int j = i;
        if (j < s.length() && (s.charAt(j) == '+' || s.charAt(j) == '-')) j++;
        if (j + 1 < s.length() && s.charAt(j) == '0' && (s.charAt(j + 1) | 0x20) == 'x') {
            j += 2;
            while (j < s.length() && s.charAt(j) < 128 && Character.digit(s.charAt(j), 16) >= 0) j++;
        } else {
            int base = j < s.length() && s.charAt(j) == '0' ? 8 : 10;
            while (j < s.length() && s.charAt(j) < 128 && Character.digit(s.charAt(j), base) >= 0) j++;
        }
        Result r = strtol(s.substring(i, j));
        return r.overflow() ? -1L : r.value();
    }

    /** What C strtoul(s + from, &end, base) gives: the value (unsigned, in a long) and the index of end. */
    record Unsigned(long value, int end) {
        /** endptr == str: no digit was read. */
        boolean none(int from) {
            return end == from;
        }
    }

    /**
     * glibc strtoul: blanks, a sign ('-' negates modulo 2^64), "0x" for base 16 or 0, a leading 0 is octal for base
     * 0; digits past ULONG_MAX give ULONG_MAX (ERANGE, -1 here). No digit: value 0, end = from.
     */
    static Unsigned strtoul(String s, int from, int base) {
        int i = from;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        boolean neg = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) neg = s.charAt(i++) == '-';
        if ((base == 0 || base == 16) && i + 2 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) | 0x20) == 'x'
                && s.charAt(i + 2) < 128 && Character.digit(s.charAt(i + 2), 16) >= 0) {
            base = 16;
            i += 2;
        } else if (base == 0) {
            base = i < s.length() && s.charAt(i) == '0' ? 8 : 10;
        }
        int start = i;
        BigInteger v = BigInteger.ZERO;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
            v = v.multiply(BigInteger.valueOf(base)).add(BigInteger.valueOf(Character.digit(s.charAt(i), base)));
            i++;
        }
        if (i == start) return new Unsigned(0, from);
        if (v.bitLength() > 64) return new Unsigned(-1L, i);
        long l = v.longValue();
        return new Unsigned(neg ? -l : l, i);
    }
}
