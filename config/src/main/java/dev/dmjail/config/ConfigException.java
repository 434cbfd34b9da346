package dev.dmjail.config;

import java.nio.file.Path;

/**
 * A config that xl would refuse (or that dmjail refuses more strictly than xl, see README).
 * The message is always one line: {@code FILE:LINE: KEY: message}, or {@code FILE:LINE: message}
 * when no key applies (e.g. a lexical error before any key was read); without a line (a missing file,
 * a key that is not in the config) {@code FILE: KEY: message} or {@code FILE: message}, never a line 0.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String key;
    private final String detail;

    public ConfigException(Path file, int line, String key, String detail) {
        super(format(file, line, key, detail));
        this.file = file;
        this.line = line;
        this.key = key;
        this.detail = detail;
    }

    private static String format(Path file, int line, String key, String detail) {
        String oneLine = detail.replace("\r", "\\r").replace("\n", "\\n");
        return where(file, line, key) + oneLine;
    }

    /**
     * The one spelling of where an error is: {@code FILE:LINE: KEY: }, {@code FILE: KEY: } when the line
     * is unknown (0: the key is not in the file, or no line applies), {@code FILE:LINE: } or {@code FILE: }
     * when no key applies. Every config error of dmjail (domain config, host config, plan) starts with it.
     */
    public static String where(Object file, int line, String key) {
        return (file == null ? "<unknown>" : file.toString()) + (line > 0 ? ":" + line : "") + ": "
                + (key == null ? "" : key + ": ");
    }

    /** The config file the error is in. */
    public Path file() { return file; }

    /** 1-based line, 0 when not applicable. Command-line overrides continue the file's numbering, as in xl. */
    public int line() { return line; }

    /** The setting the error is about, or null. */
    public String key() { return key; }

    /** The message without the FILE:LINE: KEY: prefix. */
    public String detail() { return detail; }

    /** Never a stack trace: this is a user error, not a bug. */
    @Override
    public synchronized Throwable fillInStackTrace() { return this; }
}
