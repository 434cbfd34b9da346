package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.LaunchSpec.DeviceNode;
import dev.dmjail.launcher.spec.LaunchSpec.IdentitySpec;
import dev.dmjail.launcher.spec.LaunchSpec.RootFile;
import dev.dmjail.launcher.spec.LaunchSpec.RootSpec;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.SafeFile;
import dev.dmjail.launcher.sys.Sys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Step 5, "root": builds the per-domain root inside the private mount namespace and pivots into it.
 *
 * <ol>
 * <li>tmpfs (mode 0755, nosuid, nodev) on {@code mountPoint};</li>
 * <li>the planned symlinks, recreated as symlinks;</li>
 * <li>each {@code readOnlyBinds} path bound at the same path (files onto empty files, directories
 *     onto directories), each bind remounted {@code MS_RDONLY|MS_NOSUID|MS_NODEV};</li>
 * <li>{@code /dev}: its own tmpfs (nosuid, noexec, but not nodev) with the planned nodes
 *     (mknod), then remounted read-only (device nodes stay usable);</li>
 * <li>{@code writableDirs}: tmpfs nosuid,nodev,noexec, mode 0700, owned by the dm uid/gid;</li>
 * <li>{@code files}: each opened here (O_PATH, no symlink on the way), checked to be the regular
 *     file the plan checked, and bound from the open file ({@code /proc/self/fd/N} as the bind
 *     source: mount(2) resolves the magic link to the opened file itself, so a tenant who swaps a
 *     name on the path after the open changes nothing), then read-only, nosuid, nodev, noexec;</li>
 * <li>pivot_root(new, new/.old), chdir("/"), umount2("/.old", MNT_DETACH), rmdir("/.old"), and
 *     finally "/" remounted read-only (bind remount: a per-mount flag, shown as "ro" in
 *     mountinfo).</li>
 * </ol>
 * Bind sources must be canonical (no symlink on the way, {@code toRealPath()} of themselves): the
 * symlinks on the way are planned separately ({@code symlinks}), which is exactly what
 * {@code ElfDependencies} returns. Nothing is created on the host: every mount lives in the
 * launcher's mount namespace only.
 */
public final class RootStep extends Step {
    private static final long DEFAULT_TMPFS_BYTES = 8L << 20;
    private static final long RO_BIND = Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY | Sys.MS_NOSUID | Sys.MS_NODEV;

    private final List<String> binds = new ArrayList<>();
    private final List<Boolean> bindIsDir = new ArrayList<>();
    private final Map<String, String> symlinks = new TreeMap<>();
    private String root;

    public RootStep() {
        super("root");
    }

    @Override
    public void preload() {
        LibC c = Sys.libc(); // after pivot_root: chdir, detach the old root, remount / read-only
        c.chdir("");                      // ENOENT
        c.umount2("", 0);                 // ENOENT
        c.rmdir("");                      // ENOENT
        c.mount(null, "", null, 0, null); // ENOENT
    }

