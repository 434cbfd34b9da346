/* Every section's own rules, checked before any step prepares: the validate() of each Java section
 * record (dev.dmjail.launcher.spec), rule for rule, with the same errno and words. Pure checks, no
 * host access. */
#include "launcher.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HOST_NAME_MAX_BYTES 64   /* include/uapi/linux/utsname.h __NEW_UTS_LEN */
#define SUN_PATH_MAX 108         /* sizeof(sockaddr_un.sun_path), include/uapi/linux/un.h */
#define AF_UNIX_FAMILY 1

static int broken(struct failure *f, const char *section, int err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int broken(struct failure *f, const char *section, int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    f->step = section;
    f->err = err;
    return -1;
}

static const char *str(const char *s) {
    return s == NULL ? "null" : s == SPEC_NUL_STRING ? "<string with a NUL byte>" : s;
}

static bool absolute(const char *p) {
    return p != NULL && p[0] == '/';
}

/* Every '/'-separated component non-empty and neither "." nor ".." (what java.nio's
 * Path.of(p).normalize().toString().equals(p) holds for). */
static bool normal_components(const char *p) {
    if (*p == '\0') return false;
    for (const char *c = p;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t) (e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return false;
        if (!e) return true;
        c = e + 1;
    }
}

/* Absolute, not "/", and normalized (no "..", ".", "//" or trailing slash). */
static bool absolute_normal_below_root(const char *p) {
    return absolute(p) && strcmp(p, "/") != 0 && normal_components(p + 1);
}

/* The portable subset of a network interface name (FdSpec.INTERFACE_NAME): IFNAMSIZ is 16 with
 * the NUL (include/uapi/linux/if.h), dev_valid_name() refuses '/', ':' and whitespace. */
static bool valid_interface_name(const char *n) {
    if (n == NULL || n == SPEC_NUL_STRING) return false;
    size_t len = strlen(n);
    if (len < 1 || len > 15) return false;
    for (const char *c = n; *c; c++) {
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'
                || *c == '.' || *c == '-')) return false;
    }
    return true;
}

static int exec_rules(const struct exec_section *e, struct failure *f) {
    const char *S = "exec";
    if (!absolute(e->path)) return broken(f, S, EINVAL, "exec.path must be absolute");
    if (e->argv.n == 0) return broken(f, S, EINVAL, "exec.argv must hold argv[0]");
    if (e->cwd != NULL && !absolute(e->cwd)) return broken(f, S, EINVAL, "exec.cwd must be absolute");
    for (size_t i = 0; i < e->env.n; i++) {
        const char *k = e->env.keys[i], *v = e->env.vals[i];
        if (k[0] == '\0' || strchr(k, '=') || v == NULL || v == SPEC_NUL_STRING) {
            return broken(f, S, EINVAL, "bad environment entry %s", k);
        }
    }
    for (size_t i = 0; i < e->argv.n; i++) {
        if (e->argv.v[i] == NULL || e->argv.v[i] == SPEC_NUL_STRING) return broken(f, S, EINVAL, "bad argv entry");
    }
    return 0;
}

static int fds_env_rules(const struct fds_env_section *s, struct failure *f) {
    const char *S = "fds-env";
    for (size_t i = 0; i < s->fds.n; i++) {
        const struct fd_spec *d = &s->fds.v[i];
        if (d->target < 0) return broken(f, S, EBADF, "fd target %d is negative", d->target);
        for (size_t j = 0; j < i; j++) {
            if (s->fds.v[j].target == d->target) {
                return broken(f, S, EINVAL, "fd target %d appears twice", d->target);
            }
        }
        if (d->kind == KIND_NONE) return broken(f, S, EINVAL, "fd %d: kind missing", d->target);
        if (d->kind == KIND_TAP) {
            if (!valid_interface_name(d->path)) {
                return broken(f, S, EINVAL, "fd %d: bad tap interface name: %s", d->target, str(d->path));
            }
            continue;
        }
        if (d->kind != KIND_DEV_NULL && !absolute(d->path)) {
            return broken(f, S, EINVAL, "fd %d: path must be absolute: %s", d->target, str(d->path));
        }
        if (d->kind == KIND_UNIX_LISTEN && strlen(d->path) >= SUN_PATH_MAX) {
            return broken(f, S, ENAMETOOLONG, "fd %d: socket path too long: %s", d->target, d->path);
        }
    }
    return 0;
}

