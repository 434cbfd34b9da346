/*
 * hostile.c: a device model that attacks its own confinement (dmjail issue 4).
 *
 * dmjail starts it instead of QEMU (device_model_override) with QEMU's argv, which it ignores, then
 * the options that follow (device_model_args): --victim-*, --toolstack-pid, ... Every attack prints
 * one line to stdout (the domain log):
 *
 *     ATTACK <name> <DENIED|ALLOWED> <ERRNO-NAME or detail> [more detail]
 *
 * then it serves a minimal QMP on fd 3 so that create succeeds and the audit runs. A successful
 * attack is undone at once where it changed anything (files unlinked, mounts unmounted, children
 * killed); probes that could harm the host use arguments that the kernel rejects only after its
 * permission check (e.g. kexec_load with too many segments: EPERM = denied, EINVAL = allowed).
 *
 * Host-side helper mode (run by the test, not by dmjail):  hostile --listen-abstract NAME
 * listens on the abstract unix socket @NAME and prints "CONNECTED" for every connection.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/kvm.h>
#include <linux/perf_event.h>
#include <linux/userfaultfd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif

static const char *host_hostname, *victim_disk, *victim_qmp, *victim_serial, *victim_console, *victim_state, *abstract_name, *only;
static long victim_pid = -1, toolstack_pid = -1, tcp_port = -1, shmid = -1, mem_limit_mib = 512;
static int fork_max = 500, flood_mib = 0, ignore_xfsz = 1, hang = 0, exit_code = -1, console_fd = -1;

static const char *ename(int e) {
    const char *n = strerrorname_np(e);
    static char buf[32];
    if (n) return n;
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

static int selected(const char *name) {
    if (!only) return 1;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += n) {
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
    }
    return 0;
}

static void report(const char *name, int allowed, const char *fmt, ...) {
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    for (char *c = detail; *c; c++) if (*c == '\n' || *c == '\r') *c = ' ';
    dprintf(1, "ATTACK %s %s %s\n", name, allowed ? "ALLOWED" : "DENIED", detail);
}

/* A syscall that fails: DENIED with its errno; that succeeds: ALLOWED with `what`. */
static void verdict_rc(const char *name, long rc, int err, const char *what) {
    if (rc < 0) report(name, 0, "%s", ename(err));
    else report(name, 1, "%s", what);
}

/*
 * A probe whose arguments are rejected after the permission check: `deny1`/`deny2` errnos (EPERM,
 * EACCES, ENOSYS, ...) mean denied, anything else means the caller got past the permission check.
 */
static void verdict_probe(const char *name, long rc, int err, int deny1, int deny2) {
    if (rc >= 0) report(name, 1, "succeeded");
    else if (err == deny1 || err == deny2) report(name, 0, "%s", ename(err));
    else report(name, 1, "permission check passed (%s on a dummy argument)", ename(err));
}

/* Runs fn in a forked child (for probes that change the caller); the child reports through a pipe. */
typedef int (*probe_fn)(char *detail, size_t n);
static void in_child(const char *name, probe_fn fn) {
    int p[2];
    if (pipe(p) < 0) { report(name, 0, "%s (pipe)", ename(errno)); return; }
    pid_t c = fork();
    if (c < 0) { report(name, 0, "%s (fork)", ename(errno)); close(p[0]); close(p[1]); return; }
    if (c == 0) {
        close(p[0]);
        char d[400] = "";
        int allowed = fn(d, sizeof d);
        char out[420];
        int len = snprintf(out, sizeof out, "%c%s", allowed ? 'A' : 'D', d);
        if (write(p[1], out, len) < 0) _exit(3);
        _exit(0);
    }
    close(p[1]);
    char buf[420] = "";
    ssize_t got = 0, r;
    while ((r = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) got += r;
    buf[got > 0 ? got : 0] = 0;
    close(p[0]);
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    if (got <= 0) {
        report(name, 0, "child died (%s)", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "no report");
        return;
    }
    report(name, buf[0] == 'A', "%s", buf + 1);
}

/* ---------- files ---------- */

static void try_open(const char *name, const char *path, int flags) {
    if (!selected(name)) return;
    if (!path) { report(name, 0, "SKIPPED no path given"); return; }
    int fd = open(path, flags);
    if (fd < 0) { report(name, 0, "%s", ename(errno)); return; }
    char b[16];
    ssize_t r = (flags & O_ACCMODE) == O_WRONLY ? 0 : read(fd, b, sizeof b);
    close(fd);
    report(name, 1, "opened %s (read %zd bytes)", path, r);
}

static void try_create(const char *name, const char *dir) {
    if (!selected(name)) return;
    char path[256];
    snprintf(path, sizeof path, "%s/.dmjail-hostile-%d", dir, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) { report(name, 0, "%s", ename(errno)); return; }
    close(fd);
    unlink(path);
    report(name, 1, "created %s (removed again)", path);
}

static void read_state(void) {
    if (!selected("read-victim-state")) return;
    if (!victim_state) { report("read-victim-state", 0, "SKIPPED"); return; }
    char path[512];
    snprintf(path, sizeof path, "%s/state.json", victim_state);
    int fd = open(path, O_RDONLY);
    if (fd >= 0) { close(fd); report("read-victim-state", 1, "read %s", path); return; }
    int e = errno;
    DIR *d = opendir(victim_state);
    if (d) { closedir(d); report("read-victim-state", 1, "listed %s (state.json: %s)", victim_state, ename(e)); return; }
    report("read-victim-state", 0, "%s", ename(e));
}

/* the victim's root-only sockets in its state dir: QMP, and the serial console `dmjail console` attaches to */
static void victim_connect(const char *name, const char *path, const char *what) {
    if (!selected(name)) return;
    if (!path) { report(name, 0, "SKIPPED"); return; }
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) { report(name, 0, "%s (socket)", ename(errno)); return; }
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    int rc = connect(s, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    close(s);
    verdict_rc(name, rc, e, what);
}

/* ---------- processes ---------- */

static void signal_probe(const char *name, long pid) {
    if (!selected(name)) return;
    if (pid <= 0) { report(name, 0, "SKIPPED"); return; }
    int rc = kill((pid_t)pid, 0); /* signal 0: the permission check without the signal */
    verdict_rc(name, rc, errno, "may signal it (kill -0 succeeded)");
}

static long ptrace_target;
static int ptrace_child(char *d, size_t n) {
    long rc = ptrace(PTRACE_SEIZE, (pid_t)ptrace_target, 0, 0); /* no stop; detached when we exit */
    if (rc < 0) { snprintf(d, n, "%s", ename(errno)); return 0; }
    snprintf(d, n, "PTRACE_SEIZE succeeded (detached on exit)");
    return 1;
}
static void ptrace_probe(const char *name, long pid) {
    if (!selected(name)) return;
    if (pid <= 0) { report(name, 0, "SKIPPED"); return; }
    ptrace_target = pid;
    in_child(name, ptrace_child);
}

static void vm_readv_probe(void) {
    if (!selected("process-vm-readv-victim")) return;
    char local[8];
    struct iovec l = {local, sizeof local}, r = {(void *)0x1000, sizeof local};
    long rc = syscall(SYS_process_vm_readv, (pid_t)victim_pid, &l, 1, &r, 1, 0);
    int e = errno;
    if (rc >= 0) report("process-vm-readv-victim", 1, "read %ld bytes", rc);
    else if (e == EFAULT) report("process-vm-readv-victim", 1, "permission check passed (EFAULT on a dummy address)");
    else report("process-vm-readv-victim", 0, "%s", ename(e));
}

static void list_proc(void) {
    if (!selected("list-proc")) return;
    DIR *d = opendir("/proc");
    if (!d) { report("list-proc", 0, "%s", ename(errno)); return; }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) if (e->d_name[0] >= '1' && e->d_name[0] <= '9') n++;
    closedir(d);
    char p1[64], p2[64];
    snprintf(p1, sizeof p1, "/proc/%ld", toolstack_pid);
    snprintf(p2, sizeof p2, "/proc/%ld", victim_pid);
    int ts = toolstack_pid > 0 && access(p1, F_OK) == 0, vi = victim_pid > 0 && access(p2, F_OK) == 0;
    if (ts || vi) report("list-proc", 1, "sees %d processes, incl.%s%s", n, ts ? " the toolstack" : "", vi ? " the victim" : "");
    else report("list-proc", 0, "EOK only its own %d processes", n);
}