    @Override
    public void prepare(LaunchContext ctx) throws LaunchException {
        RootSpec r = ctx.spec.root();
        if (r == null) {
            return;
        }
        if (ctx.spec.namespaces() == null || !ctx.spec.namespaces().mount()) {
            throw fail(Sys.EINVAL, "a private root needs a mount namespace (namespaces.mount)");
        }
        root = canonical(r.mountPoint(), "mountPoint");
        if (!Files.isDirectory(Path.of(root), LinkOption.NOFOLLOW_LINKS)) {
            throw fail(Sys.ENOTDIR, "mountPoint " + root + " is not a directory");
        }
        if (root.equals("/")) {
            throw fail(Sys.EINVAL, "mountPoint must not be /");
        }
        List<String> sorted = new ArrayList<>(r.readOnlyBinds());
        sorted.sort(Comparator.comparingInt((String s) -> depth(s)).thenComparing(s -> s));
        for (String b : sorted) {
            String c = canonical(b, "bind");
            if (!c.equals(b)) {
                throw fail(Sys.EINVAL, "bind " + b + " is not canonical (resolves to " + c
                        + "): plan the symlink and bind its target");
            }
            if (binds.contains(b)) {
                continue;
            }
            binds.add(b);
            bindIsDir.add(Files.isDirectory(Path.of(b), LinkOption.NOFOLLOW_LINKS));
        }
        for (Map.Entry<String, String> e : r.symlinks().entrySet()) {
            String link = e.getKey();
            if (link == null || !link.startsWith("/") || link.equals("/")
                    || !Path.of(link).normalize().toString().equals(link)) {
                throw fail(Sys.EINVAL, "symlink path must be absolute and normalized: " + link);
            }
            if (e.getValue() == null || e.getValue().isEmpty()) {
                throw fail(Sys.EINVAL, "symlink " + link + " has no target");
            }
            symlinks.put(link, e.getValue());
        }
        for (DeviceNode d : r.devices()) {
            if (d.name() == null || d.name().isEmpty() || d.name().startsWith("/")
                    || !Path.of(d.name()).normalize().toString().equals(d.name()) || d.name().startsWith("..")) {
                throw fail(Sys.EINVAL, "bad device name: " + d.name());
            }
            if ((d.mode() & ~07777) != 0) {
                throw fail(Sys.EINVAL, "bad mode for device " + d.name() + ": " + Integer.toOctalString(d.mode()));
            }
        }
        for (String w : r.writableDirs()) {
            if (w == null || !w.startsWith("/") || w.equals("/") || !Path.of(w).normalize().toString().equals(w)) {
                throw fail(Sys.EINVAL, "writable dir must be absolute and normalized: " + w);
            }
        }
        if (r.tmpfsBytes() < 0) {
            throw fail(Sys.EINVAL, "tmpfsBytes < 0");
        }
        for (RootFile f : r.files()) {
            if (f.at() == null || !f.at().startsWith("/") || f.at().equals("/")
                    || !Path.of(f.at()).normalize().toString().equals(f.at())) {
                throw fail(Sys.EINVAL, "file path in the root must be absolute and normalized: " + f.at());
            }
            if (f.hostPath() == null || !f.hostPath().startsWith("/")) {
                throw fail(Sys.EINVAL, "file " + f.at() + ": host path must be absolute: " + f.hostPath());
            }
            if (f.identity() == null) {
                throw fail(Sys.EINVAL, "file " + f.at() + ": no identity planned");
            }
        }
    }

    private String canonical(String p, String what) throws LaunchException {
        if (p == null || !p.startsWith("/")) {
            throw fail(Sys.EINVAL, what + " must be an absolute path: " + p);
        }
        try {
            return Path.of(p).toRealPath().toString();
        } catch (NoSuchFileException e) {
            throw fail(Sys.ENOENT, what + " " + p + " does not exist");
        } catch (IOException e) {
            throw fail(Sys.EIO, what + " " + p + ": " + e);
        }
    }

    private static int depth(String p) {
        int n = 0;
        for (int i = 0; i < p.length(); i++) {
            if (p.charAt(i) == '/') n++;
        }
        return n;
    }

