/* The seccomp layer's step (9th, the last before the spawn): a deny-list filter built with
 * libseccomp at prepare (before the pivot: names resolved, rules added) and loaded as the very last
 * step before the spawn, so the device model inherits it. Default action ALLOW; denyEperm answer
 * EPERM, denyEnosys ENOSYS (clone3: libc then falls back to clone), with denyCloneNamespaceFlags one
 * rule per CLONE_NEW* flag on clone's arg0 (MASKED_EQ) answers EPERM, and socket(family, ...) of a
 * denied family answers EAFNOSUPPORT. libseccomp sets no_new_privs itself at load
 * (SCMP_FLTATR_CTL_NNP defaults to 1), which an unprivileged process needs anyway. */
#include "spec.h"

#include <errno.h>
#include <string.h>
#include <sched.h>
#include <seccomp.h>

/* the section (SeccompSection) */
struct seccomp_section {
    bool present; struct strlist deny_eperm, deny_enosys; bool deny_clone_namespace_flags;
    struct intlist deny_socket_families;
};

static struct seccomp_section seccomp;
static scmp_filter_ctx filter;

/* clone(2)'s namespace flags; CLONE_NEWTIME (0x80) overlaps clone()'s exit-signal byte */
static const unsigned CLONE_NS_FLAGS[] = { CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET };

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
    const struct seccomp_section *s = &seccomp;
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

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field seccomp_fields[] = {
    { "denyEperm", F_STRLIST, offsetof(struct seccomp_section, deny_eperm), NULL },
    { "denyEnosys", F_STRLIST, offsetof(struct seccomp_section, deny_enosys), NULL },
    { "denyCloneNamespaceFlags", F_BOOL, offsetof(struct seccomp_section, deny_clone_namespace_flags), NULL },
    { "denySocketFamilies", F_INTLIST, offsetof(struct seccomp_section, deny_socket_families), NULL },
    END_OF_FIELDS };

#define AF_UNIX_FAMILY 1

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

static int rules(struct failure *f) { return seccomp_rules(&seccomp, f); }

const struct step seccomp_step = { .name = "seccomp", .section = "seccomp", .data = &seccomp, .fields = seccomp_fields,
    .rules = rules, .prepare = prepare, .apply = apply, .abort = abort_step };
