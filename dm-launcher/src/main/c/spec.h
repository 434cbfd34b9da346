/* The spec's JSON shape, declared by each step next to its section (spec.c reads by these tables):
 * one field table per section record, field name = the Java record component SpecWriter writes,
 * and the value shapes the reader fills, which the sections' structs are made of. */
#ifndef DMJAIL_SPEC_H
#define DMJAIL_SPEC_H
#include "launcher.h"

struct strlist { char **v; size_t n; };
struct intlist { int *v; size_t n; };
struct strmap { char **keys; char **vals; size_t n; };   /* a value may be NULL (JSON null) */
/* A list of records (F_RECLIST) is a struct of the same shape: { T *v; size_t n; }. */

/* A string the JSON held with a NUL byte in it: only where a section's rule names that case
 * (exec.argv, exec.env, selinux.execLabel) the reader keeps this marker for the rule to refuse;
 * anywhere else the reader refuses it itself. */
extern char SPEC_NUL_STRING[];

enum ftype {
    F_BOOL, F_INT, F_LONG, F_STR,
    F_STR_NULCHECK,        /* a string whose NUL byte a rule refuses itself (SPEC_NUL_STRING) */
    F_ENUM,                /* an int by name: `of` is its names, NULL-terminated, index = value; index 0 is
                              the value of an absent field and never matches */
    F_STRLIST, F_STRLIST_NULCHECK, F_INTLIST,
    F_STRMAP, F_STRMAP_NULCHECK,
    F_RECLIST,             /* a list of records: `of` is its struct record */
};

struct record;
struct field { const char *name; enum ftype type; size_t off; const void *of; };
struct record { size_t size; const struct field *fields; };

#define END_OF_FIELDS { NULL, 0, 0, NULL }

/* ---- the path shapes the rules share (rules.c; spec Paths.java) ---- */

/* Fills f (step = section) and returns -1. */
int broken(struct failure *f, const char *section, int err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A spec string for a message: "null" for NULL, a mark for SPEC_NUL_STRING. */
const char *shown(const char *s);
bool path_absolute(const char *p);
/* Absolute, not "/", and normalized (no "..", ".", "//" or trailing slash). */
bool path_absolute_normal_below_root(const char *p);
/* Every '/'-separated component non-empty and neither "." nor "..". */
bool path_normal_components(const char *p);
#endif
