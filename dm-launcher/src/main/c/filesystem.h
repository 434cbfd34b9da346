/* The filesystem step's units (filesystem.c): the tree on the mount point (root_tree.c) and the
 * pivot into it (pivot_root.c). */
#ifndef DMJAIL_FILESYSTEM_H
#define DMJAIL_FILESYSTEM_H
#include "spec.h"
#include <sys/mount.h>

/* the section (FilesystemSection, DeviceNode, RootFile): here, not in filesystem.c, because the
 * tree's unit (root_tree.c) builds from it */
struct device_node { char *name; int major, minor, mode; };
struct device_nodes { struct device_node *v; size_t n; };
struct root_file { char *at, *host_path, *identity; };
struct root_files { struct root_file *v; size_t n; };
struct filesystem_section {
    bool present; char *mount_point; struct strlist read_only_binds; struct strmap symlinks;
    struct device_nodes devices; struct strlist writable_dirs; long long tmpfs_bytes; struct root_files files;
    struct strmap bind_identities;        /* bind path -> "dev:ino" the toolstack saw on its own fd */
};

/* a read-only bind remount: per-mount flags, shown as "ro" in mountinfo */
#define RO_BIND (MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)

struct bind { char *path; const char *identity; };   /* a canonical bind source and the dev:ino planned for it */

struct root_tree {
    const char *root;                     /* the canonical mount point */
    const struct filesystem_section *section;
    struct bind *binds; size_t n_binds;   /* parents before children */
    unsigned uid, gid;                    /* the owner of the writable tmpfs: the dm uid */
};

#define PATH_MAX_ROOT 4096

int root_tree_build(struct ctx *c, const struct root_tree *t);
int pivot_into(struct ctx *c, const char *root);
#endif