/* ---------- identity ---------- */

static void identity(void) {
    if (selected("setuid-0")) {
        int rc = setuid(0);
        int e = errno;
        if (rc == 0 && geteuid() == 0) report("setuid-0", 1, "euid 0");
        else report("setuid-0", 0, "%s", rc < 0 ? ename(e) : "EOK but not root");
    }
    if (selected("setgid-0")) {
        int rc = setgid(0);
        int e = errno;
        if (rc == 0 && getegid() == 0) report("setgid-0", 1, "egid 0");
        else report("setgid-0", 0, "%s", rc < 0 ? ename(e) : "EOK but not gid 0");
    }
    if (selected("capset")) {
        int last = 40;
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
        if (f) { if (fscanf(f, "%d", &last) != 1) last = 40; fclose(f); }
        struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof data);
        for (int c = 0; c <= last; c++) {
            data[c / 32].effective |= 1u << (c % 32);
            data[c / 32].permitted |= 1u << (c % 32);
        }
        long rc = syscall(SYS_capset, &h, data);
        int e = errno;
        struct __user_cap_data_struct now[2];
        memset(now, 0, sizeof now);
        syscall(SYS_capget, &h, now);
        if (rc == 0) report("capset", 1, "holds every capability");
        else if (now[0].effective | now[1].effective)
            report("capset", 1, "capset %s, but it holds capabilities anyway (CapEff %08x%08x)", ename(e),
                   now[1].effective, now[0].effective);
        else report("capset", 0, "%s", ename(e));
    }
}

/* ---------- namespaces, mounts, roots ---------- */

static void try_mount(void) {
    if (!selected("mount")) return;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/.hostile-mnt-%d", (int)getpid());
    mkdir(dir, 0700);
    int rc = mount("none", dir, "tmpfs", 0, "size=4k");
    int e = errno;
    if (rc == 0) umount2(dir, MNT_DETACH);
    rmdir(dir);
    verdict_rc("mount", rc, e, "mounted a tmpfs (unmounted again)");
}

static int unshare_user_child(char *d, size_t n) {
    if (unshare(CLONE_NEWUSER) < 0) { snprintf(d, n, "%s", ename(errno)); return 0; }
    snprintf(d, n, "new user namespace");
    return 1;
}
static int unshare_mnt_child(char *d, size_t n) {
    if (unshare(CLONE_NEWNS) < 0) { snprintf(d, n, "%s", ename(errno)); return 0; }
    snprintf(d, n, "new mount namespace");
    return 1;
}
static int clone_user_child(char *d, size_t n) {
    long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
    if (c == 0) _exit(0);
    if (c < 0) { snprintf(d, n, "%s", ename(errno)); return 0; }
    waitpid((pid_t)c, NULL, 0);
    snprintf(d, n, "clone(CLONE_NEWUSER) succeeded");
    return 1;
}
static int setns_child(char *d, size_t n) {
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    if (fd < 0) { snprintf(d, n, "%s (open /proc/1/ns/mnt)", ename(errno)); return 0; }
    int rc = setns(fd, CLONE_NEWNS);
    int e = errno;
    close(fd);
    if (rc < 0) { snprintf(d, n, "%s (setns; the open succeeded)", ename(e)); return 0; }
    snprintf(d, n, "joined pid 1's mount namespace");
    return 1;
}
static int chroot_child(char *d, size_t n) {
    if (chroot("/") < 0) { snprintf(d, n, "%s", ename(errno)); return 0; }
    /* the classic escape: chroot into a subdirectory, climb out with the cwd, chroot there */
    mkdir("/tmp/.hostile-jail", 0700);
    int escaped = 0;
    if (chroot("/tmp/.hostile-jail") == 0) {
        for (int i = 0; i < 64; i++) if (chdir("..") < 0) break;
        escaped = chroot(".") == 0 && access("/etc/passwd", F_OK) == 0;
    }
    rmdir("/tmp/.hostile-jail");
    snprintf(d, n, "chroot permitted%s", escaped ? "; climbed to a root with /etc/passwd" : "");
    return 1;
}

static void ns_attacks(void) {
    if (selected("unshare-user")) in_child("unshare-user", unshare_user_child);
    if (selected("unshare-mount")) in_child("unshare-mount", unshare_mnt_child);
    if (selected("clone-newuser")) in_child("clone-newuser", clone_user_child);
    if (selected("setns-host-mnt")) in_child("setns-host-mnt", setns_child);
    if (selected("pivot-root")) {
        long rc = syscall(SYS_pivot_root, "/nonexistent-new-root", "/nonexistent-put-old");
        verdict_probe("pivot-root", rc, errno, EPERM, EACCES);
    }
    if (selected("chroot")) in_child("chroot", chroot_child);
    if (selected("sethostname-host")) {
        char h[256] = "";
        gethostname(h, sizeof h - 1);
        if (host_hostname && strcmp(h, host_hostname) != 0) {
            /* a uts namespace of its own: whatever it sets, the host's name stays */
            report("sethostname-host", 0, "EOK own uts namespace (hostname %s)", h);
        } else {
            int rc = sethostname(h, strlen(h)); /* the host's own name again: the permission check, no change */
            verdict_rc("sethostname-host", rc, errno, "may set the host's hostname");
        }
    }
    if (selected("sysv-shm-host")) {
        if (shmid < 0) report("sysv-shm-host", 0, "SKIPPED");
        else {
            void *p = shmat((int)shmid, NULL, SHM_RDONLY);
            int e = errno;
            if (p != (void *)-1) { shmdt(p); report("sysv-shm-host", 1, "attached the host's segment %ld", shmid); }
            else report("sysv-shm-host", 0, "%s", ename(e));
        }
    }
}

/* ---------- kernel interfaces ---------- */

