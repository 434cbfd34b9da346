/* The launch spec reader: jansson into the section structs, by one table per section record
 * (field name = the Java record component, as dev.dmjail.launcher.spec.SpecWriter writes it).
 * Strict like the Java SpecReader it replaces: an unknown section, an unknown field of a record, a
 * wrong type, an out-of-range integer, a duplicate key or trailing data is refused with its place
 * ("namespaces.uts: expected a boolean"); absent or null is NULL/empty/false/0. */
#include "launcher.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char SPEC_NUL_STRING[] = "\0<NUL>";

enum ftype { F_BOOL, F_INT, F_LONG, F_STR, F_STR_NULCHECK, F_KIND, F_STRLIST, F_STRLIST_NULCHECK, F_INTLIST,
             F_STRMAP, F_STRMAP_NULCHECK, F_RECLIST };

struct record;
struct field { const char *name; enum ftype type; size_t off; const struct record *rec; };
struct record { size_t size; const struct field *fields; };


/* ---- records ---- */

static const struct field fd_spec_fields[] = {
    { "target", F_INT, offsetof(struct fd_spec, target), NULL },
    { "kind", F_KIND, offsetof(struct fd_spec, kind), NULL },
    { "path", F_STR, offsetof(struct fd_spec, path), NULL },
    { "write", F_BOOL, offsetof(struct fd_spec, write), NULL },
    { "append", F_BOOL, offsetof(struct fd_spec, append), NULL },
    { "identity", F_STR, offsetof(struct fd_spec, identity), NULL },
    { NULL, 0, 0, NULL } };
static const struct record fd_spec_rec = { sizeof(struct fd_spec), fd_spec_fields };

static const struct field device_node_fields[] = {
    { "name", F_STR, offsetof(struct device_node, name), NULL },
    { "major", F_INT, offsetof(struct device_node, major), NULL },
    { "minor", F_INT, offsetof(struct device_node, minor), NULL },
    { "mode", F_INT, offsetof(struct device_node, mode), NULL },
    { NULL, 0, 0, NULL } };
static const struct record device_node_rec = { sizeof(struct device_node), device_node_fields };

static const struct field root_file_fields[] = {
    { "at", F_STR, offsetof(struct root_file, at), NULL },
    { "hostPath", F_STR, offsetof(struct root_file, host_path), NULL },
    { "identity", F_STR, offsetof(struct root_file, identity), NULL },
    { NULL, 0, 0, NULL } };
static const struct record root_file_rec = { sizeof(struct root_file), root_file_fields };

static const struct field rlimit_spec_fields[] = {
    { "resource", F_STR, offsetof(struct rlimit_spec, resource), NULL },
    { "soft", F_LONG, offsetof(struct rlimit_spec, soft), NULL },
    { "hard", F_LONG, offsetof(struct rlimit_spec, hard), NULL },
    { NULL, 0, 0, NULL } };
static const struct record rlimit_spec_rec = { sizeof(struct rlimit_spec), rlimit_spec_fields };

/* ---- sections ---- */

static const struct field fds_env_fields[] = {
    { "fds", F_RECLIST, offsetof(struct fds_env_section, fds), &fd_spec_rec },
    { NULL, 0, 0, NULL } };
static const struct field cgroup_fields[] = {
    { "procs", F_STRLIST, offsetof(struct cgroup_section, procs), NULL },
    { NULL, 0, 0, NULL } };
static const struct field namespaces_fields[] = {
    { "mount", F_BOOL, offsetof(struct namespaces_section, mount), NULL },
    { "ipc", F_BOOL, offsetof(struct namespaces_section, ipc), NULL },
    { "uts", F_BOOL, offsetof(struct namespaces_section, uts), NULL },
    { "net", F_BOOL, offsetof(struct namespaces_section, net), NULL },
    { "pid", F_BOOL, offsetof(struct namespaces_section, pid), NULL },
    { "hostname", F_STR, offsetof(struct namespaces_section, hostname), NULL },
    { NULL, 0, 0, NULL } };
