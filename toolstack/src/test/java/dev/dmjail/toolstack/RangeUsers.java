package dev.dmjail.toolstack;

import dev.dmjail.uidrange.PosixUserDatabase;
import dev.dmjail.uidrange.install.HostInstaller;
import dev.dmjail.uidrange.install.InstallOptions;
import dev.dmjail.uidrange.install.InstallReport;

/** The uid range must exist for dm_restrict=1 domains: provision it with the real installer if missing. */
public final class RangeUsers {
    private RangeUsers() {}

    public static synchronized void ensureInstalled() {
        if (new PosixUserDatabase().byName("xen-qemuuser-range-base").isPresent()) {
            return;
        }
        InstallReport r = new HostInstaller().install(InstallOptions.defaults());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("cannot provision the uid range for the tests: " + r.toText());
        }
    }
}