static void kernel_attacks(void) {
    if (selected("init-module")) {
        static char img[64];
        long rc = syscall(SYS_init_module, img, sizeof img, "");
        verdict_probe("init-module", rc, errno, EPERM, ENOSYS);
    }
    if (selected("finit-module")) {
        long rc = syscall(SYS_finit_module, -1, "", 0);
        verdict_probe("finit-module", rc, errno, EPERM, ENOSYS);
    }
    if (selected("kexec-load")) {
        long rc = syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0UL); /* 1000 > KEXEC_SEGMENT_MAX: EINVAL after the check */
        verdict_probe("kexec-load", rc, errno, EPERM, ENOSYS);
    }
    if (selected("bpf")) {
        union bpf_attr a;
        memset(&a, 0, sizeof a);
        a.map_type = BPF_MAP_TYPE_ARRAY;
        a.key_size = 4;
        a.value_size = 4;
        a.max_entries = 1;
        long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
        int e = errno;
        if (fd >= 0) close((int)fd);
        verdict_rc("bpf", fd, e, "created a BPF map");
    }
    if (selected("perf-event-open")) {
        struct perf_event_attr pa;
        memset(&pa, 0, sizeof pa);
        pa.type = PERF_TYPE_SOFTWARE;
        pa.size = sizeof pa;
        pa.config = PERF_COUNT_SW_CPU_CLOCK;
        pa.exclude_kernel = 1;
        pa.exclude_hv = 1;
        long fd = syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);
        int e = errno;
        if (fd >= 0) close((int)fd);
        verdict_rc("perf-event-open", fd, e, "opened a perf event on itself");
    }
    if (selected("add-key")) {
        long k = syscall(SYS_add_key, "user", "dmjail-hostile", "x", 1, KEY_SPEC_PROCESS_KEYRING);
        verdict_rc("add-key", k, errno, "added a key to its process keyring");
    }
    if (selected("keyctl")) {
        long k = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
        verdict_rc("keyctl", k, errno, "read its user keyring id");
    }
    if (selected("io-uring-setup")) {
        struct io_uring_params p;
        memset(&p, 0, sizeof p);
        long fd = syscall(SYS_io_uring_setup, 1, &p);
        int e = errno;
        if (fd >= 0) close((int)fd);
        verdict_rc("io-uring-setup", fd, e, "created an io_uring");
    }
    if (selected("userfaultfd")) {
        long fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
        int e = errno;
        if (fd < 0) { fd = syscall(SYS_userfaultfd, O_CLOEXEC); if (fd < 0 && errno != EINVAL) e = errno; }
        if (fd >= 0) close((int)fd);
        verdict_rc("userfaultfd", fd, e, "created a userfaultfd");
    }
}

/* ---------- devices ---------- */

static void device_attacks(void) {
    try_open("open-dev-mem", "/dev/mem", O_RDONLY);
    try_open("open-dev-vda", "/dev/vda", O_RDONLY);
    try_open("open-dev-kvm", "/dev/kvm", O_RDWR);
    if (selected("mknod-dev-mem")) {
        char p[64];
        snprintf(p, sizeof p, "/tmp/.hostile-mem-%d", (int)getpid());
        if (mknod(p, S_IFCHR | 0600, makedev(1, 1)) < 0) { report("mknod-dev-mem", 0, "%s (mknod)", ename(errno)); }
        else {
            int fd = open(p, O_RDONLY);
            int e = errno;
            unlink(p);
            if (fd >= 0) { close(fd); report("mknod-dev-mem", 1, "made and opened a /dev/mem node"); }
            else report("mknod-dev-mem", 0, "%s (open; the mknod succeeded)", ename(e));
        }
    }
}

/* ---------- network ---------- */

static void net_attacks(void) {
    if (selected("connect-host-tcp")) {
        if (tcp_port <= 0) report("connect-host-tcp", 0, "SKIPPED");
        else {
            int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (s < 0) report("connect-host-tcp", 0, "%s (socket)", ename(errno));
            else {
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)tcp_port)};
                a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                int rc = connect(s, (struct sockaddr *)&a, sizeof a);
                int e = errno;
                if (rc == 0) (void)!write(s, "hostile\n", 8);
                close(s);
                verdict_rc("connect-host-tcp", rc, e, "connected to the host's 127.0.0.1 listener");
            }
        }
    }
    if (selected("connect-host-abstract")) {
        if (!abstract_name) report("connect-host-abstract", 0, "SKIPPED");
        else {
            int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (s < 0) report("connect-host-abstract", 0, "%s (socket)", ename(errno));
            else {
                struct sockaddr_un a = {.sun_family = AF_UNIX};
                size_t l = strlen(abstract_name);
                memcpy(a.sun_path + 1, abstract_name, l);
                int rc = connect(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + l));
                int e = errno;
                close(s);
                verdict_rc("connect-host-abstract", rc, e, "connected to the host's abstract socket");
            }
        }
    }
}

/* ---------- resources ---------- */

static void write_big(const char *name, long target) {
    if (!selected(name)) return;
    char p[64];
    snprintf(p, sizeof p, "/tmp/.hostile-big-%d", (int)getpid());
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { report(name, 0, "%s (open /tmp)", ename(errno)); return; }
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    long done = 0;
    int e = 0;
    while (done < target) {
        ssize_t w = write(fd, buf, sizeof buf);
        if (w <= 0) { e = w < 0 ? errno : ENOSPC; break; }
        done += w;
    }
    close(fd);
    unlink(p);
    if (done >= target) report(name, 1, "wrote %ld KiB to /tmp (removed again)", done / 1024);
    else report(name, 0, "%s after %ld KiB", ename(e), done / 1024);
}

static void fork_bomb(void) {
    if (!selected("fork-bomb")) return;
    static pid_t kids[4096];
    int n = 0, e = 0;
    while (n < fork_max) {
        pid_t c = fork();
        if (c == 0) { for (;;) pause(); }
        if (c < 0) { e = errno; break; }
        kids[n++] = c;
    }
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++) waitpid(kids[i], NULL, 0);
    if (n >= fork_max) report("fork-bomb", 1, "forked all %d children (killed again)", n);
    else report("fork-bomb", 0, "%s after %d forks", ename(e), n);
}

static void balloon(void) {
    if (!selected("memory-balloon")) return;
    long target = 2 * mem_limit_mib;
    int p[2];
    if (pipe(p) < 0) { report("memory-balloon", 0, "%s (pipe)", ename(errno)); return; }
    pid_t c = fork();
    if (c < 0) { report("memory-balloon", 0, "%s (fork)", ename(errno)); return; }
    if (c == 0) { /* the child takes the OOM kill, not the device model */
        close(p[0]);
        for (long mib = 16; mib <= target; mib += 16) {
            char *m = malloc(16 << 20);
            if (!m) _exit(12);
            for (long i = 0; i < (16 << 20); i += 4096) m[i] = 1;
            if (write(p[1], &mib, sizeof mib) < 0) _exit(3);
        }
        _exit(0);
    }
    close(p[1]);
    long last = 0, v;
    while (read(p[0], &v, sizeof v) == sizeof v) last = v;
    close(p[0]);
    int st = 0;
    waitpid(c, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && last >= target)
        report("memory-balloon", 1, "touched %ld MiB (2x the %ld MiB limit)", last, mem_limit_mib);
    else if (WIFSIGNALED(st))
        report("memory-balloon", 0, "OOM-KILLED %s at %ld MiB of %ld", strsignal(WTERMSIG(st)), last, target);
    else report("memory-balloon", 0, "%s at %ld MiB", WIFEXITED(st) && WEXITSTATUS(st) == 12 ? "ENOMEM" : "EXIT", last);
}

