package dev.dmjail.config;

/**
 * One {@code key = value} (or {@code key += value}) statement. For {@code +=} the value is already
 * concatenated with the previous setting of the same key, as xlu__cfg_set_store does, and
 * {@code append} stays true (xl then refuses to read it as a number).
 */
public record XlSetting(String key, XlValue value, int line, boolean append) {
}
