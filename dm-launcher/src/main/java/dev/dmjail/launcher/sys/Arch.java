package dev.dmjail.launcher.sys;

/**
 * dmjail runs on x86_64 only, and says so once, here. What depends on it: the syscall numbers
 * called by number (pivot_root 155 in {@link Sys}; openat2 437 and landlock 444..446 are the same
 * on every architecture), x86_64's struct stat layout ({@link SafeFile.Stat}), the seccomp
 * evaluator's AUDIT_ARCH_X86_64 and the bpf(2) number 321 in the toolstack, the jffi stub the build
 * extracts (jni/x86_64-Linux) and the .deb's {@code Architecture: amd64}. Syscall names the launcher
 * gives libseccomp are resolved by libseccomp for the running architecture.
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
