package dev.dmjail.toolstack.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The key every host path of a domain is named by (issue 13): injective, bounded, safe, and an old name's own. */
class DomainKeyTest {

    static final List<String> NAMES = List.of("a", "web-1", "db_2.prod", "a b", "a%20b", "a%b", "a~b", "1~a", "-x", "%2Dx",
            ".x", "_x", "..", ".", "a/b", "a\\b", "a\"b", "a'b", "café", "cafe\u0301", "名前", "a\nb", "a\u001b[31m", "a,b",
            "Domain-0", "12", "  ", "\u202Eevil", "a".repeat(48), "a".repeat(49), "%", "%%", "~");

    @Test
    void everyNameHasItsOwnSafeKey() {
        Map<String, String> owner = new HashMap<>();
        for (String n : NAMES) {
            String k = DomainKey.choose(n, 7, Set.of());
            assertTrue(DomainKey.isKey(k), n + " -> " + k);
            assertTrue(k.length() <= DomainKey.MAX_LENGTH, k);
            assertTrue(k.matches("[A-Za-z0-9%][A-Za-z0-9_.%~-]*"), k);
            assertTrue(("dm-" + k).length() <= 64, "dm-KEY is a host name (HOST_NAME_MAX 64): " + k);
            String prev = owner.putIfAbsent(k, n);
            assertTrue(prev == null, n + " and " + prev + " share " + k);
        }
    }

    @Test
    void aNameTheEarlierVersionAcceptedIsItsOwnKey() {
        for (String n : List.of("a", "web-1", "db_2.prod", "A.b-c_d", "x".repeat(48))) {
            assertEquals(n, DomainKey.escape(n));
            assertEquals(n, DomainKey.choose(n, 3, Set.of()));
        }
    }

    @Test
    void escapeIsPercentHexOfUtf8Bytes() {
        assertEquals("a%20b", DomainKey.escape("a b"));
        assertEquals("caf%C3%A9", DomainKey.escape("café"));
        assertEquals("%2Dx", DomainKey.escape("-x"));
        assertEquals("a%25b", DomainKey.escape("a%b"));
        assertEquals("a%7Eb", DomainKey.escape("a~b"));
        assertEquals("a%2Fb", DomainKey.escape("a/b"));
        assertEquals("", DomainKey.escape(""));
    }

    @Test
    void domidPrefixWhenEmptyTooLongOrTaken() {
        assertEquals("7~", DomainKey.choose("", 7, Set.of()));
        assertEquals("N~", DomainKey.choose("", null, Set.of()), "a dry run has no domid yet");
        assertEquals("7~web", DomainKey.choose("web", 7, Set.of("web")), "web's key is held by a renamed domain");
        String longName = "a" + "é".repeat(40); // 81 bytes, 241 escaped characters: 48 ends inside a %XX
        String k = DomainKey.choose(longName, 32751, Set.of());
        assertEquals("32751~a" + "%C3%A9".repeat(7) + "%C3", k, "cut at the last whole %XX");
    }

    @Test
    void oldStateDirNamesAreKeys() {
        assertTrue(DomainKey.isKey("web-1"));
        assertTrue(DomainKey.isKey("a".repeat(64)));
        assertFalse(DomainKey.isKey(".."));
        assertFalse(DomainKey.isKey("-x"));
        assertFalse(DomainKey.isKey("a/b"));
        assertFalse(DomainKey.isKey(""));
        assertFalse(DomainKey.isKey(".state.json.tmp"));
    }
}
