package dev.dmjail.uidrange.install;

import java.util.List;
import java.util.Optional;

import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;

/** A snapshot of everything the installer looks at before changing anything. */
public record HostState(List<PasswdEntry> users, List<GroupEntry> groups, List<SubordinateIdEntry> subuids,
                        List<SubordinateIdEntry> subgids, LoginDefs loginDefs) {
    public Optional<PasswdEntry> user(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public Optional<GroupEntry> group(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }
}
