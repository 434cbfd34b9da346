/* The selinux layer's step (7th): writes the section's exec label to /proc/thread-self/attr/exec
 * (opened at prepare, before the pivot) so the spawned exec transitions to it. If SELinux is not
 * enabled on the host a label is refused at prepare: the toolstack must never plan one then. */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct selinux_section { bool present; char *exec_label; };   /* SelinuxSection */

static struct selinux_section selinux;
static int exec_attr_fd = -1;

/* selinuxfs is a filesystem of this kernel and mounted (its "enforce" node exists), as
 * libselinux's is_selinux_enabled() asks. */
static bool selinux_enabled(void) {
    FILE *f = fopen("/proc/filesystems", "re");
    if (!f) return false;
    char line[256];
    bool known = false;
    while (fgets(line, sizeof line, f)) known |= strstr(line, "selinuxfs") != NULL;
    fclose(f);
    return known && access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int prepare(struct ctx *c) {
    const char *label = selinux.exec_label;
    if (!selinux_enabled()) {
        return fail(c, EOPNOTSUPP, "exec label %s planned but SELinux is not enabled on this host", label);
    }
    exec_attr_fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
    return check(c, exec_attr_fd, "open /proc/thread-self/attr/exec");
}

static int apply(struct ctx *c) {
    const char *label = selinux.exec_label;
    size_t len = strlen(label);
    ssize_t n = write(exec_attr_fd, label, len);
    int err = errno;
    close(exec_attr_fd);
    exec_attr_fd = -1;
    if (n < 0 || (size_t) n != len) return fail(c, n < 0 ? err : EIO, "set exec label %s", label);
    return 0;
}

static void abort_step(struct ctx *c) {
    (void) c;
    if (exec_attr_fd >= 0) close(exec_attr_fd);
    exec_attr_fd = -1;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field selinux_fields[] = {
    { "execLabel", F_STR_NULCHECK, offsetof(struct selinux_section, exec_label), NULL },
    END_OF_FIELDS };

static int selinux_rules(const struct selinux_section *s, struct failure *f) {
    if (s->exec_label == NULL || s->exec_label[0] == '\0' || s->exec_label == SPEC_NUL_STRING) {
        return broken(f, "selinux", EINVAL, "bad SELinux label \"%s\"", shown(s->exec_label));
    }
    return 0;
}

static int rules(struct failure *f) { return selinux_rules(&selinux, f); }

const struct step selinux_step = { .name = "selinux", .section = "selinux", .data = &selinux, .fields = selinux_fields,
    .rules = rules, .prepare = prepare, .apply = apply, .abort = abort_step };
