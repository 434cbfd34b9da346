package dev.dmjail.toolstack.layer;

import dev.dmjail.config.ConfigException;
import dev.dmjail.config.XlConfig;
import dev.dmjail.config.XlSetting;
import dev.dmjail.config.XlValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-domain layer switches, written in the xl config as {@code dmjail_SWITCH = 0|1} (default 1).
 * The switch names come from the layers ({@link LayerKeys}, {@link LayerStack#KEYS}): {@code dmjail_LAYER},
 * or {@code dmjail_LAYER_PART} for a layer with parts. libvirt cannot disable namespaces, seccomp or
 * cgroups per VM (seed 001); dmjail can, and every switch turned off makes that layer WEAKENED in the
 * plan and the audit. A host with {@code require_confined = 1} refuses any of them set to 0.
 *
 * @param spelled  switch → the key as the config wrote it (an old alias keeps its own name for errors)
 * @param warnings one line per deprecated alias used
 */
public record DomainSwitches(Map<String, Boolean> values, Map<String, Integer> lines, Map<String, String> spelled,
                             List<String> warnings) {

    /** Switch names, in xl as dmjail_NAME, in the layers' order. */
    public static final List<String> NAMES = names();

    /** Old switch name → its name now. */
    public static final Map<String, String> ALIASES = aliases();

    private static List<String> names() {
        List<String> n = new ArrayList<>();
        LayerStack.KEYS.forEach(k -> n.addAll(k.switches()));
        return List.copyOf(n);
    }

    private static Map<String, String> aliases() {
        Map<String, String> m = new LinkedHashMap<>();
        LayerStack.KEYS.forEach(k -> m.putAll(k.switchAliases()));
        return Map.copyOf(m);
    }

    public static DomainSwitches none() {
        return new DomainSwitches(Map.of(), Map.of(), Map.of(), List.of());
    }

    public boolean on(String name) {
        return values.getOrDefault(name, true);
    }

    /** The plan's reason for a layer (or part) switched off in the domain config. */
    public static String offReason(String name) {
        return "dmjail_" + name + "=0 in the domain config";
    }

    /**
     * Reads every dmjail_* key; an unknown one, a value other than 0/1, or a switch written under both
     * its old and new name is an error naming file and line. An old name is read as the new one, with
     * a warning naming the new one.
     */
    public static DomainSwitches from(XlConfig raw, Path file) throws SwitchException {
        Map<String, Boolean> v = new LinkedHashMap<>();
        Map<String, Integer> l = new LinkedHashMap<>();
        Map<String, String> sp = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (XlSetting s : raw.settings()) {
            if (!s.key().startsWith("dmjail_")) {
                continue;
            }
            String written = s.key().substring("dmjail_".length());
            String name = ALIASES.getOrDefault(written, written);
            if (!NAMES.contains(name)) {
                throw new SwitchException(ConfigException.where(file, s.line(), s.key()) + "unknown dmjail switch (known: dmjail_"
                        + String.join(", dmjail_", NAMES) + ")");
            }
            if (sp.containsKey(name) && !sp.get(name).equals(written)) {
                throw new SwitchException(ConfigException.where(file, s.line(), s.key()) + "the same switch as dmjail_"
                        + sp.get(name) + " on line " + l.get(name) + "; keep dmjail_" + name + " only");
            }
            String text = (s.value() instanceof XlValue.Atom a ? a.text() : s.value().toString()).trim();
            if (!text.equals("0") && !text.equals("1")) {
                throw new SwitchException(ConfigException.where(file, s.line(), s.key()) + "expected 0 or 1, got " + text);
            }
            if (!written.equals(name)) {
                warnings.add(ConfigException.where(file, s.line(), s.key()) + "deprecated name, write dmjail_" + name
                        + " (same meaning)");
            }
            v.put(name, text.equals("1"));
            l.put(name, s.line());
            sp.put(name, written);
        }
        return new DomainSwitches(Map.copyOf(v), Map.copyOf(l), Map.copyOf(sp), List.copyOf(warnings));
    }

    /** The first switch turned off, as "dmjail_NAME" (as written) with its line, or null. */
    public Map.Entry<String, Integer> firstWeakening() {
        for (String n : NAMES) {
            if (!on(n)) {
                return Map.entry("dmjail_" + spelled.getOrDefault(n, n), lines.getOrDefault(n, 0));
            }
        }
        return null;
    }

    public static final class SwitchException extends Exception {
        public SwitchException(String message) { super(message); }
    }
}