static const struct field filesystem_fields[] = {
    { "mountPoint", F_STR, offsetof(struct filesystem_section, mount_point), NULL },
    { "readOnlyBinds", F_STRLIST, offsetof(struct filesystem_section, read_only_binds), NULL },
    { "symlinks", F_STRMAP, offsetof(struct filesystem_section, symlinks), NULL },
    { "devices", F_RECLIST, offsetof(struct filesystem_section, devices), &device_node_rec },
    { "writableDirs", F_STRLIST, offsetof(struct filesystem_section, writable_dirs), NULL },
    { "tmpfsBytes", F_LONG, offsetof(struct filesystem_section, tmpfs_bytes), NULL },
    { "files", F_RECLIST, offsetof(struct filesystem_section, files), &root_file_rec },
    { NULL, 0, 0, NULL } };
static const struct field rlimits_fields[] = {
    { "limits", F_RECLIST, offsetof(struct rlimits_section, limits), &rlimit_spec_rec },
    { NULL, 0, 0, NULL } };
static const struct field dac_fields[] = {
    { "uid", F_INT, offsetof(struct dac_section, uid), NULL },
    { "gid", F_INT, offsetof(struct dac_section, gid), NULL },
    { "clearCapabilities", F_BOOL, offsetof(struct dac_section, clear_capabilities), NULL },
    { "noNewPrivs", F_BOOL, offsetof(struct dac_section, no_new_privs), NULL },
    { NULL, 0, 0, NULL } };
static const struct field selinux_fields[] = {
    { "execLabel", F_STR_NULCHECK, offsetof(struct selinux_section, exec_label), NULL },
    { NULL, 0, 0, NULL } };
static const struct field landlock_fields[] = {
    { "readOnly", F_STRLIST, offsetof(struct landlock_section, read_only), NULL },
    { "readWrite", F_STRLIST, offsetof(struct landlock_section, read_write), NULL },
    { "devices", F_STRLIST, offsetof(struct landlock_section, devices), NULL },
    { "denyTcp", F_BOOL, offsetof(struct landlock_section, deny_tcp), NULL },
    { "scoped", F_BOOL, offsetof(struct landlock_section, scoped), NULL },
    { NULL, 0, 0, NULL } };
static const struct field seccomp_fields[] = {
    { "denyEperm", F_STRLIST, offsetof(struct seccomp_section, deny_eperm), NULL },
    { "denyEnosys", F_STRLIST, offsetof(struct seccomp_section, deny_enosys), NULL },
    { "denyCloneNamespaceFlags", F_BOOL, offsetof(struct seccomp_section, deny_clone_namespace_flags), NULL },
    { "denySocketFamilies", F_INTLIST, offsetof(struct seccomp_section, deny_socket_families), NULL },
    { NULL, 0, 0, NULL } };
static const struct field exec_fields[] = {
    { "path", F_STR, offsetof(struct exec_section, path), NULL },
    { "argv", F_STRLIST_NULCHECK, offsetof(struct exec_section, argv), NULL },
    { "env", F_STRMAP_NULCHECK, offsetof(struct exec_section, env), NULL },
    { "cwd", F_STR, offsetof(struct exec_section, cwd), NULL },
    { NULL, 0, 0, NULL } };

/* The sections a spec may hold, in step order (main.c's steps[] applies them in this order too). */
static const struct { const char *name; size_t off; struct record rec; } SECTIONS[] = {
    { "fds-env", offsetof(struct spec, fds_env), { sizeof(struct fds_env_section), fds_env_fields } },
    { "cgroup", offsetof(struct spec, cgroup), { sizeof(struct cgroup_section), cgroup_fields } },
    { "namespaces", offsetof(struct spec, namespaces), { sizeof(struct namespaces_section), namespaces_fields } },
    { "filesystem", offsetof(struct spec, filesystem), { sizeof(struct filesystem_section), filesystem_fields } },
    { "rlimits", offsetof(struct spec, rlimits), { sizeof(struct rlimits_section), rlimits_fields } },
    { "dac", offsetof(struct spec, dac), { sizeof(struct dac_section), dac_fields } },
    { "selinux", offsetof(struct spec, selinux), { sizeof(struct selinux_section), selinux_fields } },
    { "landlock", offsetof(struct spec, landlock), { sizeof(struct landlock_section), landlock_fields } },
    { "seccomp", offsetof(struct spec, seccomp), { sizeof(struct seccomp_section), seccomp_fields } },
    { "exec", offsetof(struct spec, exec), { sizeof(struct exec_section), exec_fields } },
};
#define N_SECTIONS (sizeof(SECTIONS) / sizeof(SECTIONS[0]))

