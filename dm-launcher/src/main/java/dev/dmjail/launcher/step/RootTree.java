package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.DeviceNode;
import dev.dmjail.launcher.spec.FilesystemSection;
import dev.dmjail.launcher.spec.RootFile;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The filesystem step's tree, built on the mount point before the pivot, in this order:
 * <ol>
 * <li>tmpfs (mode 0755, nosuid, nodev) on the mount point;</li>
 * <li>the planned symlinks, recreated as symlinks;</li>
 * <li>{@code writableDirs}: tmpfs nosuid,nodev,noexec, mode 0700, owned by the dm uid/gid (before
 *     the binds: a bind below one, a device model built under /tmp, then lands on top of it);</li>
 * <li>each bind at the same path (files onto empty files, directories onto directories), each
 *     remounted {@code MS_RDONLY|MS_NOSUID|MS_NODEV};</li>
 * <li>{@code files}: each opened here (O_PATH, no symlink on the way), checked to be the regular
 *     file the plan checked, and bound from the open file ({@code /proc/self/fd/N} as the bind
 *     source: mount(2) resolves the magic link to the opened file itself, so a tenant who swaps a
 *     name on the path after the open changes nothing), then read-only, nosuid, nodev, noexec;</li>
 * <li>{@code /dev}: its own tmpfs (nosuid, noexec, but not nodev) with the planned nodes (mknod),
 *     then remounted read-only (device nodes stay usable).</li>
 * </ol>
 */
final class RootTree {
    private static final long DEFAULT_TMPFS_BYTES = 8L << 20;

    /** A canonical bind source and whether it is a directory (read at prepare). */
    record Bind(String path, boolean dir) {}

    private final FilesystemStep step;
    private final String root;
    private final FilesystemSection section;
    private final List<Bind> binds;
    private final Map<String, String> symlinks;
    private final int uid, gid;

    RootTree(FilesystemStep step, String root, FilesystemSection section, List<Bind> binds, int uid, int gid) {
        this.step = step;
        this.root = root;
        this.section = section;
        this.binds = binds;
        this.symlinks = new TreeMap<>(section.symlinks()); // parents first
        this.uid = uid;
        this.gid = gid;
    }

    /** Builds it all on the mount point; the caller holds umask 0. */
    void build(LibC c) throws LaunchException {
        long tmpfsBytes = section.tmpfsBytes() == 0 ? DEFAULT_TMPFS_BYTES : section.tmpfsBytes();
        step.check(c.mount("tmpfs", root, "tmpfs", Sys.MS_NOSUID | Sys.MS_NODEV, "mode=0755,size=4m"),
                "mount tmpfs on " + root);
        for (Map.Entry<String, String> e : symlinks.entrySet()) {
            String at = root + e.getKey();
            mkdirs(c, parent(e.getKey()));
            if (c.symlink(e.getValue(), at) < 0) {
                int err = Sys.errno();
                if (!(err == Sys.EEXIST && e.getValue().equals(readLink(at)))) {
                    throw step.fail(err, "symlink " + e.getKey() + " -> " + e.getValue());
                }
            }
        }
        for (String w : section.writableDirs()) {
            mkdirs(c, w);
            step.check(c.mount("tmpfs", root + w, "tmpfs", Sys.MS_NOSUID | Sys.MS_NODEV | Sys.MS_NOEXEC,
                    "mode=0700,uid=" + Integer.toUnsignedString(uid) + ",gid=" + Integer.toUnsignedString(gid)
                            + ",size=" + tmpfsBytes), "mount writable tmpfs on " + w);
        }
        for (Bind b : binds) {
            bind(c, b);
        }
        for (RootFile f : section.files()) {
            bindOpenedFile(c, f);
        }
        if (!section.devices().isEmpty()) {
            devices(c);
        }
    }

