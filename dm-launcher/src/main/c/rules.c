/* What the sections' rules share (the Java spec's Paths), and the one sequence of them: every
 * required section present (a step's `required`: exec's), then every section's own rules (each in
 * its step's file, the validate() of its Java record rule for rule, with the same errno and words),
 * checked in step order before any step prepares. Pure checks, no host access. */
#include "spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int broken(struct failure *f, const char *section, int err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    f->step = section;
    f->err = err;
    return -1;
}

const char *shown(const char *s) {
    return s == NULL ? "null" : s == SPEC_NUL_STRING ? "<string with a NUL byte>" : s;
}

bool path_absolute(const char *p) {
    return p != NULL && p[0] == '/';
}

/* What java.nio's Path.of(p).normalize().toString().equals(p) holds for. */
bool path_normal_components(const char *p) {
    if (*p == '\0') return false;
    for (const char *c = p;;) {
        const char *e = strchr(c, '/');
        size_t n = e ? (size_t) (e - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return false;
        if (!e) return true;
        c = e + 1;
    }
}

bool path_absolute_normal_below_root(const char *p) {
    return path_absolute(p) && strcmp(p, "/") != 0 && path_normal_components(p + 1);
}

int spec_validate(struct failure *f) {
    for (size_t i = 0; i < n_launcher_steps; i++) {
        const struct step *st = launcher_steps[i];
        if (st->required && !step_present(st)) {
            return broken(f, st->section, EINVAL, "no %s section: %s", st->section, st->required);
        }
    }
    for (size_t i = 0; i < n_launcher_steps; i++) {
        const struct step *st = launcher_steps[i];
        if (st->rules && step_present(st) && st->rules(f) < 0) return -1;
    }
    return 0;
}
