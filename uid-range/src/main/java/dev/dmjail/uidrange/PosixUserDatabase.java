package dev.dmjail.uidrange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import jnr.posix.Group;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.Passwd;

/**
 * The real user database through libc (getpwnam, getpwuid, getgrnam, getgrgid, getpwent, getgrent),
 * so every NSS source in /etc/nsswitch.conf (files, systemd, sss, ldap...) is seen, as libxl sees it.
 * The *ent iterators are process-global in libc, hence the synchronisation.
 */
public final class PosixUserDatabase implements UserDatabase, UserEnumeration {
    private static final Object ENT_LOCK = new Object();
    private final java.util.function.Supplier<POSIX> source;
    private POSIX posix;

    /** libc is bound on first use: commands that look no user up (list, console) never load jnr-ffi for it. */
    public PosixUserDatabase() {
        this.source = POSIXFactory::getNativePOSIX;
    }

    public PosixUserDatabase(POSIX posix) {
        this.source = () -> posix;
    }

    private synchronized POSIX posix() {
        if (posix == null) {
            posix = source.get();
        }
        return posix;
    }

    @Override
    public Optional<PasswdEntry> byName(String name) {
        return Optional.ofNullable(posix().getpwnam(name)).map(PosixUserDatabase::toEntry);
    }

    @Override
    public Optional<PasswdEntry> byUid(int uid) {
        return Optional.ofNullable(posix().getpwuid(uid)).map(PosixUserDatabase::toEntry);
    }

    @Override
    public Optional<GroupEntry> groupByName(String name) {
        return Optional.ofNullable(posix().getgrnam(name)).map(PosixUserDatabase::toEntry);
    }

    @Override
    public Optional<GroupEntry> groupByGid(int gid) {
        return Optional.ofNullable(posix().getgrgid(gid)).map(PosixUserDatabase::toEntry);
    }

    @Override
    public List<PasswdEntry> allUsers() {
        synchronized (ENT_LOCK) {
            List<PasswdEntry> out = new ArrayList<>();
            posix().setpwent();
            try {
                for (Passwd p = posix().getpwent(); p != null; p = posix().getpwent()) {
                    out.add(toEntry(p));
                }
            } finally {
                posix().endpwent();
            }
            return out;
        }
    }

    @Override
    public List<GroupEntry> allGroups() {
        synchronized (ENT_LOCK) {
            List<GroupEntry> out = new ArrayList<>();
            posix().setgrent();
            try {
                for (Group g = posix().getgrent(); g != null; g = posix().getgrent()) {
                    out.add(toEntry(g));
                }
            } finally {
                posix().endgrent();
            }
            return out;
        }
    }

    private static PasswdEntry toEntry(Passwd p) {
        return new PasswdEntry(p.getLoginName(), (int) p.getUID(), (int) p.getGID(), p.getGECOS(), p.getHome(),
                p.getShell());
    }

    private static GroupEntry toEntry(Group g) {
        String[] members = g.getMembers();
        return new GroupEntry(g.getName(), (int) g.getGID(),
                members == null ? List.of() : Arrays.stream(members).filter(m -> m != null).toList());
    }
}
