#ifndef DMJAIL_REPLY_H
#define DMJAIL_REPLY_H
#include "launcher.h"
void reply_ok(pid_t pid, const struct proof *proofs, size_t n);
void reply_dry_run(void);
void reply_error(const struct failure *f);
#endif
