/* The rlimits layer's step (5th): setrlimit(2) for each planned limit, before the uid switch
 * (raising a hard limit needs CAP_SYS_RESOURCE). */
#include "launcher.h"

#include <errno.h>
#include <strings.h>
#include <sys/resource.h>

/* RLIMIT_* in number order (include/uapi/asm-generic/resource.h, x86_64): the spec's Rlimit enum. */
static const char *const NAMES[] = { "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK",
    "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME" };

/* By name, with or without the RLIMIT_ prefix, any case; -1 when unknown. */
int rlimit_by_name(const char *name) {
    if (name == NULL || name == SPEC_NUL_STRING) return -1;
    if (strncasecmp(name, "RLIMIT_", 7) == 0) name += 7;
    for (int i = 0; i < (int) (sizeof NAMES / sizeof NAMES[0]); i++) {
        if (strcasecmp(NAMES[i], name) == 0) return i;
    }
    return -1;
}

static bool present(const struct spec *s) { return s->rlimits.present; }

static int apply(struct ctx *c) {
    const struct rlimit_specs *l = &c->spec->rlimits.limits;
    for (size_t i = 0; i < l->n; i++) {
        struct rlimit r = { (rlim_t) l->v[i].soft, (rlim_t) l->v[i].hard }; /* -1 = RLIM_INFINITY */
        if (check(c, setrlimit((__rlimit_resource_t) rlimit_by_name(l->v[i].resource), &r), "setrlimit %s",
                l->v[i].resource) < 0) {
            return -1;
        }
    }
    return 0;
}

const struct step rlimits_step = { "rlimits", "rlimits", present, NULL, apply, NULL };
