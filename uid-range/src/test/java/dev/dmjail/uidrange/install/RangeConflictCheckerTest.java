package dev.dmjail.uidrange.install;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dmjail.uidrange.GroupEntry;
import dev.dmjail.uidrange.PasswdEntry;

class RangeConflictCheckerTest {
    private final RangeConflictChecker checker = new RangeConflictChecker();

    private static PasswdEntry user(String n, int uid) {
        return new PasswdEntry(n, uid, uid, "", "/", "/bin/sh");
    }

    private static HostState state(List<PasswdEntry> users, List<GroupEntry> groups,
                                   List<SubordinateIdEntry> subuid, List<SubordinateIdEntry> subgid) {
        return new HostState(users, groups, subuid, subgid, LoginDefs.empty());
    }

    private static List<Conflict.Kind> kinds(List<Conflict> c) {
        return c.stream().map(Conflict::kind).toList();
    }

    @Test
    void debianDefaultsWithNobodyAreClean() {
        HostState s = state(List.of(user("root", 0), user("nobody", 65534)),
                List.of(new GroupEntry("nogroup", 65534, List.of())), List.of(), List.of());
        assertEquals(List.of(), checker.check(s, 65536));
    }

    @Test
    void rangeEdgesAreHalfOpen() {
        HostState s = state(List.of(user("below", 65535), user("last", 65536 + 32751), user("after", 65536 + 32752)),
                List.of(), List.of(), List.of());
        List<Conflict> c = checker.check(s, 65536);
        assertEquals(1, c.size(), c.toString());
        assertTrue(c.get(0).message().contains("last (uid 98287)"), c.toString());
    }

    @Test
    void theBaseUserAndGroupThemselvesAreNotConflictsButMisplacedOnesAre() {
        HostState ok = state(List.of(user("xen-qemuuser-range-base", 65536)),
                List.of(new GroupEntry("xen-qemuuser-range-base", 65536, List.of())), List.of(), List.of());
        assertEquals(List.of(), checker.check(ok, 65536));
        HostState moved = state(List.of(user("xen-qemuuser-range-base", 70000)),
                List.of(new GroupEntry("xen-qemuuser-range-base", 999, List.of())), List.of(), List.of());
        assertEquals(List.of(Conflict.Kind.BASE_USER_MISMATCH, Conflict.Kind.BASE_GROUP_MISMATCH),
                kinds(checker.check(moved, 65536)));
    }

    @Test
    void subordinateRangesOverlapOnlyWhenTheyIntersect() {
        HostState s = state(List.of(), List.of(),
                List.of(new SubordinateIdEntry("a", 100000, 65536), new SubordinateIdEntry("b", 98287, 1)),
                List.of(new SubordinateIdEntry("c", 1, 65535)));
        List<Conflict> c = checker.check(s, 65536);
        assertEquals(List.of(Conflict.Kind.SUBUID_OVERLAP), kinds(c));
        assertTrue(c.get(0).message().contains("b:98287:1"), c.toString());
    }

    @Test
    void reservedIdsAndIdSpaceEnd() {
        HostState empty = state(List.of(), List.of(), List.of(), List.of());
        assertTrue(kinds(checker.check(empty, 60000)).contains(Conflict.Kind.RESERVED_ID));
        assertTrue(kinds(checker.check(empty, 0xFFFF_FFF0L)).contains(Conflict.Kind.RESERVED_ID));
        assertTrue(kinds(checker.check(empty, 0)).contains(Conflict.Kind.RESERVED_ID));
    }

    @Test
    void loginDefsDefaultsAllow65536ButNot100000() {
        HostState empty = state(List.of(), List.of(), List.of(), List.of());
        assertEquals(List.of(), checker.check(empty, 65536));
        List<Conflict> c = checker.check(empty, 100000);
        assertTrue(c.stream().anyMatch(x -> x.message().contains("SUB_UID_MIN..SUB_UID_MAX")), c.toString());
    }
}
