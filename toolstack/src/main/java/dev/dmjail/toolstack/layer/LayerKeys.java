package dev.dmjail.toolstack.layer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one layer answers to in the two configs, declared next to the layer ({@code KEYS} in each
 * {@code *Layer}) so that the per-domain switches ({@link DomainSwitches}) and the host config's
 * layer keys ({@code host/HostConfigLoader}) derive from the layer list ({@link LayerStack#KEYS}).
 *
 * <p>The naming rule: a layer's per-domain switch is {@code dmjail_LAYER}, or one
 * {@code dmjail_LAYER_PART} per part where the layer has parts (namespaces: mount, ipc, …); a host
 * key that switches a layer off host-wide is the layer's name, one that configures it starts with
 * {@code LAYER_}. Old names stay accepted with a one-line deprecation warning naming the new one.
 *
 * @param layer         the layer's {@code NAME}
 * @param switches      its per-domain switch names, without the {@code dmjail_} prefix
 * @param switchAliases old switch name → new one (both without {@code dmjail_})
 * @param hostKeys      the host-config keys only this layer reads
 * @param hostAliases   old host key → its replacement
 */
public record LayerKeys(String layer, List<String> switches, Map<String, String> switchAliases,
                        List<String> hostKeys, Map<String, HostAlias> hostAliases) {

    /**
     * An old host key and how its values read under the new key.
     *
     * @param key    the new key
     * @param values old value → new value; empty when the values are the same
     */
    public record HostAlias(String key, Map<String, String> values) {}

    /** A layer with no per-domain switch (the device model cannot run without it) and no host keys. */
    public static LayerKeys of(String layer) {
        return new LayerKeys(layer, List.of(), Map.of(), List.of(), Map.of());
    }

    /** The layer's name as it appears in a key: {@code fds-env} → {@code fds_env}. */
    public static String keyName(String layer) {
        return layer.replace('-', '_');
    }

    /** Switchable as a whole: {@code dmjail_LAYER}. */
    public LayerKeys switched() {
        return withSwitches(List.of(keyName(layer)));
    }

    /** Switchable part by part: {@code dmjail_LAYER_PART} each. */
    public LayerKeys parts(List<String> parts) {
        List<String> s = new ArrayList<>(); // a loop, not a stream: every command loads this (issue 14)
        for (String p : parts) {
            s.add(part(p));
        }
        return withSwitches(s);
    }

    /** The switch name of one part ({@code namespaces_net}). */
    public String part(String part) {
        return keyName(layer) + "_" + part;
    }

    public LayerKeys switchAlias(String old, String now) {
        Map<String, String> m = new LinkedHashMap<>(switchAliases);
        m.put(old, now);
        return new LayerKeys(layer, switches, Map.copyOf(m), hostKeys, hostAliases);
    }

    public LayerKeys host(String... keys) {
        List<String> l = new ArrayList<>(hostKeys);
        l.addAll(List.of(keys));
        return new LayerKeys(layer, switches, switchAliases, List.copyOf(l), hostAliases);
    }

    public LayerKeys hostAlias(String old, String now) {
        return hostAlias(old, now, Map.of());
    }

    public LayerKeys hostAlias(String old, String now, Map<String, String> values) {
        Map<String, HostAlias> m = new LinkedHashMap<>(hostAliases);
        m.put(old, new HostAlias(now, Map.copyOf(values)));
        return new LayerKeys(layer, switches, switchAliases, hostKeys, Map.copyOf(m));
    }

    private LayerKeys withSwitches(List<String> s) {
        return new LayerKeys(layer, List.copyOf(s), switchAliases, hostKeys, hostAliases);
    }
}
