/* dm-launcher [--dry-run | --validate | --steps] < spec.json
 *
 * Reads one launch spec as JSON from stdin (spec.c), checks every section's rules (rules.c), prepares
 * every step whose section is present (host reads, the seccomp filter built: no side effects), then
 * applies them in the order of launcher_steps[] on its one thread and posix_spawns the device model, which
 * (with a pid namespace) becomes pid 1 there. Prints one JSON line on stdout and exits (reply.c):
 * {"ok":true,"pid":N} and 0, or {"ok":false,"step":S,"errno":E,"message":M} plus one stderr line
 * "dm-launcher: S: M: strerror (errno E)" and 1; nothing was spawned then.
 *   --dry-run   rules and prepare only: {"ok":true,"pid":0,"dryRun":true}, nothing changed
 *   --validate  the reader and the rules only (no host access at all)
 *   --steps     prints the step list, one "name section" line each, in order
 * DMJAIL_LAUNCHER_FAULT=STEP (fault tests) dies with status 137 just before applying STEP, every
 * earlier step applied; =reply dies after the spawn, before answering. DMJAIL_LAUNCHER_TIMING=1 adds
 * one timing line to stderr on success. */
#include "launcher.h"
#include "reply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The launcher's one sequence, read top to bottom (after Firecracker's jailer env.rs run()): one
 * step per layer, named like it, then the spawn. Each line names a step's file (NAME.c defines
 * NAME_step) and is the only line outside that file a step needs: the declarations and the array
 * below are made from this one list. */
#define LAUNCHER_STEPS(STEP) \
    STEP(fds_env)     /* 1  open fds (disks, logs, sockets, taps) as root in the host mount namespace */ \
    STEP(cgroup)      /* 2  join the domain's cgroups */ \
    STEP(namespaces)  /* 3  unshare mount/ipc/uts/net/pid, sethostname, / rslave */ \
    STEP(filesystem)  /* 4  tmpfs root, read-only binds, /dev, pivot_root */ \
    STEP(rlimits)     /* 5  setrlimit */ \
    STEP(dac)         /* 6  groups, gid, caps, uid, no_new_privs (verified) */ \
    STEP(selinux)     /* 7  exec label */ \
    STEP(landlock)    /* 8  Landlock ruleset (needs no_new_privs), proven by a probe */ \
    STEP(seccomp)     /* 9  load the filter built at prepare */ \
    STEP(spawn)       /* 10 posix_spawn the device model (the exec section) */

#define DECLARE_STEP(name) extern const struct step name##_step;
#define STEP_ENTRY(name) &name##_step,
LAUNCHER_STEPS(DECLARE_STEP)
const struct step *const launcher_steps[] = { LAUNCHER_STEPS(STEP_ENTRY) };
const size_t n_launcher_steps = sizeof launcher_steps / sizeof launcher_steps[0];
#define MAX_SPEC_BYTES (16u << 20)

static int vfail(struct ctx *c, int err, const char *fmt, va_list ap) {
    c->failure.step = c->step;
    c->failure.err = err;
    vsnprintf(c->failure.message, sizeof c->failure.message, fmt, ap);
    return -1;
}

int fail(struct ctx *c, int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vfail(c, err, fmt, ap);
    va_end(ap);
    return -1;
}

int check(struct ctx *c, long rc, const char *fmt, ...) {
    if (rc >= 0) return 0;
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    vfail(c, err, fmt, ap);
    va_end(ap);
    return -1;
}

