package dev.dmjail.toolstack.plan;

import dev.dmjail.config.DomainConfig;

/** Values libxl fills in when xl leaves them unset (libxl__domain_build_info_setdefault). */
public final class Effective {
    private Effective() {}

    /** LIBXL_MEMKB_DEFAULT resolves to 32 MiB for max_memkb and target_memkb. */
    public static long memoryMiB(DomainConfig d) { return d.memoryMiB() == null ? 32 : d.memoryMiB(); }

    /** Unset or 0 is one vCPU (libxl__domain_build_info_setdefault: max_vcpus 0 becomes 1). */
    public static int vcpus(DomainConfig d) { return d.vcpus() == null || d.vcpus() == 0 ? 1 : d.vcpus(); }

    public static int maxVcpus(DomainConfig d) {
        return Math.max(vcpus(d), d.maxVcpus() == null ? vcpus(d) : d.maxVcpus());
    }
}
