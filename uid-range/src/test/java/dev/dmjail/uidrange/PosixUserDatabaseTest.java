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

    /** Every field of every entry, against getent(1), which asks NSS through its own glibc calls. */
    @Test
    void everyFieldIsWhatGetentSays() throws Exception {
        for (String line : getent("passwd")) {
            String[] f = line.split(":", -1);
            PasswdEntry want = new PasswdEntry(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], f[5], f[6]);
            assertEquals(want, db.byName(f[0]).orElseThrow(), line);
            assertTrue(db.allUsers().contains(want), line);
        }
        for (String line : getent("group")) {
            String[] f = line.split(":", -1);
            java.util.List<String> members = f[3].isEmpty() ? java.util.List.of() : java.util.List.of(f[3].split(","));
            GroupEntry want = new GroupEntry(f[0], Integer.parseInt(f[2]), members);
            assertEquals(want, db.groupByName(f[0]).orElseThrow(), line);
            assertEquals(want.gid(), db.groupByGid(want.gid()).orElseThrow().gid(), line); // a gid may carry several names
            assertTrue(db.allGroups().contains(want), line);
        }
    }

    private static java.util.List<String> getent(String db) throws Exception {
        Process p = new ProcessBuilder("getent", db).redirectErrorStream(true).start();
        java.util.List<String> lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines().toList();
        assertEquals(0, p.waitFor());
        assertTrue(lines.size() > 1);
        return lines;
    }
}
