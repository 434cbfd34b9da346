package dev.dmjail.launcher.step;

import dev.dmjail.launcher.LaunchException;
import dev.dmjail.launcher.sys.LibC;
import dev.dmjail.launcher.sys.Sys;

/**
 * The filesystem step's last unit: pivot_root(new, new/.old), chdir("/"), umount2("/.old",
 * MNT_DETACH), rmdir("/.old"), and finally "/" remounted read-only (a bind remount: a per-mount
 * flag, shown as "ro" in mountinfo). After it the host's file system is out of reach.
 */
final class PivotRoot {
    static final long RO_BIND = Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY | Sys.MS_NOSUID | Sys.MS_NODEV;

    private final FilesystemStep step;
    private final String root;

    PivotRoot(FilesystemStep step, String root) {
        this.step = step;
        this.root = root;
    }

    /** Every call made after the pivot, once, harmlessly (they all fail with ENOENT). */
    static void preload() {
        LibC c = Sys.libc();
        c.chdir("");
        c.umount2("", 0);
        c.rmdir("");
        c.mount(null, "", null, 0, null);
    }

    void into(LibC c, LaunchContext ctx) throws LaunchException {
        String old = root + "/.old";
        step.check(c.mkdir(old, 0700), "mkdir /.old");
        step.check(c.syscall(Sys.SYS_pivot_root, root, old), "pivot_root " + root);
        ctx.pivoted = true;
        step.check(c.chdir("/"), "chdir / after pivot_root");
        step.check(c.umount2("/.old", Sys.MNT_DETACH), "umount2 /.old");
        step.check(c.rmdir("/.old"), "rmdir /.old");
        step.check(c.mount(null, "/", null, RO_BIND, null), "remount / read-only");
    }
}
