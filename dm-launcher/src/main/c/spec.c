/* The launch spec reader: jansson into the section structs, by the field table each step declares
 * for its section (spec.h; field name = the Java record component, as
 * dev.dmjail.launcher.spec.SpecWriter writes it), each into its step's own section (step.data).
 * The sections it knows are the steps' (main.c).
 * Strict like the tests' Java SpecReader (their model of this reader): an unknown section, an unknown field of a record, a
 * wrong type, an out-of-range integer, a duplicate key or trailing data is refused with its place
 * ("namespaces.uts: expected a boolean"); absent or null is NULL/empty/false/0. */
#include "spec.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char SPEC_NUL_STRING[] = "\0<NUL>";

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
    case F_ENUM: {
        const char *const *names = f->of;
        if (v == NULL || json_is_null(v)) {
            *(int *) at = 0;
            return 0;
        }
        if (json_is_string(v)) {
            for (int k = 1; names[k]; k++) {
                if (strcmp(names[k], json_string_value(v)) == 0 && strlen(names[k]) == json_string_length(v)) {
                    *(int *) at = k;
                    return 0;
                }
            }
            return bad(r, "%s: unknown %s %s", where, f->name, json_string_value(v));
        }
        return bad(r, "%s: unknown %s (not a string)", where, f->name);
    }
    case F_STRLIST: case F_STRLIST_NULCHECK: case F_INTLIST: case F_RECLIST: {
        if (v == NULL || json_is_null(v)) return 0; /* empty */
        if (!json_is_array(v)) return bad(r, "%s: expected an array", where);
        size_t n = json_array_size(v);
        const struct record *rec = f->of;
        size_t esize = f->type == F_RECLIST ? rec->size : f->type == F_INTLIST ? sizeof(int) : sizeof(char *);
        char *elems = xcalloc(n, esize);
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            place(w, sizeof w, "%s[%zu]", where, i);
            void *ea = elems + i * esize;
            if (f->type == F_RECLIST) {
                if (record(r, rec->fields, e, w, ea) < 0) return -1;
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
        size_t klen;
        json_t *e;
        json_object_keylen_foreach(v, k, klen, e) {
            if (strlen(k) != klen) return bad(r, "%s: a NUL byte in a key", where);
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
    size_t klen;
    json_t *e;
    json_object_keylen_foreach(v, k, klen, e) {
        if (strlen(k) != klen) return bad(r, "%s: a NUL byte in a key", where);
        const struct field *f = fields;
        while (f->name && strcmp(f->name, k) != 0) f++;
        if (!f->name) {
            return bad(r, "%s: unknown field \"%s\"", where, k);
        }
    }
    return 0;
}

/* The section names the reader knows, in step order ("fds-env, cgroup, ..."). */
static const char *known_sections(void) {
    static char known[256];
    if (!known[0]) {
        for (size_t i = 0; i < n_launcher_steps; i++) {
            if (i) strcat(known, ", ");
            strcat(known, launcher_steps[i]->section);
        }
    }
    return known;
}

int spec_read(const char *json, size_t len, struct spec *out, char *msg, size_t msglen) {
    struct reader r = { msg, msglen };
    memset(out, 0, sizeof *out); /* the steps' sections are statics, all zero until read: absent */
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
    size_t klen;
    json_t *v;
    json_object_keylen_foreach(root, k, klen, v) {
        if (strlen(k) != klen) return bad(&r, "a NUL byte in a section name");
        if (strcmp(k, "domainName") == 0) {
            if (string(&r, v, k, false, &out->domain_name) < 0) return -1;
            continue;
        }
        size_t i = 0;
        while (i < n_launcher_steps && strcmp(launcher_steps[i]->section, k) != 0) i++;
        if (i == n_launcher_steps) {
            return bad(&r, "unknown section \"%s\" (known: %s)", k, known_sections());
        }
        if (json_is_null(v)) {
            continue; /* absent: the layer is off */
        }
        void *section = launcher_steps[i]->data;
        if (record(&r, launcher_steps[i]->fields, v, k, section) < 0) return -1;
        *(bool *) section = true; /* every section struct begins with `present` */
    }
    json_decref(root);
    return 0;
}
