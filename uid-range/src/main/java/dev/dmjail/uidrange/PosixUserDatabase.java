package dev.dmjail.uidrange;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The real user database through libc (getpwnam, getpwuid, getgrnam, getgrgid, getpwent, getgrent),
 * so every NSS source in /etc/nsswitch.conf (files, systemd, sss, ldap...) is seen, as libxl sees it.
 * libc's answers live in its static buffers (and the *ent iterators are process-global), so every
 * call holds one lock and copies the entry out before it returns.
 *
 * <p>Bound with jnr-ffi to these ten functions alone, in two interfaces bound apart (lookups,
 * iterators): jnr-posix's binding of all of libc (a few hundred functions, each a stub generated at
 * run time) was ~50 ms of every cold command that looks a user up, destroy and create among them
 * (issue 14).
 */
public final class PosixUserDatabase implements UserDatabase, UserEnumeration {

    /** glibc's user and group lookups (pwd.h, grp.h): what create and destroy call. */
    public interface Lookup {
        Pointer getpwnam(String name);
        Pointer getpwuid(int uid);
        Pointer getgrnam(String name);
        Pointer getgrgid(int gid);
    }

    /** glibc's user and group iterators: what {@code host install}, {@code check} and {@code uninstall} call. */
    public interface Enumeration {
        void setpwent();
        Pointer getpwent();
        void endpwent();
        void setgrent();
        Pointer getgrent();
        void endgrent();
    }

    private static final Object LOCK = new Object();

    /**
     * Each interface is bound on its first call (holder classes): commands that look no user up (list,
     * console) never load jnr-ffi for it, and a lookup does not pay for the iterators' stubs.
     */
    private static final class BoundLookup {
        static final Lookup C = LibraryLoader.create(Lookup.class).load("c");
    }

    private static final class BoundEnumeration {
        static final Enumeration C = LibraryLoader.create(Enumeration.class).load("c");
    }

    public PosixUserDatabase() {}

    @Override
    public Optional<PasswdEntry> byName(String name) {
        synchronized (LOCK) {
            return Optional.ofNullable(passwd(BoundLookup.C.getpwnam(name)));
        }
    }

    @Override
    public Optional<PasswdEntry> byUid(int uid) {
        synchronized (LOCK) {
            return Optional.ofNullable(passwd(BoundLookup.C.getpwuid(uid)));
        }
    }

    @Override
    public Optional<GroupEntry> groupByName(String name) {
        synchronized (LOCK) {
            return Optional.ofNullable(group(BoundLookup.C.getgrnam(name)));
        }
    }

    @Override
    public Optional<GroupEntry> groupByGid(int gid) {
        synchronized (LOCK) {
            return Optional.ofNullable(group(BoundLookup.C.getgrgid(gid)));
        }
    }

    @Override
    public List<PasswdEntry> allUsers() {
        synchronized (LOCK) {
            List<PasswdEntry> out = new ArrayList<>();
            BoundEnumeration.C.setpwent();
            try {
                for (PasswdEntry p = passwd(BoundEnumeration.C.getpwent()); p != null; p = passwd(BoundEnumeration.C.getpwent())) {
                    out.add(p);
                }
            } finally {
                BoundEnumeration.C.endpwent();
            }
            return out;
        }
    }

    @Override
    public List<GroupEntry> allGroups() {
        synchronized (LOCK) {
            List<GroupEntry> out = new ArrayList<>();
            BoundEnumeration.C.setgrent();
            try {
                for (GroupEntry g = group(BoundEnumeration.C.getgrent()); g != null; g = group(BoundEnumeration.C.getgrent())) {
                    out.add(g);
                }
            } finally {
                BoundEnumeration.C.endgrent();
            }
            return out;
        }
    }

    /**
     * struct passwd on an LP64 glibc (x86_64, aarch64: the architectures dmjail runs on, see
     * dev.dmjail.launcher.sys.Arch): pw_name, pw_passwd (pointers), pw_uid, pw_gid (32-bit), pw_gecos,
     * pw_dir, pw_shell (pointers).
     */
    private static PasswdEntry passwd(Pointer p) {
        if (p == null) {
            return null;
        }
        return new PasswdEntry(string(p, 0), p.getInt(16), p.getInt(20), string(p, 24), string(p, 32), string(p, 40));
    }

    /** struct group on an LP64 glibc: gr_name, gr_passwd (pointers), gr_gid (32-bit, then padding), gr_mem (char **, NULL-ended). */
    private static GroupEntry group(Pointer g) {
        if (g == null) {
            return null;
        }
        List<String> members = new ArrayList<>();
        Pointer mem = g.getPointer(24);
        int size = Runtime.getSystemRuntime().addressSize();
        for (int i = 0; mem != null; i++) {
            Pointer m = mem.getPointer((long) i * size);
            if (m == null) {
                break;
            }
            members.add(m.getString(0));
        }
        return new GroupEntry(string(g, 0), g.getInt(16), List.copyOf(members));
    }

    private static String string(Pointer struct, long offset) {
        Pointer s = struct.getPointer(offset);
        return s == null ? null : s.getString(0);
    }
}
