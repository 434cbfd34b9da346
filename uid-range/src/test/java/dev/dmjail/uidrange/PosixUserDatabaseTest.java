package dev.dmjail.uidrange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Reads the machine's real user database through libc/NSS (read-only). */
class PosixUserDatabaseTest {
    private final PosixUserDatabase db = new PosixUserDatabase();

    @Test
    void readsRootAndNobodyThroughNss() {
        PasswdEntry root = db.byName("root").orElseThrow();
        assertEquals(0, root.uid());
        assertEquals(0, root.gid());
        assertEquals("root", db.byUid(0).orElseThrow().name());
        assertEquals("root", db.groupByGid(0).orElseThrow().name());
        assertEquals(0, db.groupByName("root").orElseThrow().gid());

        PasswdEntry nobody = db.byName("nobody").orElseThrow();
        assertEquals(65534, nobody.uid());
        assertEquals("nobody", db.byUid(65534).orElseThrow().name());
    }

    @Test
    void missingEntriesAreEmpty() {
        assertTrue(db.byName("dmjail-no-such-user-xyz").isEmpty());
        assertTrue(db.groupByName("dmjail-no-such-group-xyz").isEmpty());
        assertTrue(db.byUid(2_000_000_123).isEmpty());
        assertTrue(db.groupByGid(2_000_000_123).isEmpty());
    }

    @Test
    void enumeratesUsersAndGroups() {
        assertTrue(db.allUsers().stream().anyMatch(u -> u.name().equals("root") && u.uid() == 0));
        assertTrue(db.allUsers().stream().anyMatch(u -> u.name().equals("nobody")));
        assertTrue(db.allGroups().stream().anyMatch(g -> g.name().equals("root") && g.gid() == 0));
    }
}
