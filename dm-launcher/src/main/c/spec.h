/* The spec's JSON shape, declared by each step next to its section (spec.c reads by these tables):
 * one field table per section record, field name = the Java record component SpecWriter writes. */
#ifndef DMJAIL_SPEC_H
#define DMJAIL_SPEC_H
#include "launcher.h"

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
