/* The filesystem step's tree, built on the mount point before the pivot, in this order:
 *  1. tmpfs (mode 0755, nosuid, nodev) on the mount point;
 *  2. writableDirs: tmpfs nosuid,nodev,noexec, mode 0700, owned by the dm uid/gid (before the symlinks
 *     and the binds: one below a writable dir, a device model under /tmp reached through a symlink,
 *     then lands on top of its tmpfs instead of being hidden by it);
 *  3. the planned symlinks, recreated as symlinks (parents first);
 *  4. each bind at the same path (files onto empty files, directories onto directories), opened
 *     here like the files of 5 (no symlink on the way, dev:ino the plan saw, bound from the open
 *     file), each remounted MS_RDONLY|MS_NOSUID|MS_NODEV;
 *  5. files: each opened here (O_PATH, no symlink on the way), checked to be the regular file the
 *     plan checked, and bound from the open file (/proc/self/fd/N as the bind source: mount(2)
 *     resolves the magic link to the opened file itself, so a tenant who swaps a name on the path
 *     after the open changes nothing), then read-only, nosuid, nodev, noexec;
 *  6. /dev: its own tmpfs (nosuid, noexec, but not nodev) with the planned nodes (mknod), then
 *     remounted read-only (device nodes stay usable). */
#include "filesystem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define DEFAULT_TMPFS_BYTES (8LL << 20)

/* root + rel into buf; -1 (ENAMETOOLONG) when it does not fit */
static int in_root(struct ctx *c, char *buf, const char *root, const char *rel) {
    if ((size_t) snprintf(buf, PATH_MAX_ROOT, "%s%s", root, rel) >= PATH_MAX_ROOT) {
        return fail(c, ENAMETOOLONG, "%s: path too long in the root", rel);
    }
    return 0;
}

/* mkdir -p of path inside the new root, refusing to pass through symlinks. */
static int mkdirs(struct ctx *c, const char *root, const char *path) {
    if (path[0] == '\0' || strcmp(path, "/") == 0) return 0;
    char p[PATH_MAX_ROOT];
    if (in_root(c, p, root, path) < 0) return -1;
    size_t skip = strlen(root);
    for (char *s = p + skip + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char saved = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0) {
            int err = errno;
            struct stat st;
            if (err != EEXIST) return fail(c, err, "mkdir %s", p + skip);
            if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
                return fail(c, ENOTDIR, "%s exists in the root and is not a directory (symlink on the way?)", p + skip);
            }
        }
        *s = saved;
        if (saved == '\0') return 0;
    }
}

static void parent(const char *p, char *out) {
    const char *slash = strrchr(p, '/');
    size_t n = slash == NULL || slash == p ? 1 : (size_t) (slash - p);
    memcpy(out, slash == NULL ? "/" : p, n);
    out[n] = '\0';
}

static int mkparents(struct ctx *c, const char *root, const char *path) {
    char par[PATH_MAX_ROOT];
    parent(path, par);
    return mkdirs(c, root, par);
}

/* An empty file to bind a file onto. */
static int empty_file(struct ctx *c, const char *at, const char *in_root_path) {
    int fd = open(at, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) return fail(c, errno, "create mount point %s", in_root_path);
    close(fd);
    return 0;
}

