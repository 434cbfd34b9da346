package dev.dmjail.uidrange;

import java.util.Optional;

/**
 * Point lookups in the host's user database, mirroring getpwnam/getpwuid/getgrnam/getgrgid.
 * An empty Optional means "no such entry"; lookup failures are {@link UserDatabaseException}.
 */
public interface UserDatabase {
    Optional<PasswdEntry> byName(String name);

    Optional<PasswdEntry> byUid(int uid);

    Optional<GroupEntry> groupByName(String name);

    Optional<GroupEntry> groupByGid(int gid);
}
