/* dm-launcher (native): the one process that confines itself and spawns the device model.
 * The spec (JSON on stdin) is the contract the toolstack writes with dev.dmjail.launcher.spec
 * (SpecWriter); this launcher reads it strictly (spec.c), checks every section's rules (each step's
 * file), prepares every step of a present section, then applies them in the order of
 * launcher_steps[] (main.c). This header is the machinery the steps share and names no layer:
 * adding one is its file <layer>.c (its step, its section struct and JSON fields, its rules) and
 * its STEP(<layer>) line in main.c's LAUNCHER_STEPS, nothing else here. */
#ifndef DMJAIL_LAUNCHER_H
#define DMJAIL_LAUNCHER_H

#if !defined(__x86_64__)
/* syscall numbers called by number (pivot_root 155), struct layouts and the seccomp audit arch of
 * the toolstack's evaluator are x86_64's (toolstack sys/Arch) */
#error "dmjail runs on x86_64 only"
#endif

#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* ---- the spec: what no section owns ----
 * Each step owns its section: the struct and its JSON fields are private to its file (or its own
 * header, when another step must read it: filesystem.h; namespaces.h and dac.h declare accessors),
 * and the section itself is a static of that file, which spec.c fills through the step's `data`
 * and `fields`. A static, not a slot of a shared struct: the launcher reads one spec per process
 * (as each step already keeps what it prepared, the filter, the tree, the fds, as its statics), so
 * one instance is all there ever is, and no struct has to name every section. */

struct spec { char *domain_name; };

/* ---- the error every step reports: step name, errno, message ---- */

struct failure { const char *step; int err; char message[1024]; };

/* ---- what the steps hand to each other (the launcher's one thread) ---- */

struct open_fd { int fd, target; };

/* What a step proved in force that the kernel shows nowhere in /proc (Landlock's probe): sent back
 * with the pid, by step name ({"proofs":{"landlock":"..."}}), kept with the layer's plan for the audit. */
struct proof { const char *step; char text[256]; };

struct ctx {
    const char *step;                 /* the step running (names a failure) */
    struct failure failure;
    struct open_fd *open_fds; size_t n_open_fds;
    bool pivoted;                     /* host paths are unreachable from then on */
    pid_t pid;                        /* the spawned device model */
    struct proof proofs[4]; size_t n_proofs;
};

/* Records the failure of ctx->step; always returns -1. */
int fail(struct ctx *c, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* fail() with the current errno when rc < 0; returns rc < 0 ? -1 : 0. */
int check(struct ctx *c, long rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Records what ctx->step proved (sent back with the pid). */
void prove(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- one step per layer (named like it) and the spawn ---- */

struct field;

/* Everything of one layer in the launcher, in its own file (<layer>.c): its section (a static of
 * that file) and the section's JSON fields (spec.c reads by them), its rules, and the step's three
 * verbs. Named once outside it: its STEP() line in main.c's LAUNCHER_STEPS. */
struct step {
    const char *name;                              /* in errors, in DMJAIL_LAUNCHER_FAULT */
    const char *section;                           /* its key in the spec */
    void *data;                                    /* its section struct, which begins with `bool present` */
    const struct field *fields;                    /* the section's JSON fields (spec.h) */
    const char *required;                          /* why the section may not be absent; NULL: it may */
    int (*rules)(struct failure *);                /* the section's own rules; NULL: none */
    int (*prepare)(struct ctx *);                  /* host reads only; NULL: nothing to prepare */
    int (*apply)(struct ctx *);
    void (*abort)(struct ctx *);                   /* best-effort undo; NULL: nothing to undo */
};

/* The launcher's one sequence (main.c): the steps in the order they are applied. */
extern const struct step *const launcher_steps[];
extern const size_t n_launcher_steps;

/* Whether the spec holds the step's section. */
static inline bool step_present(const struct step *st) {
    return *(const bool *) st->data;
}

/* ---- spec.c / rules.c ---- */

/* Reads the spec strictly into out and every step's section (once per process); on error fills msg
 * and returns -1. */
int spec_read(const char *json, size_t len, struct spec *out, char *msg, size_t msglen);
/* Every required section present, then every present section's own rules, in step order. Fills f
 * (step = section name). */
int spec_validate(struct failure *f);

/* ---- safe_file.c: opening a path someone else may be changing ---- */

/* openat2(path, flags|O_NONBLOCK|O_NOCTTY|O_CLOEXEC (O_PATH: flags|O_CLOEXEC), RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS): no symlink on the way; returns fd or -1 with errno. */
int safe_open(const char *path, int flags, mode_t mode);
/* "dev:ino", or "blk:MAJ:MIN" for a block device. */
void file_identity(const struct stat *st, char *out, size_t len);
const char *file_type_name(mode_t mode);

#endif