static int cgroup_escape_child(char *d, size_t n) {
    const char *targets[] = {"/sys/fs/cgroup/pids/cgroup.procs", "/sys/fs/cgroup/memory/cgroup.procs",
                             "/sys/fs/cgroup/unified/cgroup.procs", "/sys/fs/cgroup/cgroup.procs"};
    int e = ENOENT;
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        int fd = open(targets[i], O_WRONLY);
        if (fd < 0) { if (errno != ENOENT) e = errno; continue; }
        int w = dprintf(fd, "%d\n", (int)getpid());
        int we = errno;
        close(fd);
        if (w > 0) { snprintf(d, n, "moved itself to the root of %s", targets[i]); return 1; }
        e = we;
    }
    snprintf(d, n, "%s", ename(e));
    return 0;
}

/* ---------- /dev/kvm (issue 8) ----------
 *
 * What a device model can do with /dev/kvm beyond running its own guest. Each attack runs in a
 * forked child (kvm_attack): a memory cgroup OOM kill then hits the child, which holds some ballast
 * so that it is the cgroup's largest task, and everything it created (VMs, vCPUs, memslots, rings)
 * is released when it exits, before the next attack. The child reports through a pipe: progress
 * lines, then one verdict. The root has no /proc, so host memory is measured with sysinfo(2)
 * (host-wide free RAM). An attack stops at 2x --mem-limit-mib of host memory, or after KVM_CAP_SECS.
 * ALLOWED means it held more kernel memory than its memory cgroup's limit (the cgroup did not charge
 * it), or changed host-wide KVM state; DENIED names what stopped it and how far it got.
 */

#define KVM_CAP_SECS 5.0
#ifndef KVM_CAP_DIRTY_LOG_RING_ACQ_REL
#define KVM_CAP_DIRTY_LOG_RING_ACQ_REL 223
#endif
struct hostile_gmem { uint64_t size, flags, reserved[6]; }; /* struct kvm_create_guest_memfd (Linux 6.8) */
#define HOSTILE_KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct hostile_gmem)

static const char *kvm_dev = "/dev/kvm";
static int kvm_pipe = -1;
static struct timespec kvm_t0;

struct kvm_msg { char kind; char text[255]; }; /* 'P' progress, 'A' allowed, 'D' denied; < PIPE_BUF */

static void kvm_say(char kind, const char *fmt, ...) {
    struct kvm_msg m;
    memset(&m, 0, sizeof m);
    m.kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m.text, sizeof m.text, fmt, ap);
    va_end(ap);
    if (write(kvm_pipe, &m, sizeof m) < 0) _exit(3);
}

static double kvm_secs(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - kvm_t0.tv_sec) + (double)(t.tv_nsec - kvm_t0.tv_nsec) / 1e9;
}

static long host_free_kib(void) { /* host-wide free RAM (MemFree): sysinfo is not namespaced */
    struct sysinfo si;
    if (sysinfo(&si) < 0) return -1;
    return (long)((unsigned long long)si.freeram * si.mem_unit / 1024);
}

static long kvm_free0; /* host free RAM when the attack started */
static long kvm_used_mib(void) { long f = host_free_kib(); return f < 0 ? -1 : (kvm_free0 - f) / 1024; }
static int kvm_over(void) { return kvm_used_mib() >= 2 * mem_limit_mib; } /* the attack's own bound */

typedef void (*kvm_fn)(int kvm);

static void kvm_attack(const char *name, kvm_fn fn) {
    if (!selected(name)) return;
    int p[2];
    if (pipe(p) < 0) { report(name, 0, "%s (pipe)", ename(errno)); return; }
    pid_t c = fork();
    if (c < 0) { report(name, 0, "%s (fork)", ename(errno)); close(p[0]); close(p[1]); return; }
    if (c == 0) {
        close(p[0]);
        kvm_pipe = p[1];
        /* ballast: the largest task of the cgroup, so that a memory cgroup OOM kill picks this child */
        char *b = malloc(4 << 20);
        if (b) for (long i = 0; i < (4 << 20); i += 4096) b[i] = 1;
        int kvm = open(kvm_dev, O_RDWR | O_CLOEXEC);
        if (kvm < 0) kvm_say('D', "%s (open %s)", ename(errno), kvm_dev);
        else {
            clock_gettime(CLOCK_MONOTONIC, &kvm_t0);
            kvm_free0 = host_free_kib();
            fn(kvm);
        }
        _exit(0); /* closes every VM, vCPU, memslot and ring it made */
    }
    close(p[1]);
    struct kvm_msg m, last;
    memset(&last, 0, sizeof last);
    snprintf(last.text, sizeof last.text, "before its first step");
    int final = 0;
    while (read(p[0], &m, sizeof m) == sizeof m) { last = m; if (m.kind != 'P') final = 1; }
    close(p[0]);
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {}
    if (final) report(name, last.kind == 'A', "%s", last.text);
    else if (WIFSIGNALED(st)) report(name, 0, "OOM-KILLED %s %s", strsignal(WTERMSIG(st)), last.text);
    else report(name, 0, "EXIT %d %s", WIFEXITED(st) ? WEXITSTATUS(st) : -1, last.text);
}

/* The verdict of a loop that stopped on an error, on the 2x bound, or on the time cap. `proven`: the
 * objects it holds are known to take more than the limit, whatever host free RAM says (other
 * processes move it too). */
static void kvm_verdict_at(int err, const char *step, const char *what, int proven, long used, double secs) {
    if (err) kvm_say('D', "%s (%s) %s, host free RAM %+ld MiB, %.1f s", ename(err), step, what, -used, secs);
    else if (proven || used >= 2 * mem_limit_mib)
        kvm_say('A', "%s: beyond the %ld MiB memory cgroup limit, no error, host free RAM %+ld MiB, %.1f s", what,
                mem_limit_mib, -used, secs);
    else kvm_say('D', "EOK stopped at its own %.0f s cap: %s, host free RAM %+ld MiB", KVM_CAP_SECS, what, -used);
}
static void kvm_verdict(int err, const char *step, const char *what, int proven) {
    kvm_verdict_at(err, step, what, proven, kvm_used_mib(), kvm_secs());
}

/* As many VMs as it can, each with one vCPU and kept alive by an mmap of the vCPU's kvm_run only:
 * no fd stays open, so RLIMIT_NOFILE does not bound them. Each VM's teardown waits for an SRCU grace
 * period (mmu_notifier_unregister), so one process holding 3000 VMs takes 4 to 12 s to exit; the VMs
 * are spread over KVM_VM_WORKERS processes, whose teardowns share grace periods. The workers count
 * in shared memory; the first error or death (the OOM kill picks a worker: each holds more ballast
 * than this process) stops them all, and the total at that moment is reported. */
#define KVM_VM_WORKERS 16
struct kvm_vm_board { volatile long count[KVM_VM_WORKERS]; volatile int err[KVM_VM_WORKERS]; volatile int stop; };

static void kvm_vm_worker(int kvm, struct kvm_vm_board *b, int w) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(kvm_pipe);
    char *ballast = malloc(6 << 20); /* more than the coordinator's 4 MiB: the OOM kill picks a worker */
    if (ballast) for (long i = 0; i < (6 << 20); i += 4096) ballast[i] = 1;
    long run = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run <= 0) run = 4096;
    while (!b->stop) {
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0) { b->err[w] = errno; break; }
        int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        if (cpu < 0) { b->err[w] = errno + 1000; close(vm); break; }
        void *m = mmap(NULL, (size_t)run, PROT_READ, MAP_SHARED, cpu, 0);
        close(cpu);
        close(vm);
        if (m == MAP_FAILED) { b->err[w] = errno + 2000; break; }
        b->count[w]++;
    }
    while (!b->stop) usleep(1000); /* hold the VMs until the coordinator has counted */
    for (;;) pause();              /* then SIGKILL releases them */
}

