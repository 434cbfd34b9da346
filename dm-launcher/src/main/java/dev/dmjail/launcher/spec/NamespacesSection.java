package dev.dmjail.launcher.spec;

import java.nio.charset.StandardCharsets;

/**
 * The namespaces layer's section: what the launcher thread unshares (pid applies to the device
 * model it spawns, which becomes pid 1 there); with {@code mount}, "/" is made slave-recursive.
 */
public record NamespacesSection(boolean mount, boolean ipc, boolean uts, boolean net, boolean pid, String hostname)
        implements Section {
    public static final String NAME = "namespaces";
    /** HOST_NAME_MAX (include/uapi/linux/utsname.h __NEW_UTS_LEN). */
    static final int HOST_NAME_MAX = 64;

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        if (hostname == null) {
            return;
        }
        if (!uts) {
            // sethostname(2) outside a new uts namespace renames the host
            throw new SpecException(NAME, SpecException.EINVAL, "hostname set without a uts namespace (would rename the host)");
        }
        if (hostname.getBytes(StandardCharsets.UTF_8).length > HOST_NAME_MAX) {
            throw new SpecException(NAME, SpecException.EINVAL, "hostname longer than " + HOST_NAME_MAX + " bytes");
        }
    }

    /** The one rule "this needs a private mount namespace", for the sections that do. */
    static boolean privateMounts(LaunchSpec spec) {
        NamespacesSection ns = spec.section(NamespacesSection.class);
        return ns != null && ns.mount();
    }
}
