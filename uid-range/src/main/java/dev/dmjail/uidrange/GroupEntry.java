package dev.dmjail.uidrange;

import java.util.List;

/** One group(5) entry, as returned by getgrnam/getgrgid/getgrent or read from a group file. */
public record GroupEntry(String name, int gid, List<String> members) {
    public GroupEntry {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** The group(5) line for this entry, with "x" in the password field (gshadow in use). */
    public String toGroupLine() {
        return name + ":x:" + Integer.toUnsignedString(gid) + ":" + String.join(",", members);
    }
}
