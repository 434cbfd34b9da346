package dev.dmjail.launcher.spec;

/** setrlimit(resource, soft, hard); resource is a {@link Rlimit} name ("FSIZE"). -1 = infinity. */
public record RlimitSpec(String resource, long soft, long hard) {}
