package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.util.List;

/** Picks the {@link AccountWriter} for the options: shadow's tools when present, else direct edits. */
final class AccountWriters {
    private AccountWriters() {
    }

    static AccountWriter choose(InstallOptions o, LoginDefs defs, CommandRunner runner, List<String> warnings)
            throws IOException {
        boolean tools = ShadowToolsAccountWriter.available(o.toolDir());
        return switch (o.backend()) {
            case SHADOW_TOOLS -> {
                if (!tools) {
                    throw new IOException("useradd/groupadd/userdel/groupdel not found in " + o.toolDir());
                }
                yield new ShadowToolsAccountWriter(o.toolDir(), o.paths(), runner);
            }
            case FILES -> new EtcFilesAccountWriter(o.paths(), defs);
            case AUTO -> {
                if (tools) {
                    yield new ShadowToolsAccountWriter(o.toolDir(), o.paths(), runner);
                }
                warnings.add("shadow's useradd/groupadd/userdel/groupdel not found in " + o.toolDir()
                        + "; editing " + o.paths().etc() + " passwd/group/shadow/gshadow directly under the lckpwdf lock");
                yield new EtcFilesAccountWriter(o.paths(), defs);
            }
        };
    }
}