static int cgroup_rules(const struct cgroup_section *s, struct failure *f) {
    for (size_t i = 0; i < s->procs.n; i++) {
        if (!absolute(s->procs.v[i])) {
            return broken(f, "cgroup", EINVAL, "cgroup.procs path must be absolute: %s", str(s->procs.v[i]));
        }
    }
    return 0;
}

static int namespaces_rules(const struct namespaces_section *s, struct failure *f) {
    if (s->hostname == NULL) return 0;
    if (!s->uts) {
        /* sethostname(2) outside a new uts namespace renames the host */
        return broken(f, "namespaces", EINVAL, "hostname set without a uts namespace (would rename the host)");
    }
    if (strlen(s->hostname) > HOST_NAME_MAX_BYTES) {
        return broken(f, "namespaces", EINVAL, "hostname longer than %d bytes", HOST_NAME_MAX_BYTES);
    }
    return 0;
}

static int filesystem_rules(const struct spec *spec, const struct filesystem_section *s, struct failure *f) {
    const char *S = "filesystem";
    if (!spec->namespaces.present || !spec->namespaces.mount) {
        /* the tmpfs root and its binds must live in a mount namespace of their own, or they would
         * appear on the host (and pivot_root would move the host's root) */
        return broken(f, S, EINVAL, "a private root needs a mount namespace (namespaces.mount)");
    }
    if (!absolute(s->mount_point)) return broken(f, S, EINVAL, "mountPoint must be an absolute path: %s", str(s->mount_point));
    for (size_t i = 0; i < s->read_only_binds.n; i++) {
        if (!absolute_normal_below_root(s->read_only_binds.v[i])) {
            return broken(f, S, EINVAL, "bind must be absolute and normalized: %s", str(s->read_only_binds.v[i]));
        }
    }
    for (size_t i = 0; i < s->symlinks.n; i++) {
        if (!absolute_normal_below_root(s->symlinks.keys[i])) {
            return broken(f, S, EINVAL, "symlink path must be absolute and normalized: %s", s->symlinks.keys[i]);
        }
        if (s->symlinks.vals[i] == NULL || s->symlinks.vals[i][0] == '\0') {
            return broken(f, S, EINVAL, "symlink %s has no target", s->symlinks.keys[i]);
        }
    }
    for (size_t i = 0; i < s->devices.n; i++) {
        const struct device_node *d = &s->devices.v[i];
        if (d->name == NULL || d->name[0] == '/' || strncmp(d->name, "..", 2) == 0 || !normal_components(d->name)) {
            return broken(f, S, EINVAL, "bad device name: %s", str(d->name));
        }
        if ((d->mode & ~07777) != 0) return broken(f, S, EINVAL, "bad mode for device %s: %o", d->name, d->mode);
    }
    for (size_t i = 0; i < s->writable_dirs.n; i++) {
        if (!absolute_normal_below_root(s->writable_dirs.v[i])) {
            return broken(f, S, EINVAL, "writable dir must be absolute and normalized: %s", str(s->writable_dirs.v[i]));
        }
    }
    if (s->tmpfs_bytes < 0) return broken(f, S, EINVAL, "tmpfsBytes < 0");
    for (size_t i = 0; i < s->files.n; i++) {
        const struct root_file *r = &s->files.v[i];
        if (!absolute_normal_below_root(r->at)) {
            return broken(f, S, EINVAL, "file path in the root must be absolute and normalized: %s", str(r->at));
        }
        if (!absolute(r->host_path)) {
            return broken(f, S, EINVAL, "file %s: host path must be absolute: %s", r->at, str(r->host_path));
        }
        if (r->identity == NULL) return broken(f, S, EINVAL, "file %s: no identity planned", r->at);
    }
    return 0;
}

