package dev.dmjail.launcher.spec;

import java.nio.file.Path;
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
 */
public record FilesystemSection(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                                List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes,
                                List<RootFile> files) implements Section {
    public static final String NAME = "filesystem";

    public FilesystemSection {
        readOnlyBinds = readOnlyBinds == null ? List.of() : List.copyOf(readOnlyBinds);
        symlinks = symlinks == null ? Map.of() : Map.copyOf(symlinks);
        devices = devices == null ? List.of() : List.copyOf(devices);
        writableDirs = writableDirs == null ? List.of() : List.copyOf(writableDirs);
        files = files == null ? List.of() : List.copyOf(files);
    }

    public FilesystemSection(String mountPoint, List<String> readOnlyBinds, Map<String, String> symlinks,
                             List<DeviceNode> devices, List<String> writableDirs, long tmpfsBytes) {
        this(mountPoint, readOnlyBinds, symlinks, devices, writableDirs, tmpfsBytes, List.of());
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

    private static SpecException fail(String message) {
        return new SpecException(NAME, SpecException.EINVAL, message);
    }
}
