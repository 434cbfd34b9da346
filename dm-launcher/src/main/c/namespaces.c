/* The namespaces layer's step (3rd): unshare(2) of the planned namespaces (mount, ipc, uts, net
 * apply to this process at once; pid applies to the children it spawns, so the device model
 * becomes pid 1 of the new pid namespace), sethostname(2) in the new uts namespace, and in a new
 * mount namespace every mount made a slave (mount("none", "/", NULL, MS_SLAVE|MS_REC)): mounts made
 * on the host later still propagate in, nothing done inside propagates out (libvirt's
 * qemu_namespace.c does the same). */
#include "namespaces.h"
#include "spec.h"

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

struct namespaces_section { bool present; bool mount, ipc, uts, net, pid; char *hostname; };   /* NamespacesSection */

static struct namespaces_section namespaces;

bool namespaces_mount_planned(void) {
    return namespaces.present && namespaces.mount;
}

static int apply(struct ctx *c) {
    const struct namespaces_section *ns = &namespaces;
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

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field namespaces_fields[] = {
    { "mount", F_BOOL, offsetof(struct namespaces_section, mount), NULL },
    { "ipc", F_BOOL, offsetof(struct namespaces_section, ipc), NULL },
    { "uts", F_BOOL, offsetof(struct namespaces_section, uts), NULL },
    { "net", F_BOOL, offsetof(struct namespaces_section, net), NULL },
    { "pid", F_BOOL, offsetof(struct namespaces_section, pid), NULL },
    { "hostname", F_STR, offsetof(struct namespaces_section, hostname), NULL },
    END_OF_FIELDS };

#define HOST_NAME_MAX_BYTES 64   /* include/uapi/linux/utsname.h __NEW_UTS_LEN */

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

static int rules(struct failure *f) { return namespaces_rules(&namespaces, f); }

const struct step namespaces_step = { .name = "namespaces", .section = "namespaces", .data = &namespaces,
    .fields = namespaces_fields, .rules = rules, .apply = apply };
