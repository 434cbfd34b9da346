package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.spec.DacSection;
import dev.dmjail.launcher.spec.DeviceNode;
import dev.dmjail.launcher.spec.FilesystemSection;
import dev.dmjail.launcher.sys.LibC;
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

/**
 * The filesystem layer's step (5th): the per-domain root, built inside the private mount namespace
 * and pivoted into, in three units: the section's rules ({@link FilesystemSection#validate}), what
 * the host must hold for it (here, at prepare: the mount point and every bind source exist and are
 * canonical), building the tree ({@link RootTree}) and the pivot ({@link PivotRoot}). Nothing is
 * created on the host: every mount lives in the launcher's mount namespace only.
 */
public final class FilesystemStep extends Step<FilesystemSection> {
    private RootTree tree;
    private PivotRoot pivot;

    public FilesystemStep() {
        super(FilesystemSection.NAME, FilesystemSection.class);
    }

    @Override
    public void preload() {
        PivotRoot.preload();
    }

    @Override
    public FilesystemSection trainingSection(String tmp) {
        return new FilesystemSection(tmp, List.of(), Map.of("/lib64", "usr/lib64"),
                List.of(new DeviceNode("null", 1, 3, 0666)), List.of("/tmp"), 1 << 20);
    }

    @Override
    public void prepare(LaunchContext ctx, FilesystemSection r) throws LaunchException {
        String root = canonical(r.mountPoint(), "mountPoint");
        if (!Files.isDirectory(Path.of(root), LinkOption.NOFOLLOW_LINKS)) {
            throw fail(Sys.ENOTDIR, "mountPoint " + root + " is not a directory");
        }
        if (root.equals("/")) {
            throw fail(Sys.EINVAL, "mountPoint must not be /");
        }
        // parents before children, so a bind below another lands on top of it
        List<String> sorted = new ArrayList<>(r.readOnlyBinds());
        sorted.sort(Comparator.comparingInt(FilesystemStep::depth).thenComparing(s -> s));
        List<RootTree.Bind> binds = new ArrayList<>();
        for (String b : sorted) {
            String c = canonical(b, "bind");
            if (!c.equals(b)) {
                throw fail(Sys.EINVAL, "bind " + b + " is not canonical (resolves to " + c
                        + "): plan the symlink and bind its target");
            }
            RootTree.Bind bind = new RootTree.Bind(b, Files.isDirectory(Path.of(b), LinkOption.NOFOLLOW_LINKS));
            if (!binds.contains(bind)) {
                binds.add(bind);
            }
        }
        DacSection id = ctx.spec.section(DacSection.class); // the writable tmpfs belongs to the dm uid
        tree = new RootTree(this, root, r, binds, id == null ? 0 : id.uid(), id == null ? 0 : id.gid());
        pivot = new PivotRoot(this, root);
    }

    @Override
    public void apply(LaunchContext ctx, FilesystemSection r) throws LaunchException {
        LibC c = Sys.libc();
        int oldMask = c.umask(0);
        try {
            tree.build(c);
            pivot.into(c, ctx);
        } finally {
            c.umask(oldMask);
        }
    }

    private String canonical(String p, String what) throws LaunchException {
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
}