static void kvm_many_vms(int kvm) {
    struct kvm_vm_board *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) { kvm_say('D', "%s (mmap)", ename(errno)); return; }
    memset((void *)b, 0, sizeof *b);
    pid_t w[KVM_VM_WORKERS];
    int nw = 0, e = 0, died = 0;
    const char *step = "";
    for (; nw < KVM_VM_WORKERS; nw++) {
        w[nw] = fork();
        if (w[nw] == 0) kvm_vm_worker(kvm, b, nw);
        if (w[nw] < 0) { e = errno; step = "fork"; break; }
    }
    long n = 0, next = 1024;
    while (!e && !died && !kvm_over() && kvm_secs() < KVM_CAP_SECS) {
        usleep(5000);
        n = 0;
        for (int i = 0; i < nw; i++) {
            n += b->count[i];
            int st;
            if (b->err[i] && !e) {
                int x = b->err[i];
                e = x % 1000;
                step = x >= 2000 ? "mmap" : x >= 1000 ? "KVM_CREATE_VCPU" : "KVM_CREATE_VM";
            }
            if (w[i] > 0 && waitpid(w[i], &st, WNOHANG) == w[i]) { died = 1; w[i] = -1; }
        }
        if (n >= next) { kvm_say('P', "at %ld VMs in %d processes, host free RAM %+ld MiB", n, nw, -kvm_used_mib()); next += 1024; }
    }
    b->stop = 1;
    usleep(20000);
    n = 0;
    for (int i = 0; i < nw; i++) n += b->count[i];
    char what[160];
    snprintf(what, sizeof what, "%ld VMs with 1 vCPU each in %d processes, held by an mmap only (no fd)", n, nw);
    long used = kvm_used_mib();
    double t = kvm_secs();
    for (int i = 0; i < nw; i++) if (w[i] > 0) kill(w[i], SIGKILL);
    for (int i = 0; i < nw; i++) if (w[i] > 0) waitpid(w[i], NULL, 0);
    if (died && !e) kvm_say('D', "OOM-KILLED a worker: %s, host free RAM %+ld MiB, %.1f s", what, -used, t);
    else kvm_verdict_at(e, step, what, 0, used, t);
}

/* vCPUs in one VM, their fds closed (a vCPU lives as long as its VM). */
static void kvm_many_vcpus(int kvm) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) { kvm_say('D', "%s (KVM_CREATE_VM)", ename(errno)); return; }
    int max = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
    long n = 0;
    int e = 0;
    char what[128];
    while (!kvm_over() && kvm_secs() < KVM_CAP_SECS) {
        int cpu = ioctl(vm, KVM_CREATE_VCPU, n);
        if (cpu < 0) { e = errno; break; }
        close(cpu);
        if (++n % 256 == 0) kvm_say('P', "at %ld vCPUs, host free RAM %+ld MiB", n, -kvm_used_mib());
    }
    snprintf(what, sizeof what, "%s %ld vCPUs in one VM (KVM_CAP_MAX_VCPUS %d)", e ? "after" : "made", n, max);
    kvm_verdict(e, "KVM_CREATE_VCPU", what, 0);
}

/* Memslots with dirty logging over one PROT_NONE, MAP_NORESERVE mapping (slots may alias it): no
 * guest memory at all, only KVM's per-slot metadata (rmap, lpage_info, write tracking, dirty bitmap),
 * which grows with the slot size: 2.6 MiB per GiB with the shadow MMU, 66 KiB per GiB with the TDP MMU
 * (the dirty bitmap: 2 bits per 4 KiB page). Slots start at 1 GiB at consecutive guest physical
 * addresses and double up to 64 GiB (at most 166 MiB of metadata each) while one costs less than a
 * sixteenth of the limit. It stops at 2x the limit of host free RAM, or once the dirty bitmaps alone
 * hold 2x the limit. */
static void kvm_memslots(int kvm) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) { kvm_say('D', "%s (KVM_CREATE_VM)", ename(errno)); return; }
    int max = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    if (max <= 0) max = 32;
    uint64_t region = 64ULL << 30; /* 64 GiB of address space, nothing behind it */
    char *m = MAP_FAILED;
    while (region >= (1ULL << 30)
           && (m = mmap(NULL, region, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)) == MAP_FAILED)
        region >>= 1;
    if (m == MAP_FAILED) { kvm_say('D', "%s (mmap of 1 GiB PROT_NONE)", ename(errno)); return; }
    struct kvm_userspace_memory_region r;
    memset(&r, 0, sizeof r);
    r.flags = KVM_MEM_LOG_DIRTY_PAGES;
    r.userspace_addr = (uint64_t)(uintptr_t)m;
    uint64_t gpa = 0, slot = 1ULL << 30;
    uint64_t bitmap_cap_gib = (uint64_t)(2 * mem_limit_mib * 1024 / 64); /* 64 KiB of dirty bitmap per GiB */
    long last_kib = 0;
    int n = 0, e = 0;
    while (n < max && (gpa >> 30) < bitmap_cap_gib && !kvm_over() && kvm_secs() < KVM_CAP_SECS) {
        r.slot = (uint32_t)n;
        r.guest_phys_addr = gpa;
        r.memory_size = slot;
        long f = host_free_kib();
        if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0) { e = errno; break; }
        last_kib = f - host_free_kib();
        gpa += slot;
        n++;
        kvm_say('P', "at %d slots over %llu GiB of guest physical space (the last of %llu GiB), host free RAM %+ld MiB", n,
                (unsigned long long)(gpa >> 30), (unsigned long long)(slot >> 30), -kvm_used_mib());
        if (last_kib < mem_limit_mib * 1024 / 16 && slot * 2 <= region) slot *= 2;
    }
    char what[200];
    snprintf(what, sizeof what, "%s %d slots over %llu GiB of guest physical space with dirty logging (slots of up to %llu GiB)",
             e ? "after" : "made", n, (unsigned long long)(gpa >> 30), (unsigned long long)(slot >> 30));
    kvm_verdict(e, "KVM_SET_USER_MEMORY_REGION", what, (gpa >> 30) >= bitmap_cap_gib);
}

/* A dirty ring of the largest size KVM offers for every vCPU: KVM allocates each ring with
 * vzalloc() when the vCPU is created, and the ring lives as long as the VM. */
