package dev.dmjail.config;

/** libxl_domain_type; {@link #json()} is libxl's JSON spelling. */
public enum DomainType {
    HVM, PV, PVH;

    public String json() { return name().toLowerCase(java.util.Locale.ROOT); }
}
