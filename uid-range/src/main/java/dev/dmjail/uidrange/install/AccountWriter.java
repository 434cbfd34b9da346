package dev.dmjail.uidrange.install;

import java.io.IOException;
import java.util.List;

/**
 * Creates and deletes system accounts. Every method returns notes worth showing (tool warnings).
 * A null id means "allocate a free system id" (useradd/groupadd --system semantics).
 */
public interface AccountWriter {
    /** "shadow-tools" or "files", recorded in the manifest. */
    String method();

    List<String> createGroup(String name, Long gid) throws IOException;

    /** Creates a system user with no home (/nonexistent), nologin shell and primary group {@code group}. */
    List<String> createUser(String name, Long uid, String group, String comment) throws IOException;

    List<String> deleteUser(String name) throws IOException;

    List<String> deleteGroup(String name) throws IOException;

    String NO_HOME = "/nonexistent";
    String NO_LOGIN_SHELL = "/usr/sbin/nologin";
}
