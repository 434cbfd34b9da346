package dev.dmjail.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Tokenizer for the xl.cfg grammar, reproducing libxlu_cfg_l.l (flex, longest match, first rule
 * wins a tie):
 * <pre>
 *   [a-z][._0-9a-z]*            IDENT        (no capitals, no leading '_')
 *   [0-9][0-9a-fx]*             NUMBER       (text kept; "08", "1e3" lex fine, fail later in strtol)
 *   [ \t]                       skipped
 *   , [ ] = ;   +=              punctuation
 *   \n | #.*\n                  NEWLINE      (a comment must end with a newline, even at EOF)
 *   '…'  "…"                    STRING       (no raw newline inside; backslash escapes, see dequote)
 *   anything else               lexical error, the offending text running to the next blank
 * </pre>
 * A '\r' is "anything else": xl refuses CRLF files, and so do we.
 */
final class XlLexer {

    enum Kind { IDENT, NUMBER, STRING, NEWLINE, COMMA, LBRACKET, RBRACKET, EQUALS, SEMICOLON, OP_ADD, EOF }

    record Token(Kind kind, String text, String value, int line) {
        /** Bison's name for the token in "unexpected X" messages. */
        String describe() {
            return switch (kind) {
                case IDENT, NUMBER, STRING, NEWLINE -> kind.name();
                case COMMA -> "','";
                case LBRACKET -> "'['";
                case RBRACKET -> "']'";
                case EQUALS -> "'='";
                case SEMICOLON -> "';'";
                case OP_ADD -> "+=";
                case EOF -> "end of file";
            };
        }

        /** The text xl quotes in "near `…'" (a newline is shown as &lt;newline&gt;). */
        String near() {
            return kind == Kind.NEWLINE ? "<newline>" : kind == Kind.EOF ? "<end of file>" : "`" + text + "'";
        }
    }

    /** Thrown for lexical errors; the parser turns it into a ConfigException with the key. */
    static final class LexError extends Exception {
        private static final long serialVersionUID = 1L;
        final int line;
        final String near;
        LexError(int line, String near, String message) {
            super(message, null, false, false);
            this.line = line;
            this.near = near;
        }
    }

    private final String src;
    private int pos;
    private int line = 1;

    XlLexer(String src) { this.src = src; }

    static List<Token> tokenize(String src) throws LexError {
        XlLexer lx = new XlLexer(src);
        List<Token> out = new ArrayList<>();
        Token t;
        do {
            t = lx.next();
            out.add(t);
        } while (t.kind() != Kind.EOF);
        return out;
    }

    private static boolean isLower(char c) { return c >= 'a' && c <= 'z'; }
    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    Token next() throws LexError {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            int start = pos;
            if (c == ' ' || c == '\t') { pos++; continue; }
            if (isLower(c)) {
                pos++;
                while (pos < src.length()) {
                    char d = src.charAt(pos);
                    if (isLower(d) || isDigit(d) || d == '.' || d == '_') pos++; else break;
                }
                String s = src.substring(start, pos);
                return new Token(Kind.IDENT, s, s, line);
            }
            if (isDigit(c)) {
                pos++;
                while (pos < src.length()) {
                    char d = src.charAt(pos);
                    if (isDigit(d) || (d >= 'a' && d <= 'f') || d == 'x') pos++; else break;
                }
                String s = src.substring(start, pos);
                return new Token(Kind.NUMBER, s, s, line);
            }
            switch (c) {
                case ',': pos++; return new Token(Kind.COMMA, ",", null, line);
                case '[': pos++; return new Token(Kind.LBRACKET, "[", null, line);
                case ']': pos++; return new Token(Kind.RBRACKET, "]", null, line);
                case '=': pos++; return new Token(Kind.EQUALS, "=", null, line);
                case ';': pos++; return new Token(Kind.SEMICOLON, ";", null, line);
                case '\n': pos++; line++; return new Token(Kind.NEWLINE, "\n", null, line - 1);
                default: break;
            }
            if (c == '+' && pos + 1 < src.length() && src.charAt(pos + 1) == '=') {
                pos += 2;
                return new Token(Kind.OP_ADD, "+=", null, line);
            }
            if (c == '#') {
                int nl = src.indexOf('\n', pos);
                if (nl >= 0) {
                    pos = nl + 1;
                    line++;
                    return new Token(Kind.NEWLINE, src.substring(start, nl + 1), null, line - 1);
                }
                throw lexError(start);
            }
            if (c == '"' || c == '\'') {
                int end = scanString(c);
                if (end < 0) throw lexError(start);
                pos = end;
                String raw = src.substring(start, end);
                return new Token(Kind.STRING, raw, dequote(raw, line), line);
            }
            throw lexError(start);
        }
        return new Token(Kind.EOF, "", null, line);
    }

    /** Returns the index after the closing quote, or -1 if the string is unterminated on this line. */
    private int scanString(char q) {
        int p = pos + 1;
        while (p < src.length()) {
            char d = src.charAt(p);
            if (d == q) return p + 1;
            if (d == '\n') return -1;
            if (d == '\\') {
                if (p + 1 >= src.length() || src.charAt(p + 1) == '\n') return -1;
                p += 2;
                continue;
            }
            p++;
        }
        return -1;
    }

    /** flex's error rule: the bad character plus everything up to the next blank. */
    private LexError lexError(int start) {
        int p = start + 1;
        if (start < src.length() && (src.charAt(start) == ' ' || src.charAt(start) == '\t')) p = start + 1;
        while (p < src.length() && " \t\n".indexOf(src.charAt(p)) < 0) p++;
        return new LexError(line, "`" + src.substring(start, p) + "'", "lexical error");
    }

    /**
     * libxlu_cfg.c xlu__cfgl_dequote, quirks included: \" \' \\ and \a \b \f \n \r \t \v are
     * understood; \x always fails (the hex branch can never consume enough digits); \NNN
     * (an octal digit then at least two more digits) is accepted but produces no character at all;
     * any other escape is an error.
     */
    static String dequote(String raw, int line) throws LexError {
        StringBuilder out = new StringBuilder();
        int end = raw.length() - 1;
        int p = 1;
        while (p < end) {
            char c = raw.charAt(p++);
            if (c != '\\') { out.append(c); continue; }
            char nc = raw.charAt(p++);
            switch (nc) {
                case '"', '\'', '\\' -> out.append(nc);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> throw new LexError(line, "`" + raw + "'",
                        "invalid digit after backslash hexnumerical character escape in quoted string");
                default -> {
                    if (nc >= '0' && nc <= '7') {
                        int used = strtoulDecimalLength(raw.substring(p, Math.min(p + 3, raw.length())));
                        if (used <= 1) {
                            throw new LexError(line, "`" + raw + "'",
                                    "invalid digit after backslash octalnumerical character escape in quoted string");
                        }
                        p += used;
                    } else {
                        throw new LexError(line, "`" + raw + "'", "invalid character after backlash in quoted string");
                    }
                }
            }
        }
        return out.toString();
    }

    /** How many characters strtoul(s, &ep, 10) consumes (0 when it parses nothing). */
    private static int strtoulDecimalLength(String s) {
        int i = 0;
        while (i < s.length() && " \t\n\u000b\f\r".indexOf(s.charAt(i)) >= 0) i++;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int digits = 0;
        while (i < s.length() && isDigit(s.charAt(i))) { i++; digits++; }
        return digits == 0 ? 0 : i;
    }
}
