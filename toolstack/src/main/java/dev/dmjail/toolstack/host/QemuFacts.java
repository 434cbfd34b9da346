package dev.dmjail.toolstack.host;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one QEMU binary accepts among the options whose spelling changed between 7.2 and 10.x, the
 * ones a Xen device model needs to drop its privileges itself (QEMU's docs/about/removed-features.rst):
 * <ul>
 *   <li>{@code -chroot DIR}: deprecated in 8.1, removed in 9.0;</li>
 *   <li>{@code -runas USER}: deprecated in 9.1, removed in 10.0;</li>
 *   <li>{@code -run-with}: since 8.1 (async-teardown), {@code chroot=} since 8.1, {@code user=} since 9.1.</li>
 * </ul>
 * libxl 4.20 asks QEMU the same questions (QMP query-command-line-options; xen.git 82335a8cc5, 1436593d5f);
 * dmjail reads them from the binary's {@code -help} ({@link QemuProbe}). Nothing the qemu backend passes is
 * deprecated or removed up to 10.2, so only the xen backend's argv depends on these facts.
 *
 * @param version       "7.2.22" as {@code -help}'s first line says, or null when it said none
 * @param chroot        {@code -chroot DIR}
 * @param runas         {@code -runas USER}
 * @param runWithChroot {@code -run-with chroot=DIR}
 * @param runWithUser   {@code -run-with user=UID:GID}
 */
public record QemuFacts(String version, boolean chroot, boolean runas, boolean runWithChroot, boolean runWithUser) {

    private static final Pattern VERSION = Pattern.compile("^QEMU emulator version (\\d+)\\.(\\d+)(?:\\.(\\d+))?",
            Pattern.MULTILINE);

    /** From the text {@code qemu-system-x86_64 -help} prints (its option lines start with the option). */
    public static QemuFacts fromHelp(String help) {
        Matcher m = VERSION.matcher(help);
        String version = m.find() ? m.group(1) + "." + m.group(2) + (m.group(3) == null ? "" : "." + m.group(3)) : null;
        String runWith = optionLine(help, "-run-with");
        return new QemuFacts(version, optionLine(help, "-chroot") != null, optionLine(help, "-runas") != null,
                runWith != null && runWith.contains("chroot="), runWith != null && runWith.contains("user="));
    }

    /** What QEMU {@code major.minor} accepts, by its release history (the table above). */
    public static QemuFacts forRelease(int major, int minor) {
        int v = major * 100 + minor;
        return new QemuFacts(major + "." + minor + ".0", v < 900, v < 1000, v >= 801, v >= 901);
    }

    /** The help line of {@code option} ("-runas user   change to …"), or null when QEMU lists no such option. */
    private static String optionLine(String help, String option) {
        for (String line : help.split("\n")) {
            if (line.startsWith(option + " ") || line.equals(option)) {
                return line;
            }
        }
        return null;
    }

    /** QEMU can switch to the device model's uid:gid itself after its start-up (libxl's -runas). */
    public boolean canSwitchUser() {
        return runWithUser || runas;
    }

    /** QEMU can chroot itself after its start-up (libxl's -chroot). */
    public boolean canChroot() {
        return runWithChroot || chroot;
    }
}
