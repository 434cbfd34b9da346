/* The filesystem layer's step (4th): the per-domain root, built inside the private mount namespace
 * and pivoted into, in three units: what the host must hold for it (here, at prepare: the mount
 * point and every bind source exist and are canonical; whether each is still the file the plan
 * checked is decided at apply, on the fd the bind is made from), building the tree (root_tree.c) and the
 * pivot (pivot_root.c). Nothing is created on the host: every mount lives in the launcher's mount
 * namespace only. */
#include "dac.h"
#include "filesystem.h"
#include "namespaces.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static struct filesystem_section filesystem;
static struct root_tree tree;

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

/* The rules hold one for every bind. */
static const char *planned_identity(const struct filesystem_section *r, const char *bind) {
    for (size_t i = 0; i < r->bind_identities.n; i++) {
        if (strcmp(r->bind_identities.keys[i], bind) == 0) return r->bind_identities.vals[i];
    }
    return NULL;
}

/* "dev:ino" in decimal (the Java record's identityShaped) */
static bool identity_shaped(const char *id) {
    if (id == NULL || id == SPEC_NUL_STRING) return false;
    size_t digits = 0, colons = 0;
    for (const char *p = id; *p; p++) {
        if (*p == ':' && digits > 0 && colons == 0) colons++, digits = 0;
        else if (*p >= '0' && *p <= '9' && digits < 20) digits++;
        else return false;
    }
    return colons == 1 && digits > 0;
}

static int prepare(struct ctx *c) {
    const struct filesystem_section *r = &filesystem;
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
        tree.binds[tree.n_binds++] = (struct bind) { sorted[i], planned_identity(r, sorted[i]) };
    }
    tree.root = root;
    tree.section = r;
    /* the writable tmpfs belongs to the dm uid (root's without a dac section) */
    if (!dac_planned_identity(&tree.uid, &tree.gid)) tree.uid = tree.gid = 0;
    return 0;
}

static int apply(struct ctx *c) {
    mode_t old = umask(0);
    int rc = root_tree_build(c, &tree);
    if (rc == 0) rc = pivot_into(c, tree.root);
    umask(old);
    return rc;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field device_node_fields[] = {
    { "name", F_STR, offsetof(struct device_node, name), NULL },
    { "major", F_INT, offsetof(struct device_node, major), NULL },
    { "minor", F_INT, offsetof(struct device_node, minor), NULL },
    { "mode", F_INT, offsetof(struct device_node, mode), NULL },
    END_OF_FIELDS };
static const struct record device_node_rec = { sizeof(struct device_node), device_node_fields };
static const struct field root_file_fields[] = {
    { "at", F_STR, offsetof(struct root_file, at), NULL },
    { "hostPath", F_STR, offsetof(struct root_file, host_path), NULL },
    { "identity", F_STR, offsetof(struct root_file, identity), NULL },
    END_OF_FIELDS };
static const struct record root_file_rec = { sizeof(struct root_file), root_file_fields };
static const struct field filesystem_fields[] = {
    { "mountPoint", F_STR, offsetof(struct filesystem_section, mount_point), NULL },
    { "readOnlyBinds", F_STRLIST, offsetof(struct filesystem_section, read_only_binds), NULL },
    { "symlinks", F_STRMAP, offsetof(struct filesystem_section, symlinks), NULL },
    { "devices", F_RECLIST, offsetof(struct filesystem_section, devices), &device_node_rec },
    { "writableDirs", F_STRLIST, offsetof(struct filesystem_section, writable_dirs), NULL },
    { "tmpfsBytes", F_LONG, offsetof(struct filesystem_section, tmpfs_bytes), NULL },
    { "files", F_RECLIST, offsetof(struct filesystem_section, files), &root_file_rec },
    { "bindIdentities", F_STRMAP, offsetof(struct filesystem_section, bind_identities), NULL },
    END_OF_FIELDS };

static int filesystem_rules(const struct filesystem_section *s, struct failure *f) {
    const char *S = "filesystem";
    if (!namespaces_mount_planned()) {
        /* the tmpfs root and its binds must live in a mount namespace of their own, or they would
         * appear on the host (and pivot_root would move the host's root) */
        return broken(f, S, EINVAL, "a private root needs a mount namespace (namespaces.mount)");
    }
    if (!path_absolute(s->mount_point)) return broken(f, S, EINVAL, "mountPoint must be an absolute path: %s", shown(s->mount_point));
    for (size_t i = 0; i < s->read_only_binds.n; i++) {
        if (!path_absolute_normal_below_root(s->read_only_binds.v[i])) {
            return broken(f, S, EINVAL, "bind must be absolute and normalized: %s", shown(s->read_only_binds.v[i]));
        }
        const char *id = planned_identity(s, s->read_only_binds.v[i]);
        if (!identity_shaped(id)) {
            return broken(f, S, EINVAL, "bind %s: no identity planned (dev:ino), got %s", s->read_only_binds.v[i], shown(id));
        }
    }
    for (size_t i = 0; i < s->bind_identities.n; i++) {
        bool bound = false;
        for (size_t j = 0; j < s->read_only_binds.n && !bound; j++) {
            bound = strcmp(s->bind_identities.keys[i], s->read_only_binds.v[j]) == 0;
        }
        if (!bound) return broken(f, S, EINVAL, "identity for %s, which is not a bind", s->bind_identities.keys[i]);
    }
    for (size_t i = 0; i < s->symlinks.n; i++) {
        if (!path_absolute_normal_below_root(s->symlinks.keys[i])) {
            return broken(f, S, EINVAL, "symlink path must be absolute and normalized: %s", s->symlinks.keys[i]);
        }
        if (s->symlinks.vals[i] == NULL || s->symlinks.vals[i][0] == '\0') {
            return broken(f, S, EINVAL, "symlink %s has no target", s->symlinks.keys[i]);
        }
    }
    for (size_t i = 0; i < s->devices.n; i++) {
        const struct device_node *d = &s->devices.v[i];
        if (d->name == NULL || d->name[0] == '/' || strncmp(d->name, "..", 2) == 0 || !path_normal_components(d->name)) {
            return broken(f, S, EINVAL, "bad device name: %s", shown(d->name));
        }
        if ((d->mode & ~07777) != 0) return broken(f, S, EINVAL, "bad mode for device %s: %o", d->name, d->mode);
    }
    for (size_t i = 0; i < s->writable_dirs.n; i++) {
        if (!path_absolute_normal_below_root(s->writable_dirs.v[i])) {
            return broken(f, S, EINVAL, "writable dir must be absolute and normalized: %s", shown(s->writable_dirs.v[i]));
        }
    }
    if (s->tmpfs_bytes < 0) return broken(f, S, EINVAL, "tmpfsBytes < 0");
    for (size_t i = 0; i < s->files.n; i++) {
        const struct root_file *r = &s->files.v[i];
        if (!path_absolute_normal_below_root(r->at)) {
            return broken(f, S, EINVAL, "file path in the root must be absolute and normalized: %s", shown(r->at));
        }
        if (!path_absolute(r->host_path)) {
            return broken(f, S, EINVAL, "file %s: host path must be absolute: %s", r->at, shown(r->host_path));
        }
        if (r->identity == NULL) return broken(f, S, EINVAL, "file %s: no identity planned", r->at);
    }
    return 0;
}

static int rules(struct failure *f) { return filesystem_rules(&filesystem, f); }

const struct step filesystem_step = { .name = "filesystem", .section = "filesystem", .data = &filesystem,
    .fields = filesystem_fields, .rules = rules, .prepare = prepare, .apply = apply };
