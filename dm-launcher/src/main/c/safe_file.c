/* Opening a path someone else may be changing, as root, without being redirected or hung:
 * openat2(2) with RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS (O_NOFOLLOW alone covers only the
 * last component, so a tenant who swaps a directory for a symlink to /etc would otherwise win),
 * O_NONBLOCK so a FIFO swapped in cannot block the opener (fifo(7)); the caller then decides on
 * fstat(2) of the opened fd, never on a stat of the name. Linux 5.6+. */
#include "launcher.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int safe_open(const char *path, int flags, mode_t mode) {
    /* openat2 refuses O_PATH with any flag but O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC (fs/open.c build_open_flags) */
    int all = (flags & O_PATH) ? flags | O_CLOEXEC : flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    struct open_how how = {
        .flags = (unsigned) all,
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return (int) syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

void file_identity(const struct stat *st, char *out, size_t len) {
    if (S_ISBLK(st->st_mode)) {
        snprintf(out, len, "blk:%u:%u", major(st->st_rdev), minor(st->st_rdev));
    } else {
        snprintf(out, len, "%llu:%llu", (unsigned long long) st->st_dev, (unsigned long long) st->st_ino);
    }
}

const char *file_type_name(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFBLK: return "a block device";
    case S_IFCHR: return "a character device";
    case S_IFIFO: return "a FIFO";
    case S_IFSOCK: return "a socket";
    case S_IFDIR: return "a directory";
    default: return "a file of another type";
    }
}
