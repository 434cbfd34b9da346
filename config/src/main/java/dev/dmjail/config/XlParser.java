package dev.dmjail.config;

import dev.dmjail.config.XlLexer.Kind;
import dev.dmjail.config.XlLexer.Token;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parser for the xl.cfg grammar of libxlu_cfg_y.y:
 * <pre>
 *   file      : stmt*
 *   stmt      : IDENT ('=' | '+=') value endstmt  |  endstmt
 *   endstmt   : NEWLINE | ';'            (end of file also ends the last statement)
 *   value     : STRING | NUMBER | '[' nlok valuelist ']'
 *   valuelist : empty | values | values ',' nlok           (one trailing comma allowed)
 *   values    : value nlok | values ',' nlok value nlok    (lists nest in the grammar)
 *   nlok      : NEWLINE*
 * </pre>
 * A setting's line is the line its value starts on (xlu__cfg_set_store gets @3.first_line).
 * {@code +=} concatenates with the previous setting of the key (string to string, list to list).
 * Command-line overrides are appended to the file text exactly as xl's create does
 * ("\n" + each override + "\n"), so they share the grammar and continue the line numbering.
 */
final class XlParser {

    private final Path file;
    private final List<String> overrides;
    private final int firstOverrideLine;
    private XlLexer lexer;
    private List<Token> toks;
    private int i;
    private String currentKey;

    private XlParser(Path file, List<String> overrides, int firstOverrideLine) {
        this.file = file;
        this.overrides = overrides;
        this.firstOverrideLine = firstOverrideLine;
    }

    /** Parses file text plus overrides (each "key=value", the xl create command-line form). */
    static XlConfig parse(Path file, String text, List<String> overrides) throws ConfigException {
        int firstOverrideLine = 0;
        String all = text;
        if (!overrides.isEmpty()) {
            firstOverrideLine = (int) text.chars().filter(c -> c == '\n').count() + 2;
            StringBuilder sb = new StringBuilder(text).append('\n');
            for (String o : overrides) sb.append(o).append('\n');
            all = sb.toString();
        }
        XlParser p = new XlParser(file, overrides, firstOverrideLine);
        return new XlConfig(file, p.run(all), firstOverrideLine, overrides, all);
    }

    private List<XlSetting> run(String text) throws ConfigException {
        lexer = new XlLexer(text);
        toks = new ArrayList<>();
        List<XlSetting> settings = new ArrayList<>();
        i = 0;
        while (true) {
            currentKey = null;
            Token t = take();
            switch (t.kind()) {
                case EOF: return settings;
                case NEWLINE, SEMICOLON: continue;
                case IDENT: break;
                default: throw syntax(t, "expecting a key");
            }
            currentKey = t.value();
            Token op = take();
            if (op.kind() != Kind.EQUALS && op.kind() != Kind.OP_ADD) throw syntax(op, "expecting += or '='");
            XlValue v = value();
            Token end = peek();
            if (end.kind() == Kind.NEWLINE || end.kind() == Kind.SEMICOLON) i++;
            else if (end.kind() != Kind.EOF) throw syntax(end, "expecting newline or ';'");
            store(settings, currentKey, v, op.kind() == Kind.OP_ADD);
        }
    }

    /**
     * How deep lists may nest. libxlutil's bison parser stops with "memory exhausted" near its
     * YYMAXDEPTH (10000 states); real configs nest two levels (vnuma). A bound keeps the recursion
     * below from overflowing the stack on a tenant's hostile config.
     */
    static final int MAX_LIST_DEPTH = 1000;

    private XlValue value() throws ConfigException {
        return value(0);
    }

    private XlValue value(int depth) throws ConfigException {
        Token t = take();
        switch (t.kind()) {
            case STRING: return new XlValue.Atom(t.value(), XlValue.AtomKind.STRING, t.line());
            case NUMBER: return new XlValue.Atom(t.value(), XlValue.AtomKind.NUMBER, t.line());
            case LBRACKET: break;
            default: throw syntax(t, "expecting STRING or NUMBER or '['");
        }
        if (depth >= MAX_LIST_DEPTH) {
            throw error(t.line(), currentKey, "lists nested deeper than " + MAX_LIST_DEPTH + " levels");
        }
        List<XlValue> items = new ArrayList<>();
        nlok();
        if (peek().kind() == Kind.RBRACKET) { i++; return new XlValue.XlList(items, t.line()); }
        while (true) {
            items.add(value(depth + 1));
            nlok();
            Token sep = take();
            if (sep.kind() == Kind.RBRACKET) return new XlValue.XlList(items, t.line());
            if (sep.kind() != Kind.COMMA) throw syntax(sep, "expecting ',' or ']'");
            nlok();
            if (peek().kind() == Kind.RBRACKET) { i++; return new XlValue.XlList(items, t.line()); }
            Kind k = peek().kind();
            if (k != Kind.STRING && k != Kind.NUMBER && k != Kind.LBRACKET) {
                throw syntax(peek(), "expecting STRING or NUMBER or '[' or ']'");
            }
        }
    }

    /** Tokens are read lazily so a lexical error is reported with the key being parsed. */
    private Token peek() throws ConfigException {
        while (toks.size() <= i) {
            try {
                toks.add(lexer.next());
            } catch (XlLexer.LexError e) {
                throw error(e.line, currentKey, "config parsing error near " + e.near + ": " + e.getMessage());
            }
        }
        return toks.get(i);
    }

    private Token take() throws ConfigException {
        Token t = peek();
        i++;
        return t;
    }

    private void nlok() throws ConfigException {
        while (peek().kind() == Kind.NEWLINE) i++;
    }

    /** xlu__cfg_set_store: += joins with the newest previous setting of the same key, if any. */
    private void store(List<XlSetting> settings, String key, XlValue v, boolean append) throws ConfigException {
        if (append) {
            XlSetting prev = null;
            for (int k = settings.size() - 1; k >= 0 && prev == null; k--) {
                if (settings.get(k).key().equals(key)) prev = settings.get(k);
            }
            if (prev != null) {
                if (prev.value().isList() != v.isList()) {
                    throw error(v.line(), key, "can't add [list] to \"string\" or vice versa");
                }
                if (v instanceof XlValue.Atom a) {
                    XlValue.Atom p = (XlValue.Atom) prev.value();
                    v = new XlValue.Atom(p.text() + a.text(), XlValue.AtomKind.STRING, a.line());
                } else {
                    List<XlValue> joined = new ArrayList<>(((XlValue.XlList) prev.value()).items());
                    joined.addAll(((XlValue.XlList) v).items());
                    v = new XlValue.XlList(joined, v.line());
                }
            }
        }
        settings.add(new XlSetting(key, v, v.line(), append));
    }

    private ConfigException syntax(Token t, String expecting) {
        return error(t.line(), currentKey,
                "config parsing error near " + t.near() + ": syntax error, unexpected " + t.describe() + ", " + expecting);
    }

    private ConfigException error(int line, String key, String msg) {
        return new ConfigException(file, line, key, msg + overrideNote(line));
    }

    String overrideNote(int line) {
        if (firstOverrideLine <= 0 || line < firstOverrideLine) return "";
        int idx = line - firstOverrideLine;
        return idx < overrides.size() ? " (in command-line override `" + overrides.get(idx) + "')" : " (in command-line overrides)";
    }

}