static const char *const KINDS[] = { [KIND_FILE] = "FILE", [KIND_DISK] = "DISK", [KIND_DEV_NULL] = "DEV_NULL",
    [KIND_UNIX_LISTEN] = "UNIX_LISTEN", [KIND_INCOMING] = "INCOMING", [KIND_TAP] = "TAP" };

/* ---- conversion ---- */

struct reader { char *msg; size_t msglen; };

static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, r->msglen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The place of a value in the spec ("fds-env.fds[0].kind"), cut at the buffer's end. */
static void place(char *w, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void place(char *w, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(w, n, fmt, ap) < 0) w[0] = '\0';
    va_end(ap);
}

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        abort(); /* out of memory at start-up: nothing was done yet */
    }
    return p;
}

/* A JSON string as a C string; NULL for null. A NUL inside: the marker where a rule checks it. */
static int string(struct reader *r, json_t *v, const char *where, bool nulcheck, char **out) {
    if (v == NULL || json_is_null(v)) {
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v)) {
        return bad(r, "%s: expected a string", where);
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        if (!nulcheck) {
            return bad(r, "%s: a NUL byte in a string", where);
        }
        *out = SPEC_NUL_STRING;
        return 0;
    }
    *out = strdup(s);
    if (!*out) abort();
    return 0;
}

static int integer(struct reader *r, json_t *v, const char *where, bool wide, long long *out) {
    if (v == NULL || json_is_null(v)) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v)) {
        return bad(r, "%s: expected an integer", where);
    }
    long long l = json_integer_value(v);
    if (!wide && (l < INT32_MIN || l > INT32_MAX)) {
        return bad(r, "%s: out of range: %lld", where, l);
    }
    *out = l;
    return 0;
}

static int record(struct reader *r, const struct field *fields, json_t *v, const char *where, void *out);

static int field(struct reader *r, const struct field *f, json_t *v, const char *where, void *base) {
    void *at = (char *) base + f->off;
    char w[512];
    switch (f->type) {
    case F_BOOL:
        if (v == NULL || json_is_null(v)) *(bool *) at = false;
        else if (json_is_boolean(v)) *(bool *) at = json_is_true(v);
        else return bad(r, "%s: expected a boolean", where);
        return 0;
    case F_INT: case F_LONG: {
        long long l = 0;
        if (integer(r, v, where, f->type == F_LONG, &l) < 0) return -1;
        if (f->type == F_LONG) *(long long *) at = l;
        else *(int *) at = (int) l;
        return 0;
    }
    case F_STR: case F_STR_NULCHECK:
        return string(r, v, where, f->type == F_STR_NULCHECK, (char **) at);
    case F_KIND: {
        if (v == NULL || json_is_null(v)) {
            *(int *) at = KIND_NONE;
            return 0;
        }
        if (json_is_string(v)) {
            for (int k = KIND_FILE; k <= KIND_TAP; k++) {
                if (strcmp(KINDS[k], json_string_value(v)) == 0 && strlen(KINDS[k]) == json_string_length(v)) {
                    *(int *) at = k;
                    return 0;
                }
            }
            return bad(r, "%s: unknown kind %s", where, json_string_value(v));
        }
        return bad(r, "%s: unknown kind (not a string)", where);
    }
    case F_STRLIST: case F_STRLIST_NULCHECK: case F_INTLIST: case F_RECLIST: {
        if (v == NULL || json_is_null(v)) return 0; /* empty */
        if (!json_is_array(v)) return bad(r, "%s: expected an array", where);
        size_t n = json_array_size(v);
        size_t esize = f->type == F_RECLIST ? f->rec->size : f->type == F_INTLIST ? sizeof(int) : sizeof(char *);
        char *elems = xcalloc(n, esize);
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            place(w, sizeof w, "%s[%zu]", where, i);
            void *ea = elems + i * esize;
            if (f->type == F_RECLIST) {
                if (record(r, f->rec->fields, e, w, ea) < 0) return -1;
            } else if (f->type == F_INTLIST) {
                if (!json_is_integer(e) || json_integer_value(e) < INT32_MIN || json_integer_value(e) > INT32_MAX) {
                    return bad(r, "%s: expected an integer", w);
                }
                *(int *) ea = (int) json_integer_value(e);
            } else if (string(r, e, w, f->type == F_STRLIST_NULCHECK, (char **) ea) < 0) {
                return -1;
            }
        }
        /* struct strlist, intlist and every record list share the shape { T *v; size_t n; } */
        struct { void *v; size_t n; } *list = at;
        list->v = elems;
        list->n = n;
        return 0;
    }
    case F_STRMAP: case F_STRMAP_NULCHECK: {
        if (v == NULL || json_is_null(v)) return 0;
        if (!json_is_object(v)) return bad(r, "%s: expected an object", where);
        struct strmap *m = at;
        size_t n = json_object_size(v);
        m->keys = xcalloc(n, sizeof(char *));
        m->vals = xcalloc(n, sizeof(char *));
        const char *k;
        json_t *e;
        json_object_foreach(v, k, e) {
            place(w, sizeof w, "%s.%s", where, k);
            if (string(r, e, w, f->type == F_STRMAP_NULCHECK, &m->vals[m->n]) < 0) return -1;
            m->keys[m->n] = strdup(k);
            if (!m->keys[m->n]) abort();
            m->n++;
        }
        return 0;
    }
    }
    return bad(r, "%s: unsupported type", where);
}

