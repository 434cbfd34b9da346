package dev.dmjail.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The raw settings of one config, file first then command-line overrides, in source order. */
public final class XlConfig {
    private final Path source;
    private final List<XlSetting> settings;
    private final int firstOverrideLine;
    private final List<String> overrides;
    private final String text;

    XlConfig(Path source, List<XlSetting> settings, int firstOverrideLine, List<String> overrides, String text) {
        this.text = text;
        this.source = source;
        this.settings = List.copyOf(settings);
        this.firstOverrideLine = firstOverrideLine;
        this.overrides = List.copyOf(overrides);
    }

    /** The effective setting of a key: the last one, as libxlutil's find() returns the newest. */
    public Optional<XlSetting> get(String key) {
        for (int i = settings.size() - 1; i >= 0; i--) {
            if (settings.get(i).key().equals(key)) return Optional.of(settings.get(i));
        }
        return Optional.empty();
    }

    /** Every statement in source order (a key may appear several times; the last one wins). */
    public List<XlSetting> settings() { return settings; }

    /** Distinct keys in order of first appearance. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (XlSetting s : settings) if (!keys.contains(s.key())) keys.add(s.key());
        return keys;
    }

    public Path source() { return source; }

    /**
     * The config as xl reads it: the file's text with the command-line overrides appended, one per line, as
     * xl's create appends them (xl_vmcontrol.c, extra_config). Parsing it again gives this same config.
     */
    public String text() { return text; }

    /** True when the line belongs to a command-line override rather than to the file. */
    public boolean isOverrideLine(int line) { return firstOverrideLine > 0 && line >= firstOverrideLine; }

    /** The command-line overrides, in order. */
    public List<String> overrides() { return overrides; }

    /** " (in command-line override `k=v')" for a line that belongs to an override, else "". */
    String overrideNote(int line) {
        if (firstOverrideLine <= 0 || line < firstOverrideLine) return "";
        int idx = line - firstOverrideLine;
        return idx < overrides.size() ? " (in command-line override `" + overrides.get(idx) + "')" : "";
    }
}
