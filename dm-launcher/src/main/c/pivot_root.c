/* The filesystem step's last unit: pivot_root(new, new/.old), chdir("/"), umount2("/.old",
 * MNT_DETACH), rmdir("/.old"), and finally "/" remounted read-only (pivot_root(2)). After it the
 * host's file system is out of reach. */
#include "filesystem.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int pivot_into(struct ctx *c, const char *root) {
    char old[PATH_MAX_ROOT];
    snprintf(old, sizeof old, "%s/.old", root);
    if (check(c, mkdir(old, 0700), "mkdir /.old") < 0) return -1;
    if (check(c, syscall(SYS_pivot_root, root, old), "pivot_root %s", root) < 0) return -1;
    c->pivoted = true;
    if (check(c, chdir("/"), "chdir / after pivot_root") < 0) return -1;
    if (check(c, umount2("/.old", MNT_DETACH), "umount2 /.old") < 0) return -1;
    if (check(c, rmdir("/.old"), "rmdir /.old") < 0) return -1;
    return check(c, mount(NULL, "/", NULL, RO_BIND, NULL), "remount / read-only");
}
