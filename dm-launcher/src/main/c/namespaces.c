/* The namespaces layer's step (3rd): unshare(2) of the planned namespaces (mount, ipc, uts, net
 * apply to this process at once; pid applies to the children it spawns, so the device model
 * becomes pid 1 of the new pid namespace), sethostname(2) in the new uts namespace, and in a new
 * mount namespace every mount made a slave (mount("none", "/", NULL, MS_SLAVE|MS_REC)): mounts made
 * on the host later still propagate in, nothing done inside propagates out (libvirt's
 * qemu_namespace.c does the same). */
#include "launcher.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static bool present(const struct spec *s) { return s->namespaces.present; }

static int apply(struct ctx *c) {
    const struct namespaces_section *ns = &c->spec->namespaces;
    int flags = (ns->mount ? CLONE_NEWNS : 0) | (ns->ipc ? CLONE_NEWIPC : 0) | (ns->uts ? CLONE_NEWUTS : 0)
            | (ns->net ? CLONE_NEWNET : 0) | (ns->pid ? CLONE_NEWPID : 0);
    if (flags != 0 && check(c, unshare(flags), "unshare(0x%x)", flags) < 0) return -1;
    if (ns->hostname != NULL
            && check(c, sethostname(ns->hostname, strlen(ns->hostname)), "sethostname %s", ns->hostname) < 0) {
        return -1;
    }
    if (ns->mount && check(c, mount("none", "/", NULL, MS_SLAVE | MS_REC, NULL), "mount --make-rslave /") < 0) {
        return -1;
    }
    return 0;
}

const struct step namespaces_step = { "namespaces", "namespaces", present, NULL, apply, NULL };
