package dev.dmjail.uidrange.install;

import static dev.dmjail.uidrange.DeviceModelUsers.RANGE_BASE_USER;

import java.util.ArrayList;
import java.util.List;

import dev.dmjail.uidrange.DeviceModelUsers;
import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;

/**
 * Finds everything that would share an id with the device-model range [base, base+32752): the
 * range's uids AND gids must belong to dmjail alone (per-domain gid = base gid + domid).
 */
public final class RangeConflictChecker {
    /** 65535 is (uint16_t)-1, invalid on 16-bit-uid ABIs; 4294967295 is (uid_t)-1. */
    private static final long[] RESERVED = {65535L, 0xFFFF_FFFFL};

    public static IdRange rangeFor(long base) {
        return new IdRange(base, DeviceModelUsers.RANGE_SIZE);
    }

    public List<Conflict> check(HostState state, long base) {
        IdRange range = rangeFor(base);
        List<Conflict> out = new ArrayList<>();
        checkReserved(range, out);
        checkUsers(state, range, out);
        checkGroups(state, range, out);
        checkSubordinate(state.subuids(), range, Conflict.Kind.SUBUID_OVERLAP, "/etc/subuid", out);
        checkSubordinate(state.subgids(), range, Conflict.Kind.SUBGID_OVERLAP, "/etc/subgid", out);
        checkLoginDefs(state.loginDefs(), range, out);
        return out;
    }

    private static void checkReserved(IdRange range, List<Conflict> out) {
        if (range.start() < 1) {
            out.add(new Conflict(Conflict.Kind.RESERVED_ID, "range " + range + " starts at root's id 0"));
        }
        for (long id : RESERVED) {
            if (range.contains(id)) {
                out.add(new Conflict(Conflict.Kind.RESERVED_ID, "range " + range + " contains the reserved id " + id
                        + "; choose a base of 65536 or above"));
            }
        }
        if (range.end() > 0xFFFF_FFFFL) {
            out.add(new Conflict(Conflict.Kind.RESERVED_ID, "range " + range + " runs past the 32-bit id space"));
        }
    }

    private static void checkUsers(HostState state, IdRange range, List<Conflict> out) {
        for (PasswdEntry u : state.users()) {
            long uid = Integer.toUnsignedLong(u.uid());
            boolean isBase = u.name().equals(RANGE_BASE_USER);
            if (isBase && uid != range.start()) {
                out.add(new Conflict(Conflict.Kind.BASE_USER_MISMATCH, "user " + RANGE_BASE_USER
                        + " already exists with uid " + uid + ", not the requested base " + range.start()));
            } else if (!isBase && range.contains(uid)) {
                out.add(new Conflict(Conflict.Kind.USER_IN_RANGE, "user " + u.name() + " (uid " + uid
                        + ") is inside the device-model uid range " + range));
            }
        }
    }

    private static void checkGroups(HostState state, IdRange range, List<Conflict> out) {
        for (GroupEntry g : state.groups()) {
            long gid = Integer.toUnsignedLong(g.gid());
            boolean isBase = g.name().equals(RANGE_BASE_USER);
            if (isBase && gid != range.start()) {
                out.add(new Conflict(Conflict.Kind.BASE_GROUP_MISMATCH, "group " + RANGE_BASE_USER
                        + " already exists with gid " + gid + ", not the requested base " + range.start()));
            } else if (!isBase && range.contains(gid)) {
                out.add(new Conflict(Conflict.Kind.GROUP_IN_RANGE, "group " + g.name() + " (gid " + gid
                        + ") is inside the device-model gid range " + range));
            }
        }
    }

    private static void checkSubordinate(List<SubordinateIdEntry> entries, IdRange range, Conflict.Kind kind,
                                         String file, List<Conflict> out) {
        for (SubordinateIdEntry e : entries) {
            if (e.range().overlaps(range)) {
                out.add(new Conflict(kind, file + " gives " + e.owner() + " ids " + e.range() + " ("
                        + e.owner() + ":" + e.start() + ":" + e.count() + "), overlapping the device-model range "
                        + range));
            }
        }
    }

    /** useradd/groupadd would later hand out ids from these ranges; they must not reach into ours. */
    private static void checkLoginDefs(LoginDefs defs, IdRange range, List<Conflict> out) {
        for (boolean gid : new boolean[] {false, true}) {
            String p = gid ? "GID" : "UID";
            loginDefsOverlap(defs.userIds(gid), range, p + "_MIN.." + p + "_MAX", out);
            loginDefsOverlap(defs.systemIds(gid), range, "SYS_" + p + "_MIN..SYS_" + p + "_MAX", out);
            loginDefsOverlap(defs.subordinateIds(gid), range, "SUB_" + p + "_MIN..SUB_" + p + "_MAX", out);
        }
    }

    private static void loginDefsOverlap(IdRange alloc, IdRange range, String keys, List<Conflict> out) {
        if (alloc.count() > 0 && alloc.overlaps(range)) {
            out.add(new Conflict(Conflict.Kind.LOGIN_DEFS_OVERLAP, "/etc/login.defs " + keys + " is "
                    + alloc.start() + ".." + alloc.last() + ", so useradd/groupadd may allocate ids inside the"
                    + " device-model range " + range + "; raise the base above " + alloc.last()
                    + " or lower " + keys.substring(keys.indexOf("..") + 2)));
        }
    }
}
