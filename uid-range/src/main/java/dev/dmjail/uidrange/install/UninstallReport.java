package dev.dmjail.uidrange.install;

import java.util.List;

/** Result of {@link HostInstaller#uninstall}: only accounts the manifest lists are ever removed. */
public record UninstallReport(Outcome outcome, List<String> removed, List<String> kept, List<String> warnings,
                              String manifestPath) {
    public UninstallReport {
        removed = List.copyOf(removed);
        kept = List.copyOf(kept);
        warnings = List.copyOf(warnings);
    }

    public enum Outcome {
        /** Everything the manifest listed is gone; the manifest is deleted. */
        REMOVED,
        /** No manifest, or it listed nothing: nothing removed. */
        NOTHING_TO_REMOVE,
        /** Some accounts were kept (changed since install, or removal failed); the manifest lists them. */
        PARTIAL
    }

    public int exitCode() {
        return outcome == Outcome.PARTIAL ? 1 : 0;
    }

    public String toText() {
        StringBuilder sb = new StringBuilder("dmjail host uninstall: ").append(switch (outcome) {
            case REMOVED -> "removed what dmjail had created";
            case NOTHING_TO_REMOVE -> "nothing to remove";
            case PARTIAL -> "PARTIAL, some accounts were kept";
        }).append('\n');
        Reports.section(sb, "removed", removed);
        Reports.section(sb, "kept", kept);
        Reports.section(sb, "warnings", warnings);
        sb.append("  manifest: ").append(manifestPath).append('\n');
        return sb.toString();
    }
}