static int by_key(const void *a, const void *b) {
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int symlinks(struct ctx *c, const struct root_tree *t) {
    const struct strmap *m = &t->section->symlinks;
    size_t n = m->n;
    char **keys = calloc(n + 1, sizeof(char *));
    if (!keys) abort();
    memcpy(keys, m->keys, n * sizeof(char *));
    qsort(keys, n, sizeof(char *), by_key); /* parents first */
    for (size_t i = 0; i < n; i++) {
        const char *target = NULL;
        for (size_t j = 0; j < n; j++) if (m->keys[j] == keys[i]) target = m->vals[j];
        char at[PATH_MAX_ROOT];
        if (mkparents(c, t->root, keys[i]) < 0 || in_root(c, at, t->root, keys[i]) < 0) return -1;
        if (symlink(target, at) != 0) {
            int err = errno;
            char have[PATH_MAX_ROOT];
            ssize_t len = err == EEXIST ? readlink(at, have, sizeof have - 1) : -1;
            if (len >= 0) have[len] = '\0';
            if (!(len >= 0 && strcmp(have, target) == 0)) return fail(c, err, "symlink %s -> %s", keys[i], target);
        }
    }
    free(keys);
    return 0;
}

/* Mounts the file open on fd at `at` in the root, then read-only (and `extra`). The source is
 * /proc/self/fd/N: mount(2) resolves that magic link to the opened file itself, so a name on the
 * host path swapped after the open changes nothing. Not open_tree(2)/move_mount(2) (5.2+, here on
 * 6.x): the same guarantee, but a second mechanism next to the kernel files' for no gain, and the
 * host's /proc is still mounted at this step (before the pivot). */
static int mount_from_fd(struct ctx *c, int fd, const char *at, const char *rel, unsigned long extra) {
    char src[64];
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    if (check(c, mount(src, at, NULL, MS_BIND, NULL), "bind %s from its open file", rel) < 0) return -1;
    return check(c, mount(NULL, at, NULL, RO_BIND | extra, NULL), "remount read-only %s", rel);
}

/* Opens a planned host file or directory with no symlink on the way (O_PATH: no read access needed,
 * no device opened, a FIFO not waited on) and checks on that fd that it is what the plan checked:
 * its type, and the dev:ino the toolstack saw on its own fd. Returns the fd, or -1 (failure set). */
static int open_planned(struct ctx *c, const char *what, const char *path, const char *identity, struct stat *st) {
    int fd = safe_open(path, O_PATH, 0);
    if (fd < 0) {
        int err = errno;
        return fail(c, err, "%s: open %s%s", what, path, err == ELOOP ? " (a symlink on the path: refused)" : "");
    }
    char id[64];
    if (fstat(fd, st) != 0) {
        fail(c, errno, "%s: %s is not fstat-able", what, path);
    } else if (file_identity(st, id, sizeof id), strcmp(id, identity) != 0) {
        fail(c, ESTALE, "%s: %s is not the file the plan checked (dev:ino %s, planned %s): it was replaced after "
                "planning", what, path, id, identity);
    } else {
        return fd;
    }
    close(fd);
    return -1;
}

/* A read-only bind: a regular file onto an empty file, a directory onto a directory, from the open
 * source (anything else, a device node or a socket swapped in, is refused). */
static int bind(struct ctx *c, const struct root_tree *t, const struct bind *b) {
    struct stat st, here;
    int fd = open_planned(c, "bind", b->path, b->identity, &st);
    if (fd < 0) return -1;
    char at[PATH_MAX_ROOT];
    int rc = -1;
    bool dir = S_ISDIR(st.st_mode);
    if (!dir && !S_ISREG(st.st_mode)) {
        fail(c, EINVAL, "bind: %s is %s, not a regular file or a directory", b->path, file_type_name(st.st_mode));
    } else if (mkparents(c, t->root, b->path) == 0 && in_root(c, at, t->root, b->path) == 0) {
        if (lstat(at, &here) == 0) rc = 0;
        else if (dir) rc = check(c, mkdir(at, 0755), "mkdir %s", b->path);
        else rc = empty_file(c, at, b->path);
        if (rc == 0) rc = mount_from_fd(c, fd, at, b->path, 0);
    }
    close(fd);
    return rc;
}

static int bind_opened_file(struct ctx *c, const struct root_tree *t, const struct root_file *f) {
    char what[PATH_MAX_ROOT + 8];
    snprintf(what, sizeof what, "file %s", f->at);
    struct stat st;
    int fd = open_planned(c, what, f->host_path, f->identity, &st);
    if (fd < 0) return -1;
    int rc = -1;
    char at[PATH_MAX_ROOT];
    if (!S_ISREG(st.st_mode)) {
        fail(c, EINVAL, "file %s: %s is %s, not a regular file", f->at, f->host_path, file_type_name(st.st_mode));
    } else if (mkparents(c, t->root, f->at) == 0 && in_root(c, at, t->root, f->at) == 0
            && empty_file(c, at, f->at) == 0) {
        rc = mount_from_fd(c, fd, at, f->at, MS_NOEXEC);
    }
    close(fd);
    return rc;
}

static int devices(struct ctx *c, const struct root_tree *t) {
    char dev[PATH_MAX_ROOT];
    if (mkdirs(c, t->root, "/dev") < 0 || in_root(c, dev, t->root, "/dev") < 0) return -1;
    if (check(c, mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k"), "mount tmpfs on /dev") < 0) {
        return -1;
    }
    for (size_t i = 0; i < t->section->devices.n; i++) {
        const struct device_node *d = &t->section->devices.v[i];
        char rel[PATH_MAX_ROOT], at[PATH_MAX_ROOT];
        snprintf(rel, sizeof rel, "/dev/%s", d->name);
        if (mkparents(c, t->root, rel) < 0 || in_root(c, at, t->root, rel) < 0) return -1;
        if (check(c, mknod(at, S_IFCHR | (mode_t) d->mode, makedev(d->major, d->minor)), "mknod %s c %d %d", rel,
                d->major, d->minor) < 0) {
            return -1;
        }
    }
    return check(c, mount(NULL, dev, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL),
            "remount /dev read-only");
}

/* Builds it all on the mount point; the caller holds umask 0. */
int root_tree_build(struct ctx *c, const struct root_tree *t) {
    const struct filesystem_section *s = t->section;
    long long tmpfs_bytes = s->tmpfs_bytes == 0 ? DEFAULT_TMPFS_BYTES : s->tmpfs_bytes;
    if (check(c, mount("tmpfs", t->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m"), "mount tmpfs on %s",
            t->root) < 0) {
        return -1;
    }
    for (size_t i = 0; i < s->writable_dirs.n; i++) {
        const char *w = s->writable_dirs.v[i];
        char at[PATH_MAX_ROOT], opts[128];
        if (mkdirs(c, t->root, w) < 0 || in_root(c, at, t->root, w) < 0) return -1;
        snprintf(opts, sizeof opts, "mode=0700,uid=%u,gid=%u,size=%lld", t->uid, t->gid, tmpfs_bytes);
        if (check(c, mount("tmpfs", at, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts), "mount writable tmpfs on %s",
                w) < 0) {
            return -1;
        }
    }
    if (symlinks(c, t) < 0) return -1;
    for (size_t i = 0; i < t->n_binds; i++) {
        if (bind(c, t, &t->binds[i]) < 0) return -1;
    }
    for (size_t i = 0; i < s->files.n; i++) {
        if (bind_opened_file(c, t, &s->files.v[i]) < 0) return -1;
    }
    if (s->devices.n > 0 && devices(c, t) < 0) return -1;
    return 0;
}
