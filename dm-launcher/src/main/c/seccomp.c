/* The seccomp layer's step (9th, the last before the spawn): a deny-list filter built with
 * libseccomp at prepare (before the pivot: names resolved, rules added) and loaded as the very last
 * step before the spawn, so the device model inherits it. Default action ALLOW; denyEperm answer
 * EPERM, denyEnosys ENOSYS (clone3: libc then falls back to clone), with denyCloneNamespaceFlags one
 * rule per CLONE_NEW* flag on clone's arg0 (MASKED_EQ) answers EPERM, and socket(family, ...) of a
 * denied family answers EAFNOSUPPORT. libseccomp sets no_new_privs itself at load
 * (SCMP_FLTATR_CTL_NNP defaults to 1), which an unprivileged process needs anyway. */
#include "launcher.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>

static scmp_filter_ctx filter;

/* clone(2)'s namespace flags; CLONE_NEWTIME (0x80) overlaps clone()'s exit-signal byte */
static const unsigned CLONE_NS_FLAGS[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET };

static bool present(const struct spec *s) { return s->seccomp.present; }

static int resolve(struct ctx *c, const char *name, int *nr) {
    *nr = seccomp_syscall_resolve_name(name);
    if (*nr == __NR_SCMP_ERROR) return fail(c, EINVAL, "unknown syscall \"%s\"", name);
    return 0;
}

static int deny(struct ctx *c, const struct strlist *names, int err) {
    for (size_t i = 0; i < names->n; i++) {
        int nr;
        if (resolve(c, names->v[i], &nr) < 0) return -1;
        int rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(err), nr, 0);
        if (rc < 0) return fail(c, -rc, "seccomp_rule_add %s", names->v[i]);
    }
    return 0;
}

static int prepare(struct ctx *c) {
    const struct seccomp_section *s = &c->spec->seccomp;
    filter = seccomp_init(SCMP_ACT_ALLOW);
    if (!filter) return fail(c, EINVAL, "seccomp_init failed");
    if (deny(c, &s->deny_eperm, EPERM) < 0 || deny(c, &s->deny_enosys, ENOSYS) < 0) return -1;
    int nr;
    if (s->deny_clone_namespace_flags) {
        if (resolve(c, "clone", &nr) < 0) return -1;
        for (size_t i = 0; i < sizeof CLONE_NS_FLAGS / sizeof CLONE_NS_FLAGS[0]; i++) {
            /* arg0: flags (x86_64's clone(flags, stack, ptid, ctid, tls)) */
            int rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), nr, 1,
                    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NS_FLAGS[i], CLONE_NS_FLAGS[i]));
            if (rc < 0) return fail(c, -rc, "seccomp_rule_add clone & 0x%x", CLONE_NS_FLAGS[i]);
        }
    }
    if (s->deny_socket_families.n > 0) {
        if (resolve(c, "socket", &nr) < 0) return -1;
        for (size_t i = 0; i < s->deny_socket_families.n; i++) {
            int family = s->deny_socket_families.v[i];
            int rc = seccomp_rule_add(filter, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
                    SCMP_A0(SCMP_CMP_EQ, (uint32_t) family));
            if (rc < 0) return fail(c, -rc, "seccomp_rule_add socket(%d)", family);
        }
    }
    return 0;
}

static int apply(struct ctx *c) {
    int rc = seccomp_load(filter);
    if (rc < 0) return fail(c, -rc, "seccomp_load");
    seccomp_release(filter);
    filter = NULL;
    return 0;
}

static void abort_step(struct ctx *c) {
    (void) c;
    if (filter) seccomp_release(filter);
    filter = NULL;
}

const struct step seccomp_step = { "seccomp", "seccomp", present, prepare, apply, abort_step };
