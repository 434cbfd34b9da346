package dev.dmjail.launcher.spec;

import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The filesystem layer's section: the per-domain root, a tmpfs mounted (inside the private mount
 * namespace, so the host never sees it) on {@code mountPoint}, populated, made read-only, pivoted into.
 *
 * @param mountPoint    empty directory on the host used as the tmpfs mount point (it stays empty
 *                      on the host: the mount exists only in the launcher's mount namespace)
 * @param readOnlyBinds host paths bound read-only at the same path inside the root (files or
 *                      directories); each must be canonical (no symlink on the way): plan the
 *                      symlinks in {@code symlinks}
 * @param symlinks      symlinks to recreate (path inside the root → target)
 * @param devices       device nodes created with mknod under /dev
 * @param writableDirs  directories (inside the root) on a small tmpfs owned by the dm uid
 * @param tmpfsBytes    size of each writable tmpfs (0: 8 MiB)
 * @param files         single files the launcher opens itself (no symlink on the way, identity
 *                      checked) and binds into the root from the open file, not by name: a
 *                      guest's kernel and initrd, which QEMU reads by path ({@code -kernel})
 * @param bindIdentities for every read-only bind, the "dev:ino" the toolstack saw on its own fd when
 *                      it planned (the ELF file it parsed, the firmware directory it listed): the
 *                      launcher opens each bind source with no symlink on the way, refuses one that
 *                      is not that file, and binds from the open file, so a tenant who owns a
 *                      directory on the path (a device_model_override beside its libraries) cannot
 *                      swap in something the plan never checked
 */
public record FilesystemSection(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                                List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes,
                                List<RootFile> files, Map<String, String> bindIdentities) implements Section {
    public static final String NAME = "filesystem";

    public FilesystemSection {
        readOnlyBinds = readOnlyBinds == null ? List.of() : List.copyOf(readOnlyBinds);
        symlinks = symlinks == null ? Map.of() : Map.copyOf(symlinks);
        devices = devices == null ? List.of() : List.copyOf(devices);
        writableDirs = writableDirs == null ? List.of() : List.copyOf(writableDirs);
        files = files == null ? List.of() : List.copyOf(files);
        // not Map.copyOf: a null value (JSON null) must reach the rule, which names the bind
        bindIdentities = bindIdentities == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(bindIdentities));
    }

    /** No identities: valid only without binds (the rules' tests). */
    public FilesystemSection(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                             List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes, List<RootFile> files) {
        this(mountPoint, readOnlyBinds, symlinks, devices, writableDirs, tmpfsBytes, files, Map.of());
    }

    /** No root files, no identities: valid only without binds (the rules' tests). */
    public FilesystemSection(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                             List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes) {
        this(mountPoint, readOnlyBinds, symlinks, devices, writableDirs, tmpfsBytes, List.of(), Map.of());
    }

    @Override
    public String sectionName() {
        return NAME;
    }

    @Override
    public void validate(LaunchSpec spec) throws SpecException {
        if (!NamespacesSection.privateMounts(spec)) {
            // the tmpfs root and its binds must live in a mount namespace of their own, or they
            // would appear on the host (and pivot_root would move the host's root)
            throw fail("a private root needs a mount namespace (namespaces.mount)");
        }
        if (!Paths.absolute(mountPoint)) {
            throw fail("mountPoint must be an absolute path: " + mountPoint);
        }
        for (String b : readOnlyBinds) {
            if (!Paths.absoluteNormalBelowRoot(b)) {
                throw fail("bind must be absolute and normalized: " + b);
            }
            if (!identityShaped(bindIdentities.get(b))) {
                throw fail("bind " + b + ": no identity planned (dev:ino), got " + bindIdentities.get(b));
            }
        }
        for (String k : bindIdentities.keySet()) {
            if (!readOnlyBinds.contains(k)) {
                throw fail("identity for " + k + ", which is not a bind");
            }
        }
        for (Map.Entry<String, String> e : symlinks.entrySet()) {
            if (!Paths.absoluteNormalBelowRoot(e.getKey())) {
                throw fail("symlink path must be absolute and normalized: " + e.getKey());
            }
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw fail("symlink " + e.getKey() + " has no target");
            }
        }
        for (DeviceNode d : devices) {
            String n = d.name();
            if (n == null || n.isEmpty() || n.startsWith("/") || n.startsWith("..")
                    || !Path.of(n).normalize().toString().equals(n)) {
                throw fail("bad device name: " + n);
            }
            if ((d.mode() & ~07777) != 0) {
                throw fail("bad mode for device " + n + ": " + Integer.toOctalString(d.mode()));
            }
        }
        for (String w : writableDirs) {
            if (!Paths.absoluteNormalBelowRoot(w)) {
                throw fail("writable dir must be absolute and normalized: " + w);
            }
        }
        if (tmpfsBytes < 0) {
            throw fail("tmpfsBytes < 0");
        }
        for (RootFile f : files) {
            if (!Paths.absoluteNormalBelowRoot(f.at())) {
                throw fail("file path in the root must be absolute and normalized: " + f.at());
            }
            if (!Paths.absolute(f.hostPath())) {
                throw fail("file " + f.at() + ": host path must be absolute: " + f.hostPath());
            }
            if (f.identity() == null) {
                throw fail("file " + f.at() + ": no identity planned");
            }
        }
    }

    /** "dev:ino" in decimal, as fstat gives them. */
    static boolean identityShaped(String id) {
        return id != null && id.matches("[0-9]{1,20}:[0-9]{1,20}");
    }

    private static SpecException fail(String message) {
        return new SpecException(NAME, SpecException.EINVAL, message);
    }
}
