/* The cgroup layer's step (2nd): joins every cgroup the toolstack created by writing "0" (this
 * process) to its cgroup.procs (cgroups(7)), so the device model is born inside them and every
 * later allocation is charged to the domain. */
#include "spec.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

struct cgroup_section { bool present; struct strlist procs; };   /* CgroupSection */

static struct cgroup_section cgroup;

static int apply(struct ctx *c) {
    const struct strlist *procs = &cgroup.procs;
    for (size_t i = 0; i < procs->n; i++) {
        int fd = open(procs->v[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return fail(c, errno, "open %s", procs->v[i]);
        ssize_t n = write(fd, "0", 1);
        int err = errno;
        close(fd);
        if (n != 1) return fail(c, n < 0 ? err : EIO, "write 0 to %s", procs->v[i]);
    }
    return 0;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field cgroup_fields[] = {
    { "procs", F_STRLIST, offsetof(struct cgroup_section, procs), NULL },
    END_OF_FIELDS };

static int cgroup_rules(const struct cgroup_section *s, struct failure *f) {
    for (size_t i = 0; i < s->procs.n; i++) {
        if (!path_absolute(s->procs.v[i])) {
            return broken(f, "cgroup", EINVAL, "cgroup.procs path must be absolute: %s", shown(s->procs.v[i]));
        }
    }
    return 0;
}

static int rules(struct failure *f) { return cgroup_rules(&cgroup, f); }

const struct step cgroup_step = { .name = "cgroup", .section = "cgroup", .data = &cgroup, .fields = cgroup_fields,
    .rules = rules, .apply = apply };
