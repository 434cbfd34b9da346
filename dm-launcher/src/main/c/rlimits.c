/* The rlimits layer's step (5th): setrlimit(2) for each planned limit, before the uid switch
 * (raising a hard limit needs CAP_SYS_RESOURCE). */
#include "spec.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* the section (RlimitsSection, RlimitSpec) */
struct rlimit_spec { char *resource; long long soft, hard; };
struct rlimit_specs { struct rlimit_spec *v; size_t n; };
struct rlimits_section { bool present; struct rlimit_specs limits; };

static struct rlimits_section rlimits;

/* RLIMIT_* in number order (include/uapi/asm-generic/resource.h, x86_64): the spec's Rlimit enum. */
static const char *const NAMES[] = { "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK",
    "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME" };

/* By name, with or without the RLIMIT_ prefix, any case; -1 when unknown. */
static int rlimit_by_name(const char *name) {
    if (name == NULL || name == SPEC_NUL_STRING) return -1;
    if (strncasecmp(name, "RLIMIT_", 7) == 0) name += 7;
    for (int i = 0; i < (int) (sizeof NAMES / sizeof NAMES[0]); i++) {
        if (strcasecmp(NAMES[i], name) == 0) return i;
    }
    return -1;
}

static int apply(struct ctx *c) {
    const struct rlimit_specs *l = &rlimits.limits;
    for (size_t i = 0; i < l->n; i++) {
        struct rlimit r = { (rlim_t) l->v[i].soft, (rlim_t) l->v[i].hard }; /* -1 = RLIM_INFINITY */
        if (check(c, setrlimit((__rlimit_resource_t) rlimit_by_name(l->v[i].resource), &r), "setrlimit %s",
                l->v[i].resource) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field rlimit_spec_fields[] = {
    { "resource", F_STR, offsetof(struct rlimit_spec, resource), NULL },
    { "soft", F_LONG, offsetof(struct rlimit_spec, soft), NULL },
    { "hard", F_LONG, offsetof(struct rlimit_spec, hard), NULL },
    END_OF_FIELDS };
static const struct record rlimit_spec_rec = { sizeof(struct rlimit_spec), rlimit_spec_fields };
static const struct field rlimits_fields[] = {
    { "limits", F_RECLIST, offsetof(struct rlimits_section, limits), &rlimit_spec_rec },
    END_OF_FIELDS };

static int rlimits_rules(const struct rlimits_section *s, struct failure *f) {
    for (size_t i = 0; i < s->limits.n; i++) {
        const struct rlimit_spec *r = &s->limits.v[i];
        if (rlimit_by_name(r->resource) < 0) {
            return broken(f, "rlimits", EINVAL, "unknown rlimit resource %s", shown(r->resource));
        }
        if ((unsigned long long) r->soft > (unsigned long long) r->hard) { /* -1 is infinity */
            return broken(f, "rlimits", EINVAL, "rlimit %s: soft %lld above hard %lld", r->resource, r->soft, r->hard);
        }
    }
    return 0;
}

static int rules(struct failure *f) { return rlimits_rules(&rlimits, f); }

const struct step rlimits_step = { .name = "rlimits", .section = "rlimits", .data = &rlimits, .fields = rlimits_fields,
    .rules = rules, .apply = apply };