static void kvm_dirty_ring(int kvm) {
    int cap = KVM_CAP_DIRTY_LOG_RING;
    long ring = ioctl(kvm, KVM_CHECK_EXTENSION, cap);
    if (ring <= 0) { cap = KVM_CAP_DIRTY_LOG_RING_ACQ_REL; ring = ioctl(kvm, KVM_CHECK_EXTENSION, cap); }
    if (ring <= 0) { kvm_say('D', "EOPNOTSUPP KVM_CAP_DIRTY_LOG_RING is not offered"); return; }
    long long target = 2LL * mem_limit_mib << 20, rings = 0;
    long vms = 0, n = 0;
    int e = 0;
    const char *step = "";
    while (rings < target && !e && kvm_secs() < KVM_CAP_SECS && !kvm_over()) {
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0) { e = errno; step = "KVM_CREATE_VM"; break; }
        vms++;
        struct kvm_enable_cap ec;
        memset(&ec, 0, sizeof ec);
        ec.cap = (uint32_t)cap;
        ec.args[0] = (uint64_t)ring;
        if (ioctl(vm, KVM_ENABLE_CAP, &ec) < 0) { e = errno; step = "KVM_ENABLE_CAP DIRTY_LOG_RING"; break; }
        for (long id = 0; rings < target && kvm_secs() < KVM_CAP_SECS; id++) {
            int cpu = ioctl(vm, KVM_CREATE_VCPU, id);
            if (cpu < 0) {
                if (errno == EINVAL && id > 0) break; /* KVM's vCPU limit per VM: next VM */
                e = errno;
                step = "KVM_CREATE_VCPU";
                break;
            }
            close(cpu);
            n++;
            rings += ring;
            if (n % 128 == 0) {
                kvm_say('P', "at %ld vCPUs, %lld MiB of rings, host free RAM %+ld MiB", n, rings >> 20, -kvm_used_mib());
                if (kvm_over()) break;
            }
        }
    }
    char what[200];
    snprintf(what, sizeof what, "%lld MiB of dirty rings (%ld vCPUs in %ld VMs x %ld KiB)", rings >> 20, n, vms, ring >> 10);
    kvm_verdict(e, step, what, rings >= target);
}

/* guest_memfd (Linux 6.8+): guest memory that is in no process's address space. */
static void kvm_guest_memfd(int kvm) {
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) { kvm_say('D', "%s (KVM_CREATE_VM)", ename(errno)); return; }
    long long target = 2LL * mem_limit_mib << 20, done = 0;
    struct hostile_gmem g;
    memset(&g, 0, sizeof g);
    g.size = (uint64_t)target;
    int fd = ioctl(vm, HOSTILE_KVM_CREATE_GUEST_MEMFD, &g);
    if (fd < 0) { kvm_say('D', "%s (KVM_CREATE_GUEST_MEMFD: not offered)", ename(errno)); return; }
    int e = 0;
    while (done < target && kvm_secs() < KVM_CAP_SECS) {
        if (fallocate(fd, FALLOC_FL_KEEP_SIZE, done, 16 << 20) < 0) { e = errno; break; }
        done += 16 << 20;
        kvm_say('P', "at %lld MiB of %lld allocated in a guest_memfd", done >> 20, target >> 20);
    }
    char what[128];
    snprintf(what, sizeof what, "%lld MiB of %lld allocated in a guest_memfd", done >> 20, target >> 20);
    kvm_verdict(e, "fallocate", what, done >= target);
}

/* ---- the system fd: what it answers, and whether anything changes host-wide state ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    for (const unsigned char *c = p; n--; c++) { h ^= *c; h *= 1099511628211ULL; }
    return h;
}

struct kvm_fp { uint64_t hash; int api, caps, cpuid, msrs, fmsrs; };

/* Everything /dev/kvm tells about the host: API version, capabilities, CPUID, MSR lists, feature MSRs. */
static struct kvm_fp kvm_fingerprint(int kvm) {
    struct kvm_fp f = {14695981039346656037ULL, 0, 0, 0, 0, 0};
    f.api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    f.hash = fnv(f.hash, &f.api, sizeof f.api);
    for (long c = 0; c < 512; c++) {
        int r = ioctl(kvm, KVM_CHECK_EXTENSION, c);
        if (r > 0) f.caps++;
        f.hash = fnv(f.hash, &r, sizeof r);
    }
    int mm = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    f.hash = fnv(f.hash, &mm, sizeof mm);
    size_t cs = sizeof(struct kvm_cpuid2) + 512 * sizeof(struct kvm_cpuid_entry2);
    struct kvm_cpuid2 *cp = calloc(1, cs);
    for (int k = 0; cp && k < 2; k++) {
        memset(cp, 0, cs);
        cp->nent = 512;
        if (ioctl(kvm, k ? KVM_GET_EMULATED_CPUID : KVM_GET_SUPPORTED_CPUID, cp) == 0) {
            if (!k) f.cpuid = (int)cp->nent;
            for (uint32_t i = 0; i < cp->nent; i++) { /* the APIC ID of the CPU the ioctl ran on: not state */
                struct kvm_cpuid_entry2 *x = &cp->entries[i];
                if (x->function == 1) x->ebx &= 0x00ffffff;
                if (x->function == 0xb || x->function == 0x1f) x->edx = 0;
                if (x->function == 0x8000001e) { x->eax = 0; x->ebx &= ~0xffu; x->ecx &= ~0xffu; }
            }
            f.hash = fnv(f.hash, cp->entries, cp->nent * sizeof(struct kvm_cpuid_entry2));
        }
    }
    free(cp);
    size_t ls = sizeof(struct kvm_msr_list) + 4096 * sizeof(uint32_t);
    struct kvm_msr_list *ml = calloc(1, ls);
    for (int k = 0; ml && k < 2; k++) {
        memset(ml, 0, ls);
        ml->nmsrs = 4096;
        if (ioctl(kvm, k ? KVM_GET_MSR_FEATURE_INDEX_LIST : KVM_GET_MSR_INDEX_LIST, ml) != 0) continue;
        f.hash = fnv(f.hash, ml->indices, ml->nmsrs * sizeof(uint32_t));
        if (!k) { f.msrs = (int)ml->nmsrs; continue; }
        f.fmsrs = (int)ml->nmsrs;
        for (uint32_t i = 0; i < ml->nmsrs; i++) { /* KVM_GET_MSRS on the system fd: feature MSR values */
            struct { struct kvm_msrs h; struct kvm_msr_entry e; } one;
            memset(&one, 0, sizeof one);
            one.h.nmsrs = 1;
            one.e.index = ml->indices[i];
            int r = ioctl(kvm, KVM_GET_MSRS, &one);
            f.hash = fnv(f.hash, &r, sizeof r);
            f.hash = fnv(f.hash, &one.e, sizeof one.e);
        }
    }
    free(ml);
    return f;
}

static struct kvm_fp kvm_fp_before;
static int kvm_fp_taken;

