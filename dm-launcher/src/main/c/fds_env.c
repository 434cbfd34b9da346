/* The fds-env layer's step (1st): opens every fd of the section while still root and in the host
 * mount namespace (the network layer's taps among them: TUNSETIFF on the interface the toolstack
 * made). Every fd is moved (F_DUPFD_CLOEXEC) above the highest target so that each target is a
 * real dup2() in the child, which clears FD_CLOEXEC there; everything else is closed at spawn. */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum fd_kind { KIND_NONE = 0, KIND_FILE, KIND_DISK, KIND_DEV_NULL, KIND_UNIX_LISTEN, KIND_INCOMING, KIND_TAP };

/* the section (FdsEnvSection, FdSpec) */
struct fd_spec { int target; int kind; char *path; bool write, append; char *identity; };
struct fd_specs { struct fd_spec *v; size_t n; };
struct fds_env_section { bool present; struct fd_specs fds; };

static struct fds_env_section fds_env;
static char **created_sockets;
static size_t n_created_sockets;

/* Race-free: no symlink anywhere on the path, O_NONBLOCK, then the opened fd decides: its type,
 * and for a disk or a saved state its identity against the plan. */
static int open_file(struct ctx *c, const struct fd_spec *f) {
    int flags = f->write ? O_RDWR : (f->append ? O_WRONLY : O_RDONLY);
    if (f->append) flags |= O_APPEND | O_CREAT;
    int fd = safe_open(f->path, flags, 0640);
    if (fd < 0) {
        int err = errno;
        return fail(c, err, "fd %d: open %s%s", f->target, f->path,
                err == ELOOP ? " (a symlink on the path: refused)" : "");
    }
    struct stat st;
    char id[64] = "";
    int err = EINVAL;
    const char *why = NULL;
    char detail[256] = "";
    if (fstat(fd, &st) != 0) {
        err = errno;
        why = "fstat failed";
    } else if (f->kind == KIND_DISK && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        why = "not a regular file or block device";
    } else if ((f->kind == KIND_FILE || f->kind == KIND_INCOMING) && !S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if (file_identity(&st, id, sizeof id), f->identity != NULL && strcmp(f->identity, id) != 0) {
        err = ESTALE;
        why = "replaced";
        snprintf(detail, sizeof detail, "is not the file the plan checked (dev:ino %s, planned %s): it was replaced "
                "after planning", id, f->identity);
    } else {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) { /* QEMU expects blocking fds */
            err = errno;
            why = "fcntl(F_SETFL)";
        }
    }
    if (why) {
        close(fd);
        if (detail[0]) return fail(c, err, "fd %d: %s %s", f->target, f->path, detail);
        if (err == EINVAL) {
            return fail(c, err, "fd %d: %s is %s, %s", f->target, f->path, file_type_name(st.st_mode), why);
        }
        return fail(c, err, "fd %d: %s %s", f->target, f->path, why);
    }
    return fd;
}

/* Attaches to the tap interface the toolstack created (persistent, on the host bridge): open
 * /dev/net/tun and TUNSETIFF with its name (IFF_TAP|IFF_NO_PI, include/uapi/linux/if_tun.h). The
 * fd keeps working in the device model's empty network namespace: the interface stays in the host's. */
static int tap(struct ctx *c, const struct fd_spec *f) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return fail(c, errno, "fd %d: open /dev/net/tun", f->target);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, f->path, IFNAMSIZ - 1); /* the rules allow 15 bytes */
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int err = errno;
        close(fd);
        return fail(c, err, "fd %d: TUNSETIFF %s", f->target, f->path);
    }
    return fd;
}

/* socket(AF_UNIX), bind, listen; the socket file root-owned, mode 0600. A stale socket is
 * replaced; anything else at the path is refused (EEXIST) and left as it is. */
static int unix_listen(struct ctx *c, const struct fd_spec *f) {
    struct stat st;
    if (lstat(f->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) return fail(c, EEXIST, "fd %d: %s exists and is not a socket", f->target, f->path);
        if (unlink(f->path) != 0) return fail(c, errno, "fd %d: unlink stale socket %s", f->target, f->path);
    } else if (errno != ENOENT) {
        return fail(c, EIO, "fd %d: lstat %s: %s", f->target, f->path, strerror(errno));
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(c, errno, "fd %d: socket(AF_UNIX)", f->target);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t len = strlen(f->path); /* < 108: the section's rule */
    memcpy(addr.sun_path, f->path, len + 1);
    mode_t old = umask(0177); /* the socket file is created 0600 */
    int rc = bind(fd, (struct sockaddr *) &addr, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + len + 1));
    int err = errno;
    umask(old);
    if (rc < 0) {
        close(fd);
        return fail(c, err, "fd %d: bind %s", f->target, f->path);
    }
    created_sockets = realloc(created_sockets, (n_created_sockets + 1) * sizeof(char *));
    if (!created_sockets) abort();
    created_sockets[n_created_sockets++] = f->path;
    if (chown(f->path, 0, 0) < 0 || chmod(f->path, 0600) < 0) {
        err = errno;
        close(fd);
        return fail(c, err, "fd %d: chown/chmod %s", f->target, f->path);
    }
    if (listen(fd, 16) < 0) {
        err = errno;
        close(fd);
        return fail(c, err, "fd %d: listen %s", f->target, f->path);
    }
    return fd;
}

