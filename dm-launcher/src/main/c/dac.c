/* The dac layer's step (6th): setgroups(0, NULL), setresgid, then (clearCapabilities)
 * PR_CAPBSET_DROP of every capability 0..cap_last_cap and PR_CAP_AMBIENT_CLEAR_ALL while still
 * privileged, then setresuid, capset to all-zero (clears the inheritable set, and the
 * effective/permitted sets when the uid stays 0), PR_SET_NO_NEW_PRIVS, and finally verifies with
 * capget/getresuid/getresgid/PR_CAPBSET_READ that the process really holds the identity and no
 * capability (capabilities(7), prctl(2)). */
#include "dac.h"
#include "spec.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CAP_LAST_CAP_FILE "/proc/sys/kernel/cap_last_cap"

struct dac_section { bool present; int uid, gid; bool clear_capabilities, no_new_privs; };   /* DacSection */

static struct dac_section dac;
static int cap_last_cap = -1;

bool dac_planned_identity(unsigned *uid, unsigned *gid) {
    if (!dac.present) return false;
    *uid = (unsigned) dac.uid;
    *gid = (unsigned) dac.gid;
    return true;
}

static int prepare(struct ctx *c) {
    if (!dac.clear_capabilities) return 0;
    int fd = open(CAP_LAST_CAP_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(c, EIO, "read %s: %m", CAP_LAST_CAP_FILE);
    char buf[16] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    char *end;
    long v = n > 0 ? strtol(buf, &end, 10) : -1;
    if (n <= 0 || end == buf) return fail(c, EIO, "read %s: not a number", CAP_LAST_CAP_FILE);
    if (v < 0 || v > 63) return fail(c, EINVAL, "%s out of range: %ld", CAP_LAST_CAP_FILE, v);
    cap_last_cap = (int) v;
    return 0;
}

static int caps(int op, struct __user_cap_data_struct data[2]) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    return (int) syscall(op, &h, data);
}

static int verify(struct ctx *c, const struct dac_section *id) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    if (check(c, getresuid(&r, &e, &s), "getresuid") < 0) return -1;
    if (r != (uid_t) id->uid || e != (uid_t) id->uid || s != (uid_t) id->uid) {
        return fail(c, EPERM, "uids are %u/%u/%u after setresuid %d", r, e, s, id->uid);
    }
    if (check(c, getresgid(&gr, &ge, &gs), "getresgid") < 0) return -1;
    if (gr != (gid_t) id->gid || ge != (gid_t) id->gid || gs != (gid_t) id->gid) {
        return fail(c, EPERM, "gids are %u/%u/%u after setresgid %d", gr, ge, gs, id->gid);
    }
    if (id->clear_capabilities) {
        struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
        if (check(c, caps(SYS_capget, d), "capget") < 0) return -1;
        if (d[0].effective | d[0].permitted | d[0].inheritable | d[1].effective | d[1].permitted | d[1].inheritable) {
            return fail(c, EPERM, "capabilities still held after the uid switch (CapEff/CapPrm/CapInh not 0): %x/%x/%x",
                    d[0].effective, d[0].permitted, d[0].inheritable);
        }
        /* independent of cap_last_cap: PR_CAPBSET_READ answers EINVAL past the last capability */
        int cap = 0;
        for (int rc; cap < 64 && (rc = prctl(PR_CAPBSET_READ, cap, 0, 0, 0)) >= 0; cap++) {
            if (rc != 0) return fail(c, EPERM, "capability %d still in the bounding set", cap);
        }
        if (cap <= cap_last_cap) {
            return fail(c, EINVAL, "PR_CAPBSET_READ stopped at %d, cap_last_cap is %d", cap, cap_last_cap);
        }
    }
    if (id->no_new_privs && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) return fail(c, EPERM, "no_new_privs not set");
    return 0;
}

static int apply(struct ctx *c) {
    const struct dac_section *id = &dac;
    if (check(c, setgroups(0, NULL), "setgroups(0, NULL)") < 0) return -1;
    if (check(c, setresgid(id->gid, id->gid, id->gid), "setresgid %d", id->gid) < 0) return -1;
    if (id->clear_capabilities) {
        for (int cap = 0; cap <= cap_last_cap; cap++) {
            if (check(c, prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "PR_CAPBSET_DROP %d", cap) < 0) return -1;
        }
        if (check(c, prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "PR_CAP_AMBIENT_CLEAR_ALL") < 0) {
            return -1;
        }
    }
    if (check(c, setresuid(id->uid, id->uid, id->uid), "setresuid %d", id->uid) < 0) return -1;
    if (id->clear_capabilities) {
        struct __user_cap_data_struct zero[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
        if (check(c, caps(SYS_capset, zero), "capset(0)") < 0) return -1;
    }
    if (id->no_new_privs && check(c, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS") < 0) return -1;
    return verify(c, id);
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field dac_fields[] = {
    { "uid", F_INT, offsetof(struct dac_section, uid), NULL },
    { "gid", F_INT, offsetof(struct dac_section, gid), NULL },
    { "clearCapabilities", F_BOOL, offsetof(struct dac_section, clear_capabilities), NULL },
    { "noNewPrivs", F_BOOL, offsetof(struct dac_section, no_new_privs), NULL },
    END_OF_FIELDS };

static int dac_rules(const struct dac_section *s, struct failure *f) {
    if (s->uid == -1 || s->gid == -1) {
        return broken(f, "dac", EINVAL, "uid %u / gid %u: (uid_t)-1 means \"unchanged\" and is not a valid identity",
                (unsigned) s->uid, (unsigned) s->gid);
    }
    if (s->uid < 0 || s->gid < 0) {
        return broken(f, "dac", EINVAL, "uid/gid must be in 0..2^31-1, got %d/%d", s->uid, s->gid);
    }
    return 0;
}

static int rules(struct failure *f) { return dac_rules(&dac, f); }

const struct step dac_step = { .name = "dac", .section = "dac", .data = &dac, .fields = dac_fields, .rules = rules,
    .prepare = prepare, .apply = apply };
