package dev.dmjail.toolstack.layer;

import dev.dmjail.config.XlConfig;
import dev.dmjail.config.XlSetting;
import dev.dmjail.config.XlValue;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-domain layer switches, written in the xl config as {@code dmjail_LAYER = 0|1} (default 1).
 * libvirt cannot disable namespaces, seccomp or cgroups per VM (seed 001); dmjail can, and every
 * switch turned off makes that layer WEAKENED in the plan and the audit. A host with
 * {@code require_confined = 1} refuses any of them set to 0.
 */
public record DomainSwitches(Map<String, Boolean> values, Map<String, Integer> lines) {

    /** Switch names, in xl as dmjail_NAME. */
    public static final List<String> NAMES = List.of("dac", "selinux", "ns_mount", "ns_ipc", "ns_uts", "ns_net",
            "ns_pid", "root", "cgroup", "seccomp", "rlimits", "landlock");

    public static DomainSwitches none() {
        return new DomainSwitches(Map.of(), Map.of());
    }

    public boolean on(String name) {
        return values.getOrDefault(name, true);
    }

    /** Reads every dmjail_* key; an unknown one or a value other than 0/1 is an error naming file and line. */
    public static DomainSwitches from(XlConfig raw, Path file) throws SwitchException {
        Map<String, Boolean> v = new LinkedHashMap<>();
        Map<String, Integer> l = new LinkedHashMap<>();
        for (XlSetting s : raw.settings()) {
            if (!s.key().startsWith("dmjail_")) {
                continue;
            }
            String name = s.key().substring("dmjail_".length());
            if (!NAMES.contains(name)) {
                throw new SwitchException(file + ":" + s.line() + ": " + s.key() + ": unknown dmjail switch (known: dmjail_"
                        + String.join(", dmjail_", NAMES) + ")");
            }
            String text = (s.value() instanceof XlValue.Atom a ? a.text() : s.value().toString()).trim();
            if (!text.equals("0") && !text.equals("1")) {
                throw new SwitchException(file + ":" + s.line() + ": " + s.key() + ": expected 0 or 1, got " + text);
            }
            v.put(name, text.equals("1"));
            l.put(name, s.line());
        }
        return new DomainSwitches(Map.copyOf(v), Map.copyOf(l));
    }

    /** The first switch turned off, as "dmjail_NAME" with its line, or null. */
    public Map.Entry<String, Integer> firstWeakening() {
        for (String n : NAMES) {
            if (!on(n)) {
                return Map.entry("dmjail_" + n, lines.getOrDefault(n, 0));
            }
        }
        return null;
    }

    public static final class SwitchException extends Exception {
        public SwitchException(String message) { super(message); }
    }
}
