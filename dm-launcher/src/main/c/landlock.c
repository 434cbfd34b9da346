/* The landlock layer's step (8th): restricts the launcher, and so the device model it spawns,
 * with a Landlock ruleset (landlock(7), include/uapi/linux/landlock.h): file-system access only
 * beneath the planned paths of its root, no TCP bind or connect (ABI 4+), no abstract unix socket
 * or signal outside the domain (ABI 6+). Sets no_new_privs itself (landlock_restrict_self needs it
 * without CAP_SYS_ADMIN, and a layer must not depend on another being on). Rights the running
 * kernel's ABI does not know are not handled, the best-effort pattern landlock(7) gives.
 *
 * The kernel shows no process's Landlock domain in /proc, so the step proves it in force: right
 * after restrict_self it connects a TCP socket to 127.0.0.1:1, which a Landlock domain denies with
 * EACCES in the socket_connect hook, before routing (the empty network namespace alone would answer
 * ENETUNREACH); the answer goes back to the toolstack with the pid, for the audit. */
#include "spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Debian 12's linux-libc-dev predates ABI 4..6: the uapi definitions, here */
#define SYS_ll_create_ruleset 444
#define SYS_ll_add_rule 445
#define SYS_ll_restrict_self 446
#define LL_CREATE_RULESET_VERSION 1U
#define LL_RULE_PATH_BENEATH 1
#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_MAKE_CHAR (1ULL << 6)
#define FS_MAKE_BLOCK (1ULL << 11)
#define FS_REFER (1ULL << 13)
#define FS_TRUNCATE (1ULL << 14)
#define FS_IOCTL_DEV (1ULL << 15)
#define NET_BIND_TCP 1ULL
#define NET_CONNECT_TCP 2ULL
#define SCOPE_ABSTRACT_UNIX_SOCKET 1ULL
#define SCOPE_SIGNAL 2ULL

/* the section (LandlockSection) */
struct landlock_section { bool present; struct strlist read_only, read_write, devices; bool deny_tcp, scoped; };

static struct landlock_section landlock;

struct ll_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };
struct ll_path_beneath_attr { uint64_t allowed_access; int32_t parent_fd; } __attribute__((packed));

/* The kernel's Landlock ABI version, 0 when it has none (or it is disabled). */
static int abi(void) {
    long v = syscall(SYS_ll_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : (int) v;
}

/* Every file-system right the ABI knows. */
static uint64_t fs_rights(int abi) {
    uint64_t all = (1ULL << 13) - 1;
    if (abi >= 2) all |= FS_REFER;
    if (abi >= 3) all |= FS_TRUNCATE;
    if (abi >= 5) all |= FS_IOCTL_DEV;
    return all;
}

static int prepare(struct ctx *c) {
    if (abi() < 1) {
        return fail(c, EOPNOTSUPP, "this kernel has no Landlock (or it is disabled); the toolstack plans it UNAVAILABLE");
    }
    return 0;
}

static int rule(struct ctx *c, int rs, const char *path, uint64_t rights) {
    int fd = open(path, O_PATH | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) return fail(c, errno, "open %s for a Landlock rule", path);
    struct ll_path_beneath_attr b = { rights, fd };
    long rc = syscall(SYS_ll_add_rule, rs, LL_RULE_PATH_BENEATH, &b, 0);
    int err = errno;
    close(fd);
    if (rc < 0) return fail(c, err, "landlock_add_rule %s", path);
    return 0;
}

/* connect(127.0.0.1:1) must be refused by Landlock itself (EACCES). */
static int probe(struct ctx *c) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return fail(c, errno, "socket(AF_INET) for the Landlock probe");
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(1), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int rc = connect(s, (struct sockaddr *) &sa, sizeof sa);
    int err = errno;
    close(s);
    if (rc == 0 || err != EACCES) {
        return fail(c, err, "Landlock is not in force: connect(127.0.0.1:1) gave %s, not EACCES",
                rc == 0 ? "success" : strerror(err));
    }
    return 0;
}

static int apply(struct ctx *c) {
    const struct landlock_section *l = &landlock;
    int v = abi();
    uint64_t handled = fs_rights(v);
    struct ll_ruleset_attr attr = {
        .handled_access_fs = handled,
        .handled_access_net = l->deny_tcp && v >= 4 ? NET_BIND_TCP | NET_CONNECT_TCP : 0,
        .scoped = l->scoped && v >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0,
    };
    size_t size = v >= 6 ? 24 : v >= 4 ? 16 : 8; /* the struct as this ABI knows it */
    long rs = syscall(SYS_ll_create_ruleset, &attr, size, 0);
    if (rs < 0) return fail(c, errno, "landlock_create_ruleset (ABI %d)", v);
    uint64_t read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR;
    uint64_t write = handled & ~(FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_IOCTL_DEV);
    uint64_t device = (FS_READ_FILE | FS_WRITE_FILE | FS_READ_DIR | (v >= 5 ? FS_IOCTL_DEV : 0)) & handled;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->read_only.n; i++) rc = rule(c, (int) rs, l->read_only.v[i], read);
    for (size_t i = 0; rc == 0 && i < l->read_write.n; i++) rc = rule(c, (int) rs, l->read_write.v[i], write);
    for (size_t i = 0; rc == 0 && i < l->devices.n; i++) rc = rule(c, (int) rs, l->devices.v[i], device);
    if (rc == 0) rc = check(c, prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "PR_SET_NO_NEW_PRIVS");
    if (rc == 0) rc = check(c, syscall(SYS_ll_restrict_self, rs, 0), "landlock_restrict_self");
    close((int) rs);
    if (rc < 0) return -1;
    if (l->deny_tcp && v >= 4) {
        if (probe(c) < 0) return -1;
        prove(c, "ABI %d; probe connect(127.0.0.1:1) = EACCES", v);
    } else {
        prove(c, "ABI %d; no TCP rule on this ABI", v);
    }
    return 0;
}

/* ---- the section: its JSON fields and its rules (the Java record's validate()) ---- */

static const struct field landlock_fields[] = {
    { "readOnly", F_STRLIST, offsetof(struct landlock_section, read_only), NULL },
    { "readWrite", F_STRLIST, offsetof(struct landlock_section, read_write), NULL },
    { "devices", F_STRLIST, offsetof(struct landlock_section, devices), NULL },
    { "denyTcp", F_BOOL, offsetof(struct landlock_section, deny_tcp), NULL },
    { "scoped", F_BOOL, offsetof(struct landlock_section, scoped), NULL },
    END_OF_FIELDS };

static int landlock_rules(const struct landlock_section *s, struct failure *f) {
    const struct strlist *lists[] = { &s->read_only, &s->read_write, &s->devices };
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            if (!path_absolute(lists[l]->v[i])) {
                return broken(f, "landlock", EINVAL, "path must be absolute: %s", shown(lists[l]->v[i]));
            }
        }
    }
    return 0;
}

static int rules(struct failure *f) { return landlock_rules(&landlock, f); }

const struct step landlock_step = { .name = "landlock", .section = "landlock", .data = &landlock,
    .fields = landlock_fields, .rules = rules, .prepare = prepare, .apply = apply };
