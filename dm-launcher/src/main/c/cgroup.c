/* The cgroup layer's step (2nd): joins every cgroup the toolstack created by writing "0" (this
 * process) to its cgroup.procs (cgroups(7)), so the device model is born inside them and every
 * later allocation is charged to the domain. */
#include "launcher.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static bool present(const struct spec *s) { return s->cgroup.present; }

static int apply(struct ctx *c) {
    const struct strlist *procs = &c->spec->cgroup.procs;
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

const struct step cgroup_step = { "cgroup", "cgroup", present, NULL, apply, NULL };