    @Override
    public void apply(LaunchContext ctx) throws LaunchException {
        RootSpec r = ctx.spec.root();
        if (r == null) {
            return;
        }
        LibC c = Sys.libc();
        long tmpfsBytes = r.tmpfsBytes() == 0 ? DEFAULT_TMPFS_BYTES : r.tmpfsBytes();
        IdentitySpec id = ctx.spec.identity();
        int uid = id == null ? 0 : id.uid(), gid = id == null ? 0 : id.gid();
        int oldMask = c.umask(0);
        try {
            check(c.mount("tmpfs", root, "tmpfs", Sys.MS_NOSUID | Sys.MS_NODEV, "mode=0755,size=4m"),
                    "mount tmpfs on " + root);
            for (Map.Entry<String, String> e : symlinks.entrySet()) {
                String at = root + e.getKey();
                mkdirs(c, parent(e.getKey()));
                if (c.symlink(e.getValue(), at) < 0) {
                    int err = Sys.errno();
                    if (!(err == Sys.EEXIST && e.getValue().equals(readLink(at)))) {
                        throw fail(err, "symlink " + e.getKey() + " -> " + e.getValue());
                    }
                }
            }
            // Writable dirs before the binds: a bind below one (a device model built under /tmp, as
            // in a checkout there) then lands on top of the tmpfs instead of being hidden by it.
            for (String w : r.writableDirs()) {
                mkdirs(c, w);
                check(c.mount("tmpfs", root + w, "tmpfs", Sys.MS_NOSUID | Sys.MS_NODEV | Sys.MS_NOEXEC,
                        "mode=0700,uid=" + Integer.toUnsignedString(uid) + ",gid=" + Integer.toUnsignedString(gid)
                                + ",size=" + tmpfsBytes), "mount writable tmpfs on " + w);
            }
            for (int i = 0; i < binds.size(); i++) {
                String b = binds.get(i);
                String at = root + b;
                mkdirs(c, parent(b));
                if (!Files.exists(Path.of(at), LinkOption.NOFOLLOW_LINKS)) {
                    if (bindIsDir.get(i)) {
                        check(c.mkdir(at, 0755), "mkdir " + b);
                    } else {
                        int fd = c.open(at, Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, 0444);
                        check(fd, "create mount point " + b);
                        c.close(fd);
                    }
                }
                check(c.mount(b, at, null, Sys.MS_BIND, null), "bind " + b);
                check(c.mount(null, at, null, RO_BIND, null), "remount read-only " + b);
            }
            for (RootFile f : r.files()) {
                bindOpenedFile(c, f);
            }
            if (!r.devices().isEmpty()) {
                String dev = root + "/dev";
                mkdirs(c, "/dev");
                check(c.mount("tmpfs", dev, "tmpfs", Sys.MS_NOSUID | Sys.MS_NOEXEC, "mode=0755,size=64k"),
                        "mount tmpfs on /dev");
                for (DeviceNode d : r.devices()) {
                    String rel = "/dev/" + d.name();
                    mkdirs(c, parent(rel));
                    check(c.mknod(root + rel, Sys.S_IFCHR | d.mode(), Sys.makedev(d.major(), d.minor())),
                            "mknod " + rel + " c " + d.major() + " " + d.minor());
                }
                check(c.mount(null, dev, null, Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY | Sys.MS_NOSUID
                        | Sys.MS_NOEXEC, null), "remount /dev read-only");
            }
            String old = root + "/.old";
            check(c.mkdir(old, 0700), "mkdir /.old");
            check(c.syscall(Sys.SYS_pivot_root, root, old), "pivot_root " + root);
            ctx.pivoted = true;
            check(c.chdir("/"), "chdir / after pivot_root");
            check(c.umount2("/.old", Sys.MNT_DETACH), "umount2 /.old");
            check(c.rmdir("/.old"), "rmdir /.old");
            check(c.mount(null, "/", null, RO_BIND, null), "remount / read-only");
        } finally {
            c.umask(oldMask);
        }
    }

    private void bindOpenedFile(LibC c, RootFile f) throws LaunchException {
        SafeFile.Opened o = SafeFile.open(f.hostPath(), Sys.O_PATH, 0);
        if (!o.ok()) {
            throw fail(o.errno(), "file " + f.at() + ": open " + f.hostPath()
                    + (o.errno() == Sys.ELOOP ? " (a symlink on the path: refused)" : ""));
        }
        try {
            SafeFile.Stat st = SafeFile.fstat(o.fd());
            if (st == null || !st.regular()) {
                throw fail(st == null ? Sys.errno() : Sys.EINVAL, "file " + f.at() + ": " + f.hostPath() + " is "
                        + (st == null ? "not fstat-able" : st.typeName() + ", not a regular file"));
            }
            if (!f.identity().equals(st.identity())) {
                throw fail(Sys.ESTALE, "file " + f.at() + ": " + f.hostPath() + " is not the file the plan checked "
                        + "(dev:ino " + st.identity() + ", planned " + f.identity() + "): it was replaced after planning");
            }
            String at = root + f.at();
            mkdirs(c, parent(f.at()));
            int mp = c.open(at, Sys.O_WRONLY | Sys.O_CREAT | Sys.O_EXCL | Sys.O_NOFOLLOW | Sys.O_CLOEXEC, 0444);
            check(mp, "create mount point " + f.at());
            c.close(mp);
            check(c.mount("/proc/self/fd/" + o.fd(), at, null, Sys.MS_BIND, null), "bind " + f.at() + " from its open file");
            check(c.mount(null, at, null, RO_BIND | Sys.MS_NOEXEC, null), "remount read-only " + f.at());
        } finally {
            SafeFile.close(o.fd());
        }
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
                throw fail(err, "mkdir " + p.substring(root.length()));
            }
            if (!Files.isDirectory(Path.of(p), LinkOption.NOFOLLOW_LINKS)) {
                throw fail(Sys.ENOTDIR, p.substring(root.length()) + " exists in the root and is not a directory"
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
