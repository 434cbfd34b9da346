package dev.dmjail.toolstack.sys;

import jnr.ffi.Pointer;

/** The part of libseccomp.so.2 the launcher uses (seccomp.h, libseccomp 2.5). */
public interface LibSeccomp {
    Pointer seccomp_init(int defAction);
    void seccomp_release(Pointer ctx);
    int seccomp_syscall_resolve_name(String name);
    /** Variadic in C; only ever called with {@code argCnt == 0}. */
    int seccomp_rule_add(Pointer ctx, int action, int syscall, int argCnt);
    /** {@code args} points to {@code argCnt} {@code struct scmp_arg_cmp} (24 bytes each). */
    int seccomp_rule_add_array(Pointer ctx, int action, int syscall, int argCnt, Pointer args);
    int seccomp_load(Pointer ctx);
}
