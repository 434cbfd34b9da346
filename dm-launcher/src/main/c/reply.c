/* The launcher's one-line answers on stdout and its one stderr line on failure (the protocol the
 * toolstack's LauncherClient reads): {"ok":true,"pid":N[,"proofs":{...}]}, {"ok":true,"pid":0,
 * "dryRun":true} or {"ok":false,"step":S,"errno":E,"message":M}. Text that came from the spec (a
 * tenant's path) is JSON-escaped on stdout and has its control characters replaced on stderr. */
#include "reply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct buf { char b[8192]; size_t n; };

static void put(struct buf *o, const char *s, size_t n) {
    if (n > sizeof o->b - 1 - o->n) n = sizeof o->b - 1 - o->n; /* bounded; the messages are far shorter */
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

static void puts_(struct buf *o, const char *s) { put(o, s, strlen(s)); }

static void quote(struct buf *o, const char *s) {
    put(o, "\"", 1);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        char esc[8];
        switch (*p) {
        case '"': puts_(o, "\\\""); break;
        case '\\': puts_(o, "\\\\"); break;
        case '\n': puts_(o, "\\n"); break;
        case '\r': puts_(o, "\\r"); break;
        case '\t': puts_(o, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof esc, "\\u%04x", *p);
                puts_(o, esc);
            } else {
                put(o, (const char *) p, 1);
            }
        }
    }
    put(o, "\"", 1);
}

static void emit(int fd, struct buf *o) {
    put(o, "\n", 1);
    for (size_t off = 0; off < o->n;) {
        ssize_t w = write(fd, o->b + off, o->n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* the reader is gone: nothing more to tell */
        off += (size_t) w;
    }
}

void reply_ok(pid_t pid, const struct proof *proofs, size_t n) {
    struct buf o = { .n = 0 };
    char num[32];
    snprintf(num, sizeof num, "%d", (int) pid);
    puts_(&o, "{\"ok\":true,\"pid\":");
    puts_(&o, num);
    for (size_t i = 0; i < n; i++) {
        puts_(&o, i == 0 ? ",\"proofs\":{" : ",");
        quote(&o, proofs[i].step);
        puts_(&o, ":");
        quote(&o, proofs[i].text);
        if (i == n - 1) puts_(&o, "}");
    }
    puts_(&o, "}");
    emit(STDOUT_FILENO, &o);
}

void reply_dry_run(void) {
    struct buf o = { .n = 0 };
    puts_(&o, "{\"ok\":true,\"pid\":0,\"dryRun\":true}");
    emit(STDOUT_FILENO, &o);
}

void reply_error(const struct failure *f) {
    struct buf o = { .n = 0 };
    char num[32];
    snprintf(num, sizeof num, "%d", f->err);
    puts_(&o, "{\"ok\":false,\"step\":");
    quote(&o, f->step);
    puts_(&o, ",\"errno\":");
    puts_(&o, num);
    puts_(&o, ",\"message\":");
    quote(&o, f->message);
    puts_(&o, "}");
    emit(STDOUT_FILENO, &o);

    struct buf e = { .n = 0 };
    puts_(&e, "dm-launcher: ");
    puts_(&e, f->step);
    puts_(&e, ": ");
    size_t at = e.n;
    puts_(&e, f->message);
    for (size_t i = at; i < e.n; i++) {
        if ((unsigned char) e.b[i] < 0x20 || e.b[i] == 0x7f) e.b[i] = ' ';
    }
    puts_(&e, ": ");
    puts_(&e, strerror(f->err));
    snprintf(num, sizeof num, " (errno %d)", f->err);
    puts_(&e, num);
    emit(STDERR_FILENO, &e);
}
