/* dm-launcher (native): the one process that confines itself and spawns the device model.
 * The spec (JSON on stdin) is the contract the toolstack writes with dev.dmjail.launcher.spec
 * (SpecWriter); this launcher reads it strictly (spec.c), checks every section's rules (each step's file),
 * prepares every step of a present section, then applies them in the order of launcher_steps[] (main.c). */
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

/* ---- the spec: one struct per section, in the shapes of the Java records ---- */

struct strlist { char **v; size_t n; };
struct intlist { int *v; size_t n; };
struct strmap { char **keys; char **vals; size_t n; };   /* a value may be NULL (JSON null) */

enum fd_kind { KIND_NONE = 0, KIND_FILE, KIND_DISK, KIND_DEV_NULL, KIND_UNIX_LISTEN, KIND_INCOMING, KIND_TAP };

struct fd_spec { int target; int kind; char *path; bool write, append; char *identity; };
struct fd_specs { struct fd_spec *v; size_t n; };
struct device_node { char *name; int major, minor, mode; };
struct device_nodes { struct device_node *v; size_t n; };
struct root_file { char *at, *host_path, *identity; };
struct root_files { struct root_file *v; size_t n; };
struct rlimit_spec { char *resource; long long soft, hard; };
struct rlimit_specs { struct rlimit_spec *v; size_t n; };

struct fds_env_section { bool present; struct fd_specs fds; };
struct cgroup_section { bool present; struct strlist procs; };
struct namespaces_section { bool present; bool mount, ipc, uts, net, pid; char *hostname; };
struct filesystem_section {
    bool present; char *mount_point; struct strlist read_only_binds; struct strmap symlinks;
    struct device_nodes devices; struct strlist writable_dirs; long long tmpfs_bytes; struct root_files files;
};
struct rlimits_section { bool present; struct rlimit_specs limits; };
struct dac_section { bool present; int uid, gid; bool clear_capabilities, no_new_privs; };
struct selinux_section { bool present; char *exec_label; };
struct landlock_section { bool present; struct strlist read_only, read_write, devices; bool deny_tcp, scoped; };
struct seccomp_section {
    bool present; struct strlist deny_eperm, deny_enosys; bool deny_clone_namespace_flags;
    struct intlist deny_socket_families;
};
struct exec_section { bool present; char *path; struct strlist argv; struct strmap env; char *cwd; };

struct spec {
    char *domain_name;
    struct fds_env_section fds_env;
    struct cgroup_section cgroup;
    struct namespaces_section namespaces;
    struct filesystem_section filesystem;
    struct rlimits_section rlimits;
    struct dac_section dac;
    struct selinux_section selinux;
    struct landlock_section landlock;
    struct seccomp_section seccomp;
    struct exec_section exec;
};

/* A string the JSON held with a NUL byte in it: only where a section's rule names that case
 * (exec.argv, exec.env, selinux.execLabel) the reader keeps this marker for the rule to refuse;
 * anywhere else the reader refuses it itself. */
extern char SPEC_NUL_STRING[];

/* ---- the error every step reports: step name, errno, message ---- */

struct failure { const char *step; int err; char message[1024]; };

/* ---- what the steps hand to each other (the launcher's one thread) ---- */

struct open_fd { int fd, target; };

/* What a step proved in force that the kernel shows nowhere in /proc (Landlock's probe): sent back
 * with the pid, by step name ({"proofs":{"landlock":"..."}}), kept with the layer's plan for the audit. */
struct proof { const char *step; char text[256]; };

struct ctx {
    struct spec *spec;
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

/* Everything of one layer in the launcher, in its own file (<layer>.c): its section's place in
 * struct spec and JSON fields (spec.c reads by them), its rules, and the step's three verbs. */
struct step {
    const char *name;                              /* in errors, in DMJAIL_LAUNCHER_FAULT */
    const char *section;                           /* its key in the spec */
    size_t spec_offset;                            /* of its section struct in struct spec */
    const struct field *fields;                    /* the section's JSON fields (spec.h) */
    int (*rules)(const struct spec *, struct failure *);  /* the section's own rules; NULL: none */
    int (*prepare)(struct ctx *);                  /* host reads only; NULL: nothing to prepare */
    int (*apply)(struct ctx *);
    void (*abort)(struct ctx *);                   /* best-effort undo; NULL: nothing to undo */
};

/* The launcher's one sequence (main.c): the steps in the order they are applied. */
extern const struct step *const launcher_steps[];
extern const size_t n_launcher_steps;

/* Whether the spec holds the step's section (every section struct begins with `present`). */
static inline bool step_present(const struct step *st, const struct spec *s) {
    return *(const bool *) ((const char *) s + st->spec_offset);
}

/* ---- spec.c / rules.c ---- */

/* Reads the spec strictly; on error fills msg and returns -1. */
int spec_read(const char *json, size_t len, struct spec *out, char *msg, size_t msglen);
/* Every section's own rules; an exec section is required. Fills f (step = section name). */
int spec_validate(const struct spec *s, struct failure *f);

/* ---- safe_file.c: opening a path someone else may be changing ---- */

/* openat2(path, flags|O_NONBLOCK|O_NOCTTY|O_CLOEXEC (O_PATH: flags|O_CLOEXEC), RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS): no symlink on the way; returns fd or -1 with errno. */
int safe_open(const char *path, int flags, mode_t mode);
/* "dev:ino", or "blk:MAJ:MIN" for a block device. */
void file_identity(const struct stat *st, char *out, size_t len);
const char *file_type_name(mode_t mode);

/* ---- rlimits.c: the one table of names (spec Rlimit) ---- */
int rlimit_by_name(const char *name);

#endif
