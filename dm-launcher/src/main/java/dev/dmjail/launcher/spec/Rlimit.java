package dev.dmjail.launcher.spec;

/**
 * The resource limits, in RLIMIT_* number order (include/uapi/asm-generic/resource.h: the numbers
 * of x86_64, the one architecture dmjail runs on), each with the label the kernel prints for it in
 * /proc/PID/limits (fs/proc/base.c, lnames[]). The one table of rlimit names: the launcher sets by
 * {@link #number()}, the audit reads back by {@link #label()}.
 */
public enum Rlimit {
    CPU("Max cpu time"), FSIZE("Max file size"), DATA("Max data size"), STACK("Max stack size"),
    CORE("Max core file size"), RSS("Max resident set"), NPROC("Max processes"), NOFILE("Max open files"),
    MEMLOCK("Max locked memory"), AS("Max address space"), LOCKS("Max file locks"),
    SIGPENDING("Max pending signals"), MSGQUEUE("Max msgqueue size"), NICE("Max nice priority"),
    RTPRIO("Max realtime priority"), RTTIME("Max realtime timeout");

    private final String label;

    Rlimit(String label) {
        this.label = label;
    }

    /** The resource argument of setrlimit(2). */
    public int number() {
        return ordinal();
    }

    /** The row's label in /proc/PID/limits. */
    public String label() {
        return label;
    }

    /** By name, with or without the RLIMIT_ prefix, any case; null when unknown. */
    public static Rlimit byName(String name) {
        if (name == null) {
            return null;
        }
        String n = name.toUpperCase(java.util.Locale.ROOT);
        if (n.startsWith("RLIMIT_")) {
            n = n.substring(7);
        }
        for (Rlimit r : values()) {
            if (r.name().equals(n)) {
                return r;
            }
        }
        return null;
    }
}