static void kvm_system_ioctls(int kvm) {
    /* a page it cannot read or write: an ioctl that copies its argument fails with EFAULT, no effect */
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (none == MAP_FAILED) { kvm_say('D', "%s (mmap)", ename(errno)); return; }
    unsigned long ro[] = {KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_CHECK_EXTENSION, KVM_GET_VCPU_MMAP_SIZE,
                          KVM_GET_MSR_INDEX_LIST, KVM_GET_MSR_FEATURE_INDEX_LIST, KVM_GET_MSRS,
                          KVM_GET_SUPPORTED_CPUID, KVM_GET_EMULATED_CPUID, KVM_X86_GET_MCE_CAP_SUPPORTED,
                          KVM_GET_DEVICE_ATTR, KVM_HAS_DEVICE_ATTR};
    /* ioctls that set state on a VM or vCPU fd: on the system fd they must not do anything */
    unsigned long set[] = {KVM_SET_USER_MEMORY_REGION, KVM_ENABLE_CAP, KVM_SET_MSRS, KVM_SET_CPUID2, KVM_SET_CLOCK,
                           KVM_SET_DEVICE_ATTR, KVM_IRQFD, KVM_IOEVENTFD, KVM_SET_GSI_ROUTING, KVM_SET_PMU_EVENT_FILTER,
                           KVM_X86_SET_MSR_FILTER, KVM_SET_IDENTITY_MAP_ADDR, KVM_CREATE_DEVICE, KVM_SET_REGS,
                           KVM_SET_SREGS, KVM_SET_LAPIC, KVM_SET_XCRS, KVM_SET_TSC_KHZ, KVM_SET_TSS_ADDR};
    int refused = 0;
    char odd[160] = "";
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: every no-argument KVM ioctl number (argument 0); pass 1: the setters above */
        int count = pass ? (int)(sizeof set / sizeof *set) : 256;
        for (int i = 0; i < count; i++) {
            unsigned long cmd = pass ? set[i] : (unsigned long)_IO(KVMIO, i);
            int known = 0;
            for (size_t j = 0; j < sizeof ro / sizeof *ro; j++) known |= ro[j] == cmd;
            long rc = ioctl(kvm, cmd, pass ? (unsigned long)(uintptr_t)none : 0UL);
            int e = errno;
            if (cmd == KVM_CREATE_VM && rc >= 0) close((int)rc); /* a VM of its own: what it may do anyway */
            if (known) continue;
            if (rc < 0 && (e == EINVAL || e == ENOTTY || e == EOPNOTSUPP)) { refused++; continue; }
            if (strlen(odd) < 100)
                snprintf(odd + strlen(odd), sizeof odd - strlen(odd), " 0x%lx:%s", cmd, rc < 0 ? ename(e) : "ok");
        }
    }
    /* KVM_ENABLE_CAP with valid arguments on the system fd (a VM-wide knob applied host-wide?) */
    struct kvm_enable_cap ec;
    memset(&ec, 0, sizeof ec);
    uint32_t caps[] = {KVM_CAP_HALT_POLL, KVM_CAP_X86_DISABLE_EXITS, KVM_CAP_DIRTY_LOG_RING, KVM_CAP_SPLIT_IRQCHIP};
    uint64_t args[] = {1000000000ULL, 0xffULL, 1ULL << 20, 24};
    int enabled = 0, ecerr = 0;
    for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
        ec.cap = caps[i];
        ec.args[0] = args[i];
        if (ioctl(kvm, KVM_ENABLE_CAP, &ec) == 0) enabled++;
        else if (!ecerr) ecerr = errno;
    }
    struct kvm_fp after = kvm_fingerprint(kvm);
    int changed = kvm_fp_taken && after.hash != kvm_fp_before.hash;
    if (enabled || odd[0] || changed)
        kvm_say('A', "%s%s%s%s", enabled ? "KVM_ENABLE_CAP succeeded on the system fd;" : "",
                odd[0] ? " unexpected answers on the system fd:" : "", odd,
                changed ? "; what /dev/kvm reports changed during the KVM attacks" : "");
    else
        kvm_say('D', "%s KVM_ENABLE_CAP and %d state-setting or unknown ioctls on /dev/kvm; only read-only ones "
                "answer (API %d, %d capabilities, %d CPUID leaves, %d MSRs, %d feature MSRs), unchanged %s",
                ename(ecerr ? ecerr : EINVAL), refused, after.api, after.caps, after.cpuid, after.msrs,
                after.fmsrs, kvm_fp_taken ? "since before the KVM attacks" : "(no earlier reading)");
}

/* The kvm modules' parameters (nx_huge_pages, halt_poll_ns, ...) are host-wide: may it open one for writing? */
static void kvm_module_params(void) {
    if (!selected("kvm-module-params")) return;
    const char *dirs[] = {"/sys/module/kvm/parameters", "/sys/module/kvm_intel/parameters",
                          "/sys/module/kvm_amd/parameters", "/sys/module/kvm_pvm/parameters"};
    int files = 0, e = ENOENT; /* the first errno other than ENOENT, with the path it came from */
    char where[300];
    snprintf(where, sizeof where, "%s", dirs[0]);
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        DIR *d = opendir(dirs[i]);
        if (!d) {
            if (errno != ENOENT && e == ENOENT) { e = errno; snprintf(where, sizeof where, "%s", dirs[i]); }
            continue;
        }
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue;
            char p[300];
            snprintf(p, sizeof p, "%s/%.200s", dirs[i], de->d_name);
            files++;
            int fd = open(p, O_WRONLY | O_CLOEXEC); /* opened, never written */
            if (fd >= 0) { close(fd); closedir(d); report("kvm-module-params", 1, "may write %s (not written)", p); return; }
            if (e == ENOENT) { e = errno; snprintf(where, sizeof where, "%s", p); }
        }
        closedir(d);
    }
    if (!files) report("kvm-module-params", 0, "%s %s: no kvm module parameters in its root", ename(e), where);
    else report("kvm-module-params", 0, "%s %s (%d parameter files, none writable)", ename(e), where, files);
}

static void kvm_attacks(void) {
    if (selected("kvm-system-ioctls")) { /* the host's KVM view before any KVM attack, to compare after them */
        int kvm = open(kvm_dev, O_RDWR | O_CLOEXEC);
        if (kvm >= 0) { kvm_fp_before = kvm_fingerprint(kvm); kvm_fp_taken = 1; close(kvm); }
    }
    kvm_attack("kvm-many-vms", kvm_many_vms);
    kvm_attack("kvm-many-vcpus", kvm_many_vcpus);
    kvm_attack("kvm-memslot-metadata", kvm_memslots);
    kvm_attack("kvm-dirty-ring", kvm_dirty_ring);
    kvm_attack("kvm-guest-memfd", kvm_guest_memfd);
    kvm_attack("kvm-system-ioctls", kvm_system_ioctls);
    kvm_module_params();
}

/* ---------- fds ---------- */

static void inherited_fds(void) {
    if (!selected("inherited-fds")) return;
    char extra[300] = "";
    int bad = 0;
    for (int fd = 0; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) < 0) continue;
        int dfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        fstat(fd, &st);
        if (dfd >= 0) {
            close(dfd);
            bad = 1;
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " fd%d:directory-escape", fd);
        } else if (fd > 3) {
            bad = 1;
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " fd%d:mode%o", fd, st.st_mode & S_IFMT);
        }
    }
    if (bad) report("inherited-fds", 1, "unexpected fds:%s", extra);
    else report("inherited-fds", 0, "EOK only fds 0-3 (null, log, log, QMP listener), none a directory");
}

/* ---------- QMP ---------- */

static void on_term(int s) { (void)s; _exit(0); }

/*
 * QEMU has its own -sandbox filter, and the audit runs the process's filters (dumped with ptrace)
 * on syscalls of each denied group. By default a stand-in denies what QEMU's groups deny
 * (qemu-seccomp.c: obsolete, elevateprivileges, spawn, resourcecontrol) with EPERM, as an honest
 * device model would; `--stand-in-filter allow-all` installs an allow-all filter instead, as a device model
 * that ignores -sandbox would, and the audit must then fail.
 */
static const char *sandbox_mode = "stand-in";
static void stand_in_sandbox(void) {
    static const int denied[] = {SYS_sysfs, SYS_ustat, SYS__sysctl, SYS_setuid, SYS_setgid, SYS_setpgid, SYS_setsid,
                                 SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid, SYS_setfsuid, SYS_setfsgid,
                                 SYS_fork, SYS_vfork, SYS_execve, SYS_execveat, SYS_setpriority, SYS_sched_setparam,
                                 SYS_sched_setscheduler, SYS_sched_setaffinity};
    enum { N = sizeof denied / sizeof denied[0] };
    struct sock_filter f[N + 3];
    int n = 0;
    if (!strcmp(sandbox_mode, "allow-all")) {
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    } else {
        f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        for (int i = 0; i < N; i++) /* match: jump to the ERRNO at the end; else next */
            f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], (unsigned char)(N - i), 0);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
    }
    struct sock_fprog prog = {(unsigned short)n, f};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) dprintf(1, "HOSTILE stand-in sandbox: %s\n", ename(errno));
}

