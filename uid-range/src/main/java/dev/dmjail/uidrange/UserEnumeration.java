package dev.dmjail.uidrange;

import java.util.List;

/** Full listing of the user database (getpwent/getgrent, or the files), for range-overlap checks. */
public interface UserEnumeration {
    List<PasswdEntry> allUsers();

    List<GroupEntry> allGroups();
}
