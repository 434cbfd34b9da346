package dev.dmjail.toolstack.host;

import dev.dmjail.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import dev.dmjail.toolstack.layer.LayerKeys;
import dev.dmjail.toolstack.layer.LayerStack;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the host config ({@code key = value} lines, {@code #} comments, lists comma-separated) with
 * commons-configuration2 and turns it into a {@link HostPolicy}. Every key must be known and every
 * value well-formed: otherwise one error naming file, line and key. A missing default file means
 * built-in defaults; a missing file given explicitly is an error.
 *
 * <p>The keys that switch off or configure one layer are named by it ({@link LayerKeys}); their
 * old names ({@code private_root}, {@code security_driver}, …) are read as the new ones with a
 * one-line deprecation warning, so an admin's existing file keeps working.
 */
public final class HostConfigLoader {

    private static final Logger LOG = LoggerFactory.getLogger(HostConfigLoader.class);

    /** New key → (old key, how its values read), from every layer's declaration. */
    static final Map<String, Map.Entry<String, LayerKeys.HostAlias>> ALIASES = aliases();

    private static Map<String, Map.Entry<String, LayerKeys.HostAlias>> aliases() {
        Map<String, Map.Entry<String, LayerKeys.HostAlias>> m = new LinkedHashMap<>();
        for (LayerKeys k : LayerStack.KEYS) {
            k.hostAliases().forEach((old, a) -> m.put(a.key(), Map.entry(old, a)));
        }
        return Map.copyOf(m);
    }

    public static final Path DEFAULT_PATH = Path.of("/etc/dmjail/dmjail.conf");

    private HostConfigLoader() {}

    public static HostPolicy load(Path file, boolean explicit) throws HostConfigException {
        if (!Files.exists(file)) {
            if (explicit) {
                throw new HostConfigException(ConfigException.where(file, 0, null) + "host config not found");
            }
            return HostPolicy.defaults();
        }
        PropertiesConfiguration props = new PropertiesConfiguration();
        List<String> lines;
        try (Reader r = Files.newBufferedReader(file)) {
            props.read(r);
            lines = Files.readAllLines(file);
        } catch (IOException | ConfigurationException e) {
            throw new HostConfigException(ConfigException.where(file, 0, null) + "cannot read host config: " + e.getMessage());
        }
        Values v = new Values(file, lines, props);
        HostPolicy d = HostPolicy.defaults();
        HostPolicy p = new HostPolicy(
                v.path("qemu_binary", d.qemuBinary()),
                v.oneOf("backend", d.backend(), "qemu", "xen"),
                v.oneOf("accel", d.accel(), "auto", "kvm", "tcg"),
                v.string("range_base_user", d.rangeBaseUser()),
                v.string("shared_user", d.sharedUser()),
                v.string("reaper_user", d.reaperUser()),
                v.bool("allow_root_fallback", d.allowRootFallback()),
                v.bool("selinux", d.selinux()),
                Set.copyOf(v.subsetOf("namespaces", d.namespaces(), HostPolicy.ALL_NAMESPACES)),
                v.bool("seccomp_sandbox", d.seccompSandbox()),
                v.bool("seccomp_launcher", d.seccompLauncher()),
                v.bool("filesystem", d.filesystem()),
                List.copyOf(v.subsetOf("cgroup_controllers", d.cgroupControllers(), dev.dmjail.toolstack.layer.CgroupLayer.CONTROLLERS)),
                v.list("cgroup_device_acl", d.cgroupDeviceAcl()),
                v.number("rlimits_fsize_kib", d.rlimitsFsizeBytes() / 1024, 1, 1L << 40) * 1024,
                v.number("rlimits_nofile", d.rlimitsNofile(), 64, 1 << 20),
                v.number("cgroup_memory_overhead_mib", d.cgroupMemoryOverheadMiB(), 32, 1 << 20),
                v.number("cgroup_pids_max", d.cgroupPidsMax(), 16, 1 << 22),
                v.number("filesystem_tmpfs_kib", d.filesystemTmpfsBytes() / 1024, 64, 1 << 24) * 1024,
                v.path("state_dir", d.stateDir()),
                v.path("log_dir", d.logDir()),
                (int) v.number("log_rotate_keep", d.logRotateKeep(), 0, 100),
                v.bool("require_confined", d.requireConfined()),
                v.number("qmp_timeout_ms", d.qmpTimeoutMillis(), 100, 600_000),
                v.imageDirs("image_dirs", d.imageDirs()),
                v.number("log_max_kib", d.logMaxBytes() / 1024, 16, 1 << 20) * 1024,
                v.number("console_max_kib", d.consoleMaxBytes() / 1024, 16, 1 << 20) * 1024);
        v.rejectUnknown();
        v.imageDirsApart("image_dirs", p);
        return p;
    }

    /** Typed access that remembers which keys were consumed and where each key sits. */
    private static final class Values {
        private final Path file;
        private final List<String> lines;
        private final PropertiesConfiguration props;
        private final Set<String> known = new LinkedHashSet<>();
        /** Key → the name the file used for it (an old alias), for errors. */
        private final Map<String, String> spelled = new LinkedHashMap<>();

        Values(Path file, List<String> lines, PropertiesConfiguration props) {
            this.file = file;
            this.lines = lines;
            this.props = props;
        }

        private String raw(String key) throws HostConfigException {
            known.add(key);
            var alias = ALIASES.get(key);
            if (alias != null) {
                known.add(alias.getKey());
                if (props.containsKey(alias.getKey())) {
                    return fromAlias(key, alias.getKey(), alias.getValue());
                }
            }
            return rawValue(key);
        }

        /** An old key's value read as the new key's, with the deprecation said once. */
        private String fromAlias(String key, String old, LayerKeys.HostAlias alias) throws HostConfigException {
            if (props.containsKey(key)) {
                throw error(old, "the same setting as " + key + " on line " + lineOf(key) + "; keep " + key + " only");
            }
            spelled.put(key, old);
            String s = rawValue(old);
            LOG.warn("{}:{}: {}: deprecated name, write {} (same meaning)", file, lineOf(old), old, key);
            if (alias.values().isEmpty()) {
                return s;
            }
            String mapped = alias.values().get(s);
            if (mapped == null) {
                throw error(old, "expected one of " + String.join(", ", new java.util.TreeSet<>(alias.values().keySet()))
                        + ", got '" + s + "'");
            }
            return mapped;
        }

        private String rawValue(String key) throws HostConfigException {
            if (!props.containsKey(key)) {
                return null;
            }
            List<Object> all = props.getList(key);
            if (all.size() > 1) {
                throw error(key, "set more than once");
            }
            String s = props.getString(key).trim();
            if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
                s = s.substring(1, s.length() - 1);
            }
            return s;
        }

        String string(String key, String dflt) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            if (s.isEmpty()) {
                throw error(key, "empty value");
            }
            return s;
        }

        Path path(String key, Path dflt) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            if (!s.startsWith("/")) {
                throw error(key, "expected an absolute path, got '" + s + "'");
            }
            return Path.of(s);
        }

        boolean bool(String key, boolean dflt) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            switch (s.toLowerCase(Locale.ROOT)) {
                case "1", "yes", "true", "on": return true;
                case "0", "no", "false", "off": return false;
                default: throw error(key, "expected 0 or 1, got '" + s + "'");
            }
        }

        long number(String key, long dflt, long min, long max) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            long n;
            try {
                n = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw error(key, "expected a number, got '" + s + "'");
            }
            if (n < min || n > max) {
                throw error(key, "value " + n + " out of range [" + min + ", " + max + "]");
            }
            return n;
        }

        String oneOf(String key, String dflt, String... allowed) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            for (String a : allowed) {
                if (a.equals(s)) {
                    return s;
                }
            }
            throw error(key, "expected one of " + String.join(", ", allowed) + ", got '" + s + "'");
        }

        List<String> list(String key, List<String> dflt) throws HostConfigException {
            String s = raw(key);
            if (s == null) {
                return dflt;
            }
            List<String> out = new ArrayList<>();
            for (String part : s.split(",")) {
                String t = part.trim();
                if (t.startsWith("\"") && t.endsWith("\"") && t.length() >= 2) {
                    t = t.substring(1, t.length() - 1);
                }
                if (!t.isEmpty()) {
                    out.add(t);
                }
            }
            return out;
        }

        List<String> subsetOf(String key, java.util.Collection<String> dflt, List<String> allowed)
                throws HostConfigException {
            List<String> l = list(key, List.copyOf(dflt));
            for (String x : l) {
                if (!allowed.contains(x)) {
                    throw error(key, "unknown item '" + x + "' (allowed: " + String.join(", ", allowed) + ")");
                }
            }
            return l;
        }

        /** Absolute directories guest images may live in, or the single word "any". */
        List<String> imageDirs(String key, List<String> dflt) throws HostConfigException {
            List<String> l = list(key, dflt);
            if (l.equals(List.of(HostPolicy.ANY_IMAGE_DIR))) {
                return l;
            }
            if (l.isEmpty()) {
                throw error(key, "empty list (no disk could be used); write the directories guest images live in");
            }
            for (String d : l) {
                if (!d.startsWith("/")) {
                    throw error(key, "expected absolute directories or 'any', got '" + d + "'");
                }
                Path p = Path.of(d).normalize();
                if (p.getNameCount() == 0) {
                    throw error(key, "'/' would make every host file a possible disk; use 'any' to say so explicitly");
                }
                for (Path sys : ImageDirs.SYSTEM_DIRS) {
                    if (p.startsWith(sys) || sys.startsWith(p)) {
                        throw error(key, d + " overlaps " + sys + ", which the host depends on; guest images never live there");
                    }
                }
            }
            return List.copyOf(l);
        }

        /**
         * An image dir must not lie inside dmjail's own state or log dir (a disk could then be another
         * domain's log or console). The other way round is allowed; the admission refuses any disk
         * under the state or log dir itself.
         */
        void imageDirsApart(String key, HostPolicy p) throws HostConfigException {
            for (String d : p.imageDirs()) {
                if (d.equals(HostPolicy.ANY_IMAGE_DIR)) continue;
                Path dir = Path.of(d).normalize();
                for (Path own : List.of(p.stateDir(), p.logDir())) {
                    if (dir.startsWith(own.normalize())) {
                        throw error(key, d + " overlaps dmjail's own " + own + "; keep guest images apart from it");
                    }
                }
            }
        }

        void rejectUnknown() throws HostConfigException {
            for (Iterator<String> it = props.getKeys(); it.hasNext(); ) {
                String k = it.next();
                if (!known.contains(k)) {
                    throw error(k, "unknown key (see docs/dmjail.conf.example)");
                }
            }
        }

        private HostConfigException error(String key, String msg) {
            String k = spelled.getOrDefault(key, key);
            return new HostConfigException(ConfigException.where(file, lineOf(k), k) + msg);
        }

        private int lineOf(String key) {
            Pattern p = Pattern.compile("^\\s*" + Pattern.quote(key) + "\\s*[=:\\s]");
            for (int i = 0; i < lines.size(); i++) {
                if (p.matcher(lines.get(i)).find()) {
                    return i + 1;
                }
            }
            return 0;
        }
    }
}