static void serve_qmp(void) {
    static const char greeting[] = "{\"QMP\":{\"version\":{},\"capabilities\":[]}}\r\n";
    static const char ret[] = "{\"return\":{}}\r\n";
    /* what QEMU answers query-status with (qapi/run-state.json StatusInfo): `list` reads it */
    static const char status[] = "{\"return\":{\"status\":\"running\",\"singlestep\":false,\"running\":true}}\r\n";
    for (;;) {
        int c = accept4(3, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR) continue;
            dprintf(1, "HOSTILE accept: %s\n", ename(errno));
            _exit(1);
        }
        if (write(c, greeting, sizeof greeting - 1) < 0) { close(c); continue; }
        char line[8192];
        size_t len = 0;
        for (;;) {
            ssize_t r = read(c, line + len, sizeof line - 1 - len);
            if (r <= 0) break;
            len += (size_t)r;
            line[len] = 0;
            char *nl;
            while ((nl = memchr(line, '}', len)) != NULL) { /* one command per JSON object */
                size_t used = (size_t)(nl - line) + 1;
                int quit = memmem(line, used, "\"quit\"", 6) != NULL;
                if (memmem(line, used, "\"query-status\"", 14) != NULL) (void)!write(c, status, sizeof status - 1);
                else (void)!write(c, ret, sizeof ret - 1);
                if (quit) { dprintf(1, "HOSTILE quit\n"); _exit(0); }
                memmove(line, line + used, len - used);
                len -= used;
            }
            if (len >= sizeof line - 1) len = 0;
        }
        close(c);
    }
}

static void listen_abstract(const char *name) {
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t l = strlen(name);
    memcpy(a.sun_path + 1, name, l);
    if (s < 0 || bind(s, (struct sockaddr *)&a, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + l)) < 0
        || listen(s, 16) < 0) {
        perror("listen-abstract");
        exit(1);
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("LISTENING\n");
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c >= 0) { printf("CONNECTED\n"); close(c); }
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "-add-fd") && v && strstr(v, "opaque=console") && !strncmp(v, "fd=", 3)) console_fd = atoi(v + 3);
        if (!strcmp(o, "--listen-abstract") && v) listen_abstract(v);
        if (!v || strncmp(o, "--", 2) != 0) continue;
        if (!strcmp(o, "--victim-disk")) victim_disk = v;
        else if (!strcmp(o, "--victim-qmp")) victim_qmp = v;
        else if (!strcmp(o, "--victim-serial")) victim_serial = v;
        else if (!strcmp(o, "--victim-console")) victim_console = v;
        else if (!strcmp(o, "--victim-state")) victim_state = v;
        else if (!strcmp(o, "--victim-pid")) victim_pid = atol(v);
        else if (!strcmp(o, "--toolstack-pid")) toolstack_pid = atol(v);
        else if (!strcmp(o, "--tcp-port")) tcp_port = atol(v);
        else if (!strcmp(o, "--abstract")) abstract_name = v;
        else if (!strcmp(o, "--shmid")) shmid = atol(v);
        else if (!strcmp(o, "--mem-limit-mib")) mem_limit_mib = atol(v);
        else if (!strcmp(o, "--fork-max")) fork_max = atoi(v);
        else if (!strcmp(o, "--only")) only = v;
        else if (!strcmp(o, "--host-hostname")) host_hostname = v;
        else if (!strcmp(o, "--kvm-dev")) kvm_dev = v;
        else if (!strcmp(o, "--flood-mib")) flood_mib = atoi(v);
        else if (!strcmp(o, "--xfsz")) ignore_xfsz = strcmp(v, "default") != 0;
        else if (!strcmp(o, "--hang")) hang = atoi(v);
        else if (!strcmp(o, "--exit")) exit_code = atoi(v);
        else if (!strcmp(o, "--stand-in-filter")) sandbox_mode = v; /* not --sandbox: QEMU reads that as -sandbox, refused */
        else continue;
        i++;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    if (exit_code >= 0) { dprintf(1, "HOSTILE exit %d at start\n", exit_code); _exit(exit_code); }
    if (hang) { dprintf(1, "HOSTILE hangs before QMP\n"); for (;;) pause(); }
    if (ignore_xfsz) signal(SIGXFSZ, SIG_IGN);
    if (flood_mib > 0) { /* a guest that floods its serial console (and QEMU its log): stays bounded? */
        static char line[4096];
        memset(line, 'F', sizeof line);
        line[sizeof line - 1] = '\n';
        long c = 0, l = 0;
        int ec = 0, el = 0;
        for (long i = 0; i < (long)flood_mib * 256; i++) {
            if (console_fd >= 0 && !ec) { if (write(console_fd, line, sizeof line) < 0) ec = errno; else c += sizeof line; }
            if (!el) { if (write(1, line, sizeof line) < 0) el = errno; else l += sizeof line; }
        }
        dprintf(2, "\nHOSTILE flood: console fd %d got %ld KiB (%s), log got %ld KiB (%s)\n", console_fd, c / 1024,
                ec ? ename(ec) : "no error", l / 1024, el ? ename(el) : "no error");
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_term);
    dprintf(1, "HOSTILE start pid=%d uid=%d gid=%d\n", (int)getpid(), (int)getuid(), (int)getgid());

    inherited_fds(); /* first: before it opens anything itself */
    try_open("read-etc-shadow", "/etc/shadow", O_RDONLY);
    try_open("read-shadow-via-proc1-root", "/proc/1/root/etc/shadow", O_RDONLY);
    read_state();
    try_create("write-etc", "/etc");
    try_create("write-var-lib", "/var/lib");
    try_create("write-var-tmp", "/var/tmp");
    try_open("open-victim-disk-rw", victim_disk, O_RDWR);
    try_open("open-victim-disk-ro", victim_disk, O_RDONLY);
    try_open("read-victim-console", victim_console, O_RDONLY);
    victim_connect("connect-victim-qmp", victim_qmp, "connected to the victim's QMP socket");
    victim_connect("connect-victim-serial", victim_serial, "connected to the victim's serial console socket");
    signal_probe("kill-victim", victim_pid);
    signal_probe("kill-toolstack", toolstack_pid);
    ptrace_probe("ptrace-victim", victim_pid);
    ptrace_probe("ptrace-toolstack", toolstack_pid);
    vm_readv_probe();
    list_proc();
    identity();
    try_mount();
    ns_attacks();
    kernel_attacks();
    device_attacks();
    net_attacks();
    if (selected("cgroup-escape")) in_child("cgroup-escape", cgroup_escape_child);
    write_big("write-past-fsize", 4L << 20); /* past RLIMIT_FSIZE (2 MiB + 4 KiB: above the console bound), within /tmp */
    write_big("fill-tmp-64m", 64L << 20);
    fork_bomb();
    balloon();
    kvm_attacks();
    dprintf(1, "HOSTILE done\n");

    stand_in_sandbox();
    serve_qmp();
    return 0;
}