static int record(struct reader *r, const struct field *fields, json_t *v, const char *where, void *out) {
    if (!json_is_object(v)) {
        return bad(r, "%s: expected an object", where);
    }
    char w[512];
    for (const struct field *f = fields; f->name; f++) {
        place(w, sizeof w, "%s.%s", where, f->name);
        if (field(r, f, json_object_get(v, f->name), w, out) < 0) {
            return -1;
        }
    }
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e) {
        const struct field *f = fields;
        while (f->name && strcmp(f->name, k) != 0) f++;
        if (!f->name) {
            return bad(r, "%s: unknown field \"%s\"", where, k);
        }
    }
    return 0;
}

const char *spec_known_sections(void) {
    static char known[256];
    if (!known[0]) {
        for (size_t i = 0; i < N_SECTIONS; i++) {
            if (i) strcat(known, ", ");
            strcat(known, SECTIONS[i].name);
        }
    }
    return known;
}

int spec_read(const char *json, size_t len, struct spec *out, char *msg, size_t msglen) {
    struct reader r = { msg, msglen };
    memset(out, 0, sizeof *out);
    if (len == 0) {
        return bad(&r, "empty input");
    }
    json_error_t jerr;
    /* JSON_REJECT_DUPLICATES: a key given twice; trailing data is refused by default (no
     * JSON_DISABLE_EOF_CHECK); JSON_ALLOW_NUL so a NUL inside a string reaches the rule that names it */
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        return bad(&r, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    }
    if (!json_is_object(root)) {
        return bad(&r, "the spec must be a JSON object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v) {
        if (strcmp(k, "domainName") == 0) {
            if (string(&r, v, k, false, &out->domain_name) < 0) return -1;
            continue;
        }
        size_t i = 0;
        while (i < N_SECTIONS && strcmp(SECTIONS[i].name, k) != 0) i++;
        if (i == N_SECTIONS) {
            return bad(&r, "unknown section \"%s\" (known: %s)", k, spec_known_sections());
        }
        if (json_is_null(v)) {
            continue; /* absent: the layer is off */
        }
        void *section = (char *) out + SECTIONS[i].off;
        if (record(&r, SECTIONS[i].rec.fields, v, k, section) < 0) return -1;
        *(bool *) section = true; /* every section struct begins with `present` */
    }
    json_decref(root);
    return 0;
}
