package dev.dmjail.toolstack.sys;

/**
 * The one libseccomp.so.2 function the toolstack calls (seccomp.h, libseccomp 2.5): the audit names the
 * syscalls it checks a dumped filter for, and libseccomp numbers them for the running architecture
 * (the native launcher builds and loads the filters itself, in C). Bound on first use.
 */
public final class LibSeccomp {
    private LibSeccomp() {}

    public interface ResolveName {
        int seccomp_syscall_resolve_name(String name);
    }

    private static final class Bound {
        static final ResolveName C = Sys.bind(ResolveName.class, "seccomp");
    }

    /** The syscall's number on this architecture, or a negative value when libseccomp does not know it. */
    public static int syscallNumber(String name) {
        return Bound.C.seccomp_syscall_resolve_name(name);
    }
}
