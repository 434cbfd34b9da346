/* What the namespaces step tells the other steps of its section (namespaces.c owns it). */
#ifndef DMJAIL_NAMESPACES_H
#define DMJAIL_NAMESPACES_H
#include "launcher.h"

/* Whether the spec plans a new mount namespace (the section present, mount true). */
bool namespaces_mount_planned(void);
#endif
