package dev.dmjail.uidrange.install;

import java.util.List;

/** Result of {@link HostInstaller#check}: what is provisioned, what is wrong, and a verdict. */
public record CheckReport(Verdict verdict, Long baseUid, String range, List<String> provisioned,
                          List<String> problems, List<Conflict> conflicts, List<String> warnings,
                          String manifestPath) {
    public CheckReport {
        provisioned = List.copyOf(provisioned);
        problems = List.copyOf(problems);
        conflicts = List.copyOf(conflicts);
        warnings = List.copyOf(warnings);
    }

    public enum Verdict {
        /** The range base exists and nothing overlaps the range. */
        OK(0),
        /** Something is wrong: overlaps, missing accounts the manifest lists, root uids. */
        BROKEN(1),
        /** No range base user: dm_restrict domains will use xen-qemuuser-shared or be refused. */
        NOT_INSTALLED(2);

        private final int exitCode;

        Verdict(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public int exitCode() {
        return verdict.exitCode();
    }

    public String toText() {
        StringBuilder sb = new StringBuilder("dmjail host check: ").append(verdict);
        if (range != null) {
            sb.append(" (range ").append(range).append(')');
        }
        sb.append('\n');
        Reports.section(sb, "provisioned", provisioned);
        Reports.section(sb, "problems", problems);
        Reports.section(sb, "conflicts", conflicts.stream().map(Conflict::toString).toList());
        Reports.section(sb, "warnings", warnings);
        sb.append("  manifest: ").append(manifestPath).append('\n');
        return sb.toString();
    }
}