    private void bind(LibC c, Bind b) throws LaunchException {
        String at = root + b.path();
        mkdirs(c, parent(b.path()));
        if (!Files.exists(Path.of(at), LinkOption.NOFOLLOW_LINKS)) {
            if (b.dir()) {
                step.check(c.mkdir(at, 0755), "mkdir " + b.path());
            } else {
                emptyFile(c, at, b.path());
            }
        }
        step.check(c.mount(b.path(), at, null, Sys.MS_BIND, null), "bind " + b.path());
        step.check(c.mount(null, at, null, PivotRoot.RO_BIND, null), "remount read-only " + b.path());
    }

    private void devices(LibC c) throws LaunchException {
        String dev = root + "/dev";
        mkdirs(c, "/dev");
        step.check(c.mount("tmpfs", dev, "tmpfs", Sys.MS_NOSUID | Sys.MS_NOEXEC, "mode=0755,size=64k"),
                "mount tmpfs on /dev");
        for (DeviceNode d : section.devices()) {
            String rel = "/dev/" + d.name();
            mkdirs(c, parent(rel));
            step.check(c.mknod(root + rel, Sys.S_IFCHR | d.mode(), Sys.makedev(d.major(), d.minor())),
                    "mknod " + rel + " c " + d.major() + " " + d.minor());
        }
        step.check(c.mount(null, dev, null, Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY | Sys.MS_NOSUID
                | Sys.MS_NOEXEC, null), "remount /dev read-only");
    }

    private void bindOpenedFile(LibC c, RootFile f) throws LaunchException {
        SafeFile.Opened o = SafeFile.open(f.hostPath(), Sys.O_PATH, 0);
        if (!o.ok()) {
            throw step.fail(o.errno(), "file " + f.at() + ": open " + f.hostPath()
                    + (o.errno() == Sys.ELOOP ? " (a symlink on the path: refused)" : ""));
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.regular()) {
                throw step.fail(st == null ? Sys.errno() : Sys.EINVAL, "file " + f.at() + ": " + f.hostPath() + " is "
                        + (st == null ? "not fstat-able" : st.typeName() + ", not a regular file"));
            }
            if (!f.identity().equals(st.identity())) {
                throw step.fail(Sys.ESTALE, "file " + f.at() + ": " + f.hostPath() + " is not the file the plan checked "
                        + "(dev:ino " + st.identity() + ", planned " + f.identity() + "): it was replaced after planning");
            }
            String at = root + f.at();
            mkdirs(c, parent(f.at()));
            emptyFile(c, at, f.at());
            step.check(c.mount("/proc/self/fd/" + o.fd(), at, null, Sys.MS_BIND, null),
                    "bind " + f.at() + " from its open file");
            step.check(c.mount(null, at, null, PivotRoot.RO_BIND | Sys.MS_NOEXEC, null), "remount read-only " + f.at());
        } finally {
            SafeFile.close(o.fd());
        }
    }

    /** An empty file to bind a file onto. */
    private void emptyFile(LibC c, String at, String inRoot) throws LaunchException {
        int fd = c.open(at, Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, 0444);
        step.check(fd, "create mount point " + inRoot);
        c.close(fd);
    }

    /** mkdir -p of {@code path} inside the new root, refusing to pass through symlinks. */
    private void mkdirs(LibC c, String path) throws LaunchException {
        if (path.equals("/") || path.isEmpty()) {
            return;
        }
        StringBuilder at = new StringBuilder(root);
        for (String comp : path.substring(1).split("/")) {
            at.append('/').append(comp);
            String p = at.toString();
            if (c.mkdir(p, 0755) == 0) {
                continue;
            }
            int err = Sys.errno();
            if (err != Sys.EEXIST) {
                throw step.fail(err, "mkdir " + p.substring(root.length()));
            }
            if (!Files.isDirectory(Path.of(p), LinkOption.NOFOLLOW_LINKS)) {
                throw step.fail(Sys.ENOTDIR, p.substring(root.length()) + " exists in the root and is not a directory"
                        + " (symlink on the way?)");
            }
        }
    }

    private static String parent(String p) {
        int i = p.lastIndexOf('/');
        return i <= 0 ? "/" : p.substring(0, i);
    }

    private static String readLink(String p) {
        try {
            return Files.readSymbolicLink(Path.of(p)).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
