package dev.dmjail.config;

import java.util.List;

/**
 * The result of loading a config: the domain, the warnings (each "FILE:LINE: KEY: message"),
 * the raw settings (which keep the dmjail_* switches for the toolstack to validate), and the
 * settings xl warns about and then ignores ({@link Ignored}).
 */
public record ParsedDomain(DomainConfig domain, List<String> warnings, XlConfig raw, List<Ignored> ignored) {
    public ParsedDomain {
        warnings = List.copyOf(warnings);
        ignored = List.copyOf(ignored);
    }

    public ParsedDomain(DomainConfig domain, List<String> warnings, XlConfig raw) {
        this(domain, warnings, raw, List.of());
    }

    /**
     * A setting xl's parser complains about on stderr and then drops, going on as if it were not there
     * (libxlu_cfg.c's "warning: parameter … is not a valid number" and its kin, parse_nic_config's
     * "Invalid parameter", a nested list that ends a disk or vif list): the domain is built as xl builds
     * it, and {@code create} refuses to run a guest without the value its config gave.
     */
    public record Ignored(String key, int line, String reason) {}
}
