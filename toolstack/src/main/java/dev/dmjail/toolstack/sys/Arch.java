package dev.dmjail.toolstack.sys;

/**
 * dmjail runs on x86_64 only, and the CLI says so once, here (the native launcher says it at build
 * time: dm-launcher/src/main/c/launcher.h). What depends on it: the syscall numbers called by number
 * (openat2 437 and landlock 444 are the same on every architecture; bpf(2) 321; the launcher's
 * pivot_root 155), x86_64's struct stat layout ({@link SafeFile.Stat}), the seccomp evaluator's
 * AUDIT_ARCH_X86_64 and the .deb's {@code Architecture: amd64}. Syscall names the launcher gives
 * libseccomp are resolved by libseccomp for the running architecture.
 */
public final class Arch {
    private Arch() {}

    /** {@code os.arch} of an x86_64 JVM. */
    public static final String SUPPORTED = "amd64";

    /** Null on x86_64, else the one-line reason dmjail refuses to run. */
    public static String unsupported() {
        String arch = System.getProperty("os.arch");
        return SUPPORTED.equals(arch) ? null
                : "dmjail runs on x86_64 only (syscall numbers, struct stat and the seccomp audit arch are "
                        + "x86_64's); this JVM reports os.arch=" + arch;
    }
}
