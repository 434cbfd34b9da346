package dev.dmjail.uidrange.install;

import java.util.List;

/** Result of {@link HostInstaller#install}; a plain record so the CLI can print it as JSON as-is. */
public record InstallReport(Outcome outcome, long baseUid, String range, String method, List<String> actions,
                            List<Conflict> conflicts, List<String> warnings, String manifestPath) {
    public InstallReport {
        actions = List.copyOf(actions);
        conflicts = List.copyOf(conflicts);
        warnings = List.copyOf(warnings);
    }

    public enum Outcome {
        /** Accounts were created. */
        INSTALLED,
        /** Everything was already in place; nothing changed. */
        ALREADY_INSTALLED,
        /** Conflicts found before any change; nothing changed. */
        REFUSED,
        /** An error happened; {@code actions} lists what was done before it (recorded in the manifest). */
        FAILED
    }

    public int exitCode() {
        return switch (outcome) {
            case INSTALLED, ALREADY_INSTALLED -> 0;
            case REFUSED -> 1;
            case FAILED -> 2;
        };
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(switch (outcome) {
            case INSTALLED -> "dmjail host install: provisioned the device-model uid range " + range;
            case ALREADY_INSTALLED -> "dmjail host install: already installed (range " + range + "); nothing changed";
            case REFUSED -> "dmjail host install: REFUSED, nothing changed: the range " + range + " is not free";
            case FAILED -> "dmjail host install: FAILED";
        }).append('\n');
        Reports.section(sb, "done", actions);
        Reports.section(sb, "conflicts", conflicts.stream().map(Conflict::toString).toList());
        Reports.section(sb, "warnings", warnings);
        if (method != null) {
            sb.append("  method: ").append(method).append('\n');
        }
        sb.append("  manifest: ").append(manifestPath).append('\n');
        return sb.toString();
    }
}
