/* The last step, "spawn", of the exec section (what is spawned; no layer): chdir(cwd), then
 * posix_spawn(3) of the device model. glibc does the fork+exec (clone(CLONE_VM|CLONE_VFORK)): no
 * code of ours runs in the child, so nothing but glibc's own async-signal-safe spawn path runs
 * between the fork and the exec. File actions: dup2 of every opened fd (all numbered above the
 * targets) onto its target, close of every other number below, closefrom_np above; attributes:
 * SETSID, an empty signal mask, every signal back to SIG_DFL. argv and envp are exactly the planned
 * ones (env sorted by name). If the exec fails, glibc reports the error and has reaped the child. */
#include "spec.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct exec_section { bool present; char *path; struct strlist argv; struct strmap env; char *cwd; };   /* ExecSection */

static struct exec_section exec;
static char **argv, **envp;

static int by_key(const void *a, const void *b) {
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static int prepare(struct ctx *c) {
    const struct exec_section *e = &exec;
    argv = calloc(e->argv.n + 1, sizeof(char *));
    envp = calloc(e->env.n + 1, sizeof(char *));
    if (!argv || !envp) abort();
    memcpy(argv, e->argv.v, e->argv.n * sizeof(char *));
    for (size_t i = 0; i < e->env.n; i++) {
        if (asprintf(&envp[i], "%s=%s", e->env.keys[i], e->env.vals[i]) < 0) abort();
    }
    qsort(envp, e->env.n, sizeof(char *), by_key);
    (void) c;
    return 0;
}

/* posix_spawn* return the error number instead of setting errno. */
#define SPAWN_CHECK(call, ...) do { int rc_ = (call); if (rc_ != 0) { fail(c, rc_, __VA_ARGS__); goto out; } } while (0)

static int apply(struct ctx *c) {
    const struct exec_section *e = &exec;
    if (e->cwd != NULL && check(c, chdir(e->cwd), "chdir %s", e->cwd) < 0) return -1;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int result = -1;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) return fail(c, rc, "posix_spawn_file_actions_init");
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return fail(c, rc, "posix_spawnattr_init");
    }
    int close_from = 3;
    for (size_t i = 0; i < c->n_open_fds; i++) {
        const struct open_fd *o = &c->open_fds[i];
        SPAWN_CHECK(posix_spawn_file_actions_adddup2(&fa, o->fd, o->target), "adddup2 %d -> %d", o->fd, o->target);
        if (o->target + 1 > close_from) close_from = o->target + 1;
    }
    for (int fd = 0; fd < close_from; fd++) {
        bool target = false;
        for (size_t i = 0; i < c->n_open_fds; i++) target |= c->open_fds[i].target == fd;
        if (!target) SPAWN_CHECK(posix_spawn_file_actions_addclose(&fa, fd), "addclose %d", fd);
    }
    SPAWN_CHECK(posix_spawn_file_actions_addclosefrom_np(&fa, close_from), "addclosefrom_np %d", close_from);
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    SPAWN_CHECK(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
            "posix_spawnattr_setflags");
    SPAWN_CHECK(posix_spawnattr_setsigmask(&attr, &empty), "posix_spawnattr_setsigmask");
    SPAWN_CHECK(posix_spawnattr_setsigdefault(&attr, &all), "posix_spawnattr_setsigdefault");
    pid_t pid;
    SPAWN_CHECK(posix_spawn(&pid, e->path, &fa, &attr, argv, envp), "posix_spawn %s", e->path);
    c->pid = pid;
    result = 0;
    for (size_t i = 0; i < c->n_open_fds; i++) close(c->open_fds[i].fd);
    c->n_open_fds = 0;
out:
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return result;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field exec_fields[] = {
    { "path", F_STR, offsetof(struct exec_section, path), NULL },
    { "argv", F_STRLIST_NULCHECK, offsetof(struct exec_section, argv), NULL },
    { "env", F_STRMAP_NULCHECK, offsetof(struct exec_section, env), NULL },
    { "cwd", F_STR, offsetof(struct exec_section, cwd), NULL },
    END_OF_FIELDS };

static int exec_rules(const struct exec_section *e, struct failure *f) {
    const char *S = "exec";
    if (!path_absolute(e->path)) return broken(f, S, EINVAL, "exec.path must be absolute");
    if (e->argv.n == 0) return broken(f, S, EINVAL, "exec.argv must hold argv[0]");
    if (e->cwd != NULL && !path_absolute(e->cwd)) return broken(f, S, EINVAL, "exec.cwd must be absolute");
    for (size_t i = 0; i < e->env.n; i++) {
        const char *k = e->env.keys[i], *v = e->env.vals[i];
        if (k[0] == '\0' || strchr(k, '=') || v == NULL || v == SPEC_NUL_STRING) {
            return broken(f, S, EINVAL, "bad environment entry %s", k);
        }
    }
    for (size_t i = 0; i < e->argv.n; i++) {
        if (e->argv.v[i] == NULL || e->argv.v[i] == SPEC_NUL_STRING) return broken(f, S, EINVAL, "bad argv entry");
    }
    return 0;
}

static int rules(struct failure *f) { return exec_rules(&exec, f); }

const struct step spawn_step = { .name = "spawn", .section = "exec", .data = &exec, .fields = exec_fields,
    .required = "nothing to spawn", .rules = rules, .prepare = prepare, .apply = apply };
