package dev.dmjail.config;

import java.util.List;

/**
 * The result of loading a config: the domain, the warnings (each "FILE:LINE: KEY: message"),
 * and the raw settings (which keep the dmjail_* switches for the toolstack to validate).
 */
public record ParsedDomain(DomainConfig domain, List<String> warnings, XlConfig raw) {
    public ParsedDomain {
        warnings = List.copyOf(warnings);
    }
}
