#ifndef DMJAIL_REPLY_H
#define DMJAIL_REPLY_H
#include "launcher.h"
void reply_ok(pid_t pid, const char *landlock_proof);
void reply_dry_run(void);
void reply_error(const struct failure *f);
#endif
