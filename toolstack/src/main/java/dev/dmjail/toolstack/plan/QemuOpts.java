package dev.dmjail.toolstack.plan;

/**
 * Escaping for QEMU's option syntax (util/qemu-option.c): within a value, "," ends the option
 * unless doubled, so a user-controlled value must have every "," written as ",,". A NUL cannot be
 * passed through execve at all and would silently truncate the argument, so it is refused.
 */
public final class QemuOpts {
    private QemuOpts() {}

    public static String escape(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("value contains a NUL byte");
        }
        return value.replace(",", ",,");
    }
}