void prove(struct ctx *c, const char *fmt, ...) {
    if (c->n_proofs == sizeof c->proofs / sizeof c->proofs[0]) return; /* one per step that proves; four do not exist */
    struct proof *p = &c->proofs[c->n_proofs++];
    p->step = c->step;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->text, sizeof p->text, fmt, ap);
    va_end(ap);
}

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) (t.tv_sec - t0->tv_sec) * 1e3 + (double) (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static _Noreturn void exit_failure(const struct failure *f) {
    reply_error(f);
    _exit(1);
}

static void abort_all(struct ctx *c) {
    for (size_t i = n_launcher_steps; i-- > 0;) {
        if (launcher_steps[i]->abort && step_present(launcher_steps[i])) launcher_steps[i]->abort(c);
    }
}

/* All of stdin, bounded (the toolstack writes the spec and closes). */
static char *read_stdin(size_t *len, struct failure *f) {
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    if (!b) abort();
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_SPEC_BYTES) {
                f->step = "spec", f->err = EINVAL;
                snprintf(f->message, sizeof f->message, "cannot read the launch spec: more than %u bytes", MAX_SPEC_BYTES);
                return NULL;
            }
            cap *= 2;
            b = realloc(b, cap);
            if (!b) abort();
        }
        ssize_t r = read(STDIN_FILENO, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            f->step = "spec", f->err = EINVAL;
            snprintf(f->message, sizeof f->message, "cannot read the launch spec: %s", strerror(errno));
            return NULL;
        }
        if (r == 0) break;
        n += (size_t) r;
    }
    *len = n;
    return b;
}

int main(int argc, char **argv) {
    bool dry_run = false, validate_only = false;
    if (argc > 1 && strcmp(argv[1], "--steps") == 0) {
        for (size_t i = 0; i < n_launcher_steps; i++) printf("%s %s\n", launcher_steps[i]->name, launcher_steps[i]->section);
        return 0;
    }
    if (argc > 1) {
        dry_run = strcmp(argv[1], "--dry-run") == 0;
        validate_only = strcmp(argv[1], "--validate") == 0;
        if ((!dry_run && !validate_only) || argc > 2) {
            fprintf(stderr, "usage: dm-launcher [--dry-run | --validate | --steps] < spec.json\n");
            return 2;
        }
    }
    const char *fault = getenv("DMJAIL_LAUNCHER_FAULT");
    bool timing = getenv("DMJAIL_LAUNCHER_TIMING") != NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    static struct spec spec;
    static struct ctx ctx;
    ctx.pid = -1;
    size_t len = 0;
    char *json = read_stdin(&len, &ctx.failure);
    if (!json) exit_failure(&ctx.failure);
    char msg[900];
    if (spec_read(json, len, &spec, msg, sizeof msg) < 0) {
        ctx.failure.step = "spec";
        ctx.failure.err = EINVAL;
        snprintf(ctx.failure.message, sizeof ctx.failure.message, "cannot read the launch spec: %s", msg);
        exit_failure(&ctx.failure);
    }
    if (spec_validate(&ctx.failure) < 0) exit_failure(&ctx.failure);
    if (validate_only) {
        reply_dry_run();
        return 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t i = 0; i < n_launcher_steps; i++) {
        ctx.step = launcher_steps[i]->name;
        if (step_present(launcher_steps[i]) && launcher_steps[i]->prepare && launcher_steps[i]->prepare(&ctx) < 0) {
            abort_all(&ctx);
            exit_failure(&ctx.failure);
        }
    }
    if (dry_run) {
        abort_all(&ctx);
        reply_dry_run();
        return 0;
    }
    for (size_t i = 0; i < n_launcher_steps; i++) {
        ctx.step = launcher_steps[i]->name;
        if (fault && strcmp(fault, launcher_steps[i]->name) == 0) {
            _exit(137); /* fault tests: die here, every earlier step applied, as abruptly as kill -9 */
        }
        if (step_present(launcher_steps[i]) && launcher_steps[i]->apply(&ctx) < 0) {
            abort_all(&ctx);
            exit_failure(&ctx.failure);
        }
    }
    if (fault && strcmp(fault, "reply") == 0) _exit(137);
    reply_ok(ctx.pid, ctx.proofs, ctx.n_proofs);
    if (timing) {
        fprintf(stderr, "dm-launcher: timing: spec wait+read %.1fms, steps %.1fms\n", ms_since(&t0) - ms_since(&t1),
                ms_since(&t1));
    }
    return 0;
}