static int apply(struct ctx *c) {
    const struct fd_specs *fds = &fds_env.fds;
    int above = 3;
    for (size_t i = 0; i < fds->n; i++) {
        if (fds->v[i].target + 1 > above) above = fds->v[i].target + 1;
    }
    c->open_fds = calloc(fds->n + 1, sizeof(struct open_fd));
    if (!c->open_fds) abort();
    for (size_t i = 0; i < fds->n; i++) {
        const struct fd_spec *f = &fds->v[i];
        int fd;
        switch (f->kind) {
        case KIND_FILE: case KIND_DISK: case KIND_INCOMING: fd = open_file(c, f); break;
        case KIND_DEV_NULL:
            fd = open("/dev/null", O_RDONLY | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) fd = fail(c, errno, "fd %d: open /dev/null", f->target);
            break;
        case KIND_UNIX_LISTEN: fd = unix_listen(c, f); break;
        case KIND_TAP: fd = tap(c, f); break;
        default: fd = fail(c, EINVAL, "fd %d: kind missing", f->target);
        }
        if (fd < 0) return -1;
        int high = fcntl(fd, F_DUPFD_CLOEXEC, above);
        int err = errno;
        close(fd);
        if (high < 0) return fail(c, err, "fd %d: F_DUPFD_CLOEXEC above %d", f->target, above);
        c->open_fds[c->n_open_fds++] = (struct open_fd) { high, f->target };
    }
    return 0;
}

/* Removes the sockets this step bound (only possible before the pivot), closes what it opened. */
static void abort_step(struct ctx *c) {
    if (!c->pivoted) {
        for (size_t i = 0; i < n_created_sockets; i++) unlink(created_sockets[i]);
    }
    for (size_t i = 0; i < c->n_open_fds; i++) close(c->open_fds[i].fd);
    c->n_open_fds = 0;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

/* FdSpec.Kind by name */
static const char *const FD_KINDS[] = { [KIND_NONE] = "", [KIND_FILE] = "FILE", [KIND_DISK] = "DISK",
    [KIND_DEV_NULL] = "DEV_NULL", [KIND_UNIX_LISTEN] = "UNIX_LISTEN", [KIND_INCOMING] = "INCOMING", [KIND_TAP] = "TAP",
    NULL };
static const struct field fd_spec_fields[] = {
    { "target", F_INT, offsetof(struct fd_spec, target), NULL },
    { "kind", F_ENUM, offsetof(struct fd_spec, kind), FD_KINDS },
    { "path", F_STR, offsetof(struct fd_spec, path), NULL },
    { "write", F_BOOL, offsetof(struct fd_spec, write), NULL },
    { "append", F_BOOL, offsetof(struct fd_spec, append), NULL },
    { "identity", F_STR, offsetof(struct fd_spec, identity), NULL },
    END_OF_FIELDS };
static const struct record fd_spec_rec = { sizeof(struct fd_spec), fd_spec_fields };
static const struct field fds_env_fields[] = {
    { "fds", F_RECLIST, offsetof(struct fds_env_section, fds), &fd_spec_rec },
    END_OF_FIELDS };

#define SUN_PATH_MAX 108         /* sizeof(sockaddr_un.sun_path), include/uapi/linux/un.h */

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
                return broken(f, S, EINVAL, "fd %d: bad tap interface name: %s", d->target, shown(d->path));
            }
            continue;
        }
        if (d->kind != KIND_DEV_NULL && !path_absolute(d->path)) {
            return broken(f, S, EINVAL, "fd %d: path must be absolute: %s", d->target, shown(d->path));
        }
        if (d->kind == KIND_UNIX_LISTEN && strlen(d->path) >= SUN_PATH_MAX) {
            return broken(f, S, ENAMETOOLONG, "fd %d: socket path too long: %s", d->target, d->path);
        }
    }
    return 0;
}

static int rules(struct failure *f) { return fds_env_rules(&fds_env, f); }

const struct step fds_env_step = { .name = "fds-env", .section = "fds-env", .data = &fds_env, .fields = fds_env_fields,
    .rules = rules, .apply = apply, .abort = abort_step };
