package dev.dmjail.uidrange.install;

/** A half-open id interval [start, start+count), in unsigned 32-bit id space held as long. */
public record IdRange(long start, long count) {
    public long end() {
        return start + count;
    }

    public long last() {
        return end() - 1;
    }

    public boolean contains(long id) {
        return id >= start && id < end();
    }

    public boolean overlaps(IdRange other) {
        return start < other.end() && other.start < end();
    }

    public static IdRange inclusive(long first, long last) {
        return new IdRange(first, Math.max(0, last - first + 1));
    }

    @Override
    public String toString() {
        return "[" + start + ", " + end() + ")";
    }
}
