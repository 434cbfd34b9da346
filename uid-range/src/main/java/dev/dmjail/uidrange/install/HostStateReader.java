package dev.dmjail.uidrange.install;

import java.io.IOException;

import dev.dmjail.uidrange.UserEnumeration;

/** Collects users/groups (via the given enumeration), subuid/subgid entries and login.defs. */
final class HostStateReader {
    private HostStateReader() {
    }

    static HostState read(EtcPaths paths, UserEnumeration users) throws IOException {
        return new HostState(users.allUsers(), users.allGroups(), SubordinateIdEntry.read(paths.subuid()),
                SubordinateIdEntry.read(paths.subgid()), LoginDefs.read(paths.loginDefs()));
    }
}
