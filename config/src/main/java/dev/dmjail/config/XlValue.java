package dev.dmjail.config;

import java.util.List;

/**
 * A value in an xl config, as libxlutil stores it: an atom (a quoted STRING or a NUMBER token,
 * both kept as text, as XLU_STRING does) or a list of values.
 */
public sealed interface XlValue permits XlValue.Atom, XlValue.XlList {

    /** Line the value starts on. */
    int line();

    /** Kind of an atom: libxlutil keeps both as strings; numbers are converted on use with strtol(…, 0). */
    enum AtomKind { STRING, NUMBER }

    record Atom(String text, AtomKind kind, int line) implements XlValue {
        public boolean isNumber() { return kind == AtomKind.NUMBER; }
        @Override public String toString() { return kind == AtomKind.NUMBER ? text : '"' + text + '"'; }
    }

    record XlList(List<XlValue> items, int line) implements XlValue {
        public XlList { items = List.copyOf(items); }
        @Override public String toString() { return items.toString(); }
    }

    default boolean isList() { return this instanceof XlList; }
}
