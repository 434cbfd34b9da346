/* Test probe for the dm-launcher integration tests: reports what it can and cannot do, then
 * sleeps until killed so the test can read /proc/PID from outside. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long rc) {
    printf("%s=%d\n", name, rc < 0 ? errno : 0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("pid=%d uid=%d euid=%d gid=%d egid=%d\n", getpid(), getuid(), geteuid(), getgid(), getegid());
    report("unshare_user", unshare(CLONE_NEWUSER));
    report("ptrace_traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
    report("clone3", syscall(SYS_clone3, NULL, 0));
    long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (r == 0) _exit(0);
    if (r > 0) waitpid(r, NULL, 0);
    report("clone_newuser", r);
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p > 0) waitpid(p, NULL, 0);
    report("fork", p);
    int fd = open("/probe-new-file", O_WRONLY | O_CREAT, 0600);
    report("create_in_root", fd);
    if (fd >= 0) close(fd);
    fd = open("/dev/null", O_WRONLY);
    report("devnull_open", fd);
    if (fd >= 0) { report("devnull_write", write(fd, "x", 1)); close(fd); }
    const char *w = argc > 1 ? argv[1] : "/tmp";
    char path[256];
    snprintf(path, sizeof path, "%s/probe-file", w);
    fd = open(path, O_WRONLY | O_CREAT, 0600);
    report("create_in_writable", fd);
    if (fd >= 0) { report("write_in_writable", write(fd, "x", 1)); close(fd); }
    printf("ready\n");
    for (;;) pause();
}