static int rlimits_rules(const struct rlimits_section *s, struct failure *f) {
    for (size_t i = 0; i < s->limits.n; i++) {
        const struct rlimit_spec *r = &s->limits.v[i];
        if (rlimit_by_name(r->resource) < 0) {
            return broken(f, "rlimits", EINVAL, "unknown rlimit resource %s", str(r->resource));
        }
        if ((unsigned long long) r->soft > (unsigned long long) r->hard) { /* -1 is infinity */
            return broken(f, "rlimits", EINVAL, "rlimit %s: soft %lld above hard %lld", r->resource, r->soft, r->hard);
        }
    }
    return 0;
}

static int dac_rules(const struct dac_section *s, struct failure *f) {
    if (s->uid == -1 || s->gid == -1) {
        return broken(f, "dac", EINVAL, "uid %u / gid %u: (uid_t)-1 means \"unchanged\" and is not a valid identity",
                (unsigned) s->uid, (unsigned) s->gid);
    }
    if (s->uid < 0 || s->gid < 0) {
        return broken(f, "dac", EINVAL, "uid/gid must be in 0..2^31-1, got %d/%d", s->uid, s->gid);
    }
    return 0;
}

static int selinux_rules(const struct selinux_section *s, struct failure *f) {
    if (s->exec_label == NULL || s->exec_label[0] == '\0' || s->exec_label == SPEC_NUL_STRING) {
        return broken(f, "selinux", EINVAL, "bad SELinux label \"%s\"", str(s->exec_label));
    }
    return 0;
}

static int landlock_rules(const struct landlock_section *s, struct failure *f) {
    const struct strlist *lists[] = { &s->read_only, &s->read_write, &s->devices };
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            if (!absolute(lists[l]->v[i])) {
                return broken(f, "landlock", EINVAL, "path must be absolute: %s", str(lists[l]->v[i]));
            }
        }
    }
    return 0;
}

/* Name resolution is the step's (libseccomp knows the running architecture's table). */
static int seccomp_rules(const struct seccomp_section *s, struct failure *f) {
    const struct strlist *lists[] = { &s->deny_eperm, &s->deny_enosys };
    bool clone_listed = false;
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            const char *name = lists[l]->v[i];
            if (name == NULL || name[0] == '\0') return broken(f, "seccomp", EINVAL, "empty syscall name");
            for (size_t m = 0; m <= l; m++) {
                for (size_t j = 0; j < (m == l ? i : lists[m]->n); j++) {
                    if (lists[m]->v[j] && strcmp(lists[m]->v[j], name) == 0) {
                        return broken(f, "seccomp", EEXIST, "syscall \"%s\" listed twice", name);
                    }
                }
            }
            clone_listed |= strcmp(name, "clone") == 0;
        }
    }
    if (s->deny_clone_namespace_flags && clone_listed) {
        return broken(f, "seccomp", EEXIST, "clone is both denied outright and filtered by namespace flags");
    }
    for (size_t i = 0; i < s->deny_socket_families.n; i++) {
        if (s->deny_socket_families.v[i] == AF_UNIX_FAMILY) {
            return broken(f, "seccomp", EINVAL, "AF_UNIX cannot be denied: QEMU needs it");
        }
    }
    return 0;
}

int spec_validate(const struct spec *s, struct failure *f) {
    if (!s->exec.present) return broken(f, "exec", EINVAL, "no exec section: nothing to spawn");
    /* in the order of the steps (the Java spec checked in the order the sections were given) */
    if (s->fds_env.present && fds_env_rules(&s->fds_env, f) < 0) return -1;
    if (s->cgroup.present && cgroup_rules(&s->cgroup, f) < 0) return -1;
    if (s->namespaces.present && namespaces_rules(&s->namespaces, f) < 0) return -1;
    if (s->filesystem.present && filesystem_rules(s, &s->filesystem, f) < 0) return -1;
    if (s->rlimits.present && rlimits_rules(&s->rlimits, f) < 0) return -1;
    if (s->dac.present && dac_rules(&s->dac, f) < 0) return -1;
    if (s->selinux.present && selinux_rules(&s->selinux, f) < 0) return -1;
    if (s->landlock.present && landlock_rules(&s->landlock, f) < 0) return -1;
    if (s->seccomp.present && seccomp_rules(&s->seccomp, f) < 0) return -1;
    return exec_rules(&s->exec, f);
}
