package dev.dmjail.uidrange;

/** One passwd(5) entry, as returned by getpwnam/getpwuid/getpwent or read from a passwd file. */
public record PasswdEntry(String name, int uid, int gid, String gecos, String home, String shell) {
    /** The passwd(5) line for this entry, with "x" in the password field (shadow in use). */
    public String toPasswdLine() {
        return String.join(":", name, "x", Integer.toUnsignedString(uid), Integer.toUnsignedString(gid),
                nz(gecos), nz(home), nz(shell));
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
