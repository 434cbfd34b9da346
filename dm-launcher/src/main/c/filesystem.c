/* The filesystem layer's step (4th): the per-domain root, built inside the private mount namespace
 * and pivoted into, in three units: what the host must hold for it (here, at prepare: the mount
 * point and every bind source exist and are canonical), building the tree (root_tree.c) and the
 * pivot (pivot_root.c). Nothing is created on the host: every mount lives in the launcher's mount
 * namespace only. */
#include "filesystem.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct root_tree tree;

static bool present(const struct spec *s) { return s->filesystem.present; }

static int canonical(struct ctx *c, const char *p, const char *what, char **out) {
    *out = realpath(p, NULL);
    if (*out == NULL) {
        int err = errno;
        if (err == ENOENT) return fail(c, ENOENT, "%s %s does not exist", what, p);
        return fail(c, EIO, "%s %s: %s", what, p, strerror(err));
    }
    return 0;
}

static int depth(const char *p) {
    int n = 0;
    for (; *p; p++) n += *p == '/';
    return n;
}

static int by_depth(const void *a, const void *b) {
    const char *x = *(char *const *) a, *y = *(char *const *) b;
    int d = depth(x) - depth(y);
    return d != 0 ? d : strcmp(x, y);
}

static int prepare(struct ctx *c) {
    const struct filesystem_section *r = &c->spec->filesystem;
    char *root;
    if (canonical(c, r->mount_point, "mountPoint", &root) < 0) return -1;
    struct stat st;
    if (lstat(root, &st) != 0 || !S_ISDIR(st.st_mode)) return fail(c, ENOTDIR, "mountPoint %s is not a directory", root);
    if (strcmp(root, "/") == 0) return fail(c, EINVAL, "mountPoint must not be /");
    /* parents before children, so a bind below another lands on top of it */
    size_t n = r->read_only_binds.n;
    char **sorted = calloc(n + 1, sizeof(char *));
    tree.binds = calloc(n + 1, sizeof(struct bind));
    if (!sorted || !tree.binds) abort();
    memcpy(sorted, r->read_only_binds.v, n * sizeof(char *));
    qsort(sorted, n, sizeof(char *), by_depth);
    for (size_t i = 0; i < n; i++) {
        char *canon;
        if (canonical(c, sorted[i], "bind", &canon) < 0) return -1;
        if (strcmp(canon, sorted[i]) != 0) {
            return fail(c, EINVAL, "bind %s is not canonical (resolves to %s): plan the symlink and bind its target",
                    sorted[i], canon);
        }
        free(canon);
        if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) continue; /* sorted: duplicates are neighbours */
        bool dir = lstat(sorted[i], &st) == 0 && S_ISDIR(st.st_mode);
        tree.binds[tree.n_binds++] = (struct bind) { sorted[i], dir };
    }
    tree.root = root;
    tree.section = r;
    /* the writable tmpfs belongs to the dm uid */
    tree.uid = c->spec->dac.present ? (unsigned) c->spec->dac.uid : 0;
    tree.gid = c->spec->dac.present ? (unsigned) c->spec->dac.gid : 0;
    return 0;
}

static int apply(struct ctx *c) {
    mode_t old = umask(0);
    int rc = root_tree_build(c, &tree);
    if (rc == 0) rc = pivot_into(c, tree.root);
    umask(old);
    return rc;
}

const struct step filesystem_step = { "filesystem", "filesystem", present, prepare, apply, NULL };
