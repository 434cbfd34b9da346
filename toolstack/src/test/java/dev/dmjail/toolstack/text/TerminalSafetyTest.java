package dev.dmjail.toolstack.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What reaches an admin's terminal from text a tenant or a device model wrote. */
class TerminalSafetyTest {

    @Test
    void aLineKeepsTextAndShowsEveryControlEscaped() {
        assertEquals("plain text, ünïcode ok", Printable.line("plain text, ünïcode ok"));
        assertEquals("\\x1b]52;c;ZXZpbA==\\x07", Printable.line("\u001b]52;c;ZXZpbA==\u0007"));
        assertEquals("\\x1b[21t title report", Printable.line("\u001b[21t title report"));
        assertEquals("a\\x0ab\\x0dc", Printable.line("a\nb\rc"));
        assertEquals("\\x9b2J", Printable.line("\u009b2J"));
        assertEquals("file\\u{202e}gpj.exe", Printable.line("file\u202egpj.exe"));
        assertEquals("back\\\\slash", Printable.line("back\\slash"));
        assertEquals("\\x7f", Printable.line("\u007f"));
    }

    @Test
    void theConsoleKeepsWhatASerialLineNeedsAndDropsTheRest() {
        ConsoleFilter f = new ConsoleFilter();
        assertEquals("login: \r\n\tok\b", f.filter("login: \r\n\tok\b"));
        assertEquals("\u001b[1;31mred\u001b[0m \u001b[2J\u001b[H\u001b[K\u001b[10;5H",
                f.filter("\u001b[1;31mred\u001b[0m \u001b[2J\u001b[H\u001b[K\u001b[10;5H"));
        // OSC 52 clipboard write, title set (BEL and ST terminated), title report, alternate screen,
        // device status report, DCS, RIS, charset switch, C1 CSI window op, bidi override
        assertEquals("ab", f.filter("a\u001b]52;c;ZXZpbA==\u0007\u001b]0;owned\u001b\\b"));
        assertEquals("", f.filter("\u001b[21t\u001b[?1049h\u001b[6n\u001bPq#0;2;0;0;0\u001b\\\u001bc\u001b(0"));
        assertEquals("x", f.filter("\u009b8;1;1tx\u202e"));
    }

    @Test
    void aSequenceSplitAcrossReadsIsJudgedWhole() {
        ConsoleFilter f = new ConsoleFilter();
        assertEquals("", f.filter("\u001b]52;c;ZXZp"));
        assertEquals("after", f.filter("bA==\u0007after"));
        assertEquals("", f.filter("\u001b[3"));
        assertEquals("\u001b[31mred", f.filter("1mred"));
        assertEquals("", f.filter("\u001b[2"));
        assertEquals("t", f.filter("1tt"));
    }
}
