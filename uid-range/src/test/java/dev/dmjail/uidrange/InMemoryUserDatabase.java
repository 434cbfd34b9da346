package dev.dmjail.uidrange;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Test double: a user database held in lists. */
final class InMemoryUserDatabase implements UserDatabase, UserEnumeration {
    private final List<PasswdEntry> users = new ArrayList<>();
    private final List<GroupEntry> groups = new ArrayList<>();

    InMemoryUserDatabase user(String name, int uid, int gid) {
        users.add(new PasswdEntry(name, uid, gid, "", "/nonexistent", "/usr/sbin/nologin"));
        return this;
    }

    InMemoryUserDatabase group(String name, int gid) {
        groups.add(new GroupEntry(name, gid, List.of()));
        return this;
    }

    @Override
    public Optional<PasswdEntry> byName(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    @Override
    public Optional<PasswdEntry> byUid(int uid) {
        return users.stream().filter(u -> u.uid() == uid).findFirst();
    }

    @Override
    public Optional<GroupEntry> groupByName(String name) {
        return groups.stream().filter(g -> g.name().equals(name)).findFirst();
    }

    @Override
    public Optional<GroupEntry> groupByGid(int gid) {
        return groups.stream().filter(g -> g.gid() == gid).findFirst();
    }

    @Override
    public List<PasswdEntry> allUsers() {
        return List.copyOf(users);
    }

    @Override
    public List<GroupEntry> allGroups() {
        return List.copyOf(groups);
    }
}
