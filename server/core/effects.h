/* Effects (DESIGN.md): what write commands did, as commands that, replayed in order on an
 * empty server, give the same data. An execution unit (a command a client called, with the
 * commands run inside it by EXEC or a script) gathers its effects and hands them on when it
 * is complete, inside MULTI/EXEC when there are several, as Redis 7.0 propagates. The
 * append-only file consumes them. Nothing is gathered while nothing consumes. */
#ifndef RILL_EFFECTS_H
#define RILL_EFFECTS_H

#include <stddef.h>

#include "resp.h"

struct client;
struct command;

/* Where an effect goes (Redis's PROPAGATE_AOF and PROPAGATE_REPL). */
#define EFFECTS_AOF 1u
#define EFFECTS_REPLICAS 2u
#define EFFECTS_ALL (EFFECTS_AOF | EFFECTS_REPLICAS)

/* 1 while something consumes effects: handlers may skip building rewrites when it is 0. */
int effects_wanted(void);

/* ---- From a command's handler ---- */
/* The running command is propagated as this instead of its own arguments (the bytes are
 * copied at once). */
void effects_rewrite(const resp_arg *argv, size_t argc);
/* The running command is propagated as DEL key, or UNLINK key when lazy (its lazyfree-lazy-*
 * setting). */
void effects_rewrite_deletion(const resp_arg *key, int lazy);
/* An effect of its own in database db, propagated before the running command's. */
void effects_also(int db, const resp_arg *argv, size_t argc);
/* The running command itself is not propagated (what it added with effects_also is). */
void effects_prevent(void);
/* The running command is propagated to targets even when it changed nothing. */
void effects_force(unsigned targets);
/* A key deleted because it expired or was evicted: DEL, or UNLINK when lazy. Outside a
 * command it goes out at once, alone. */
void effects_deletion(int db, const char *key, size_t len, int lazy);
/* An annotation line ("#...", without CRLF) for the AOF only, in database db: what Redis's
 * loader skips and rill's reads (the memcached port's client flags). */
void effects_annotation(int db, const char *line, size_t len);
/* Scripts (redis.set_repl): where the commands they call from now on are propagated.
 * Returns the previous targets. */
unsigned effects_set_call_targets(unsigned targets);

/* ---- command_call's side ---- */
struct effects_frame {
    struct effects_frame *outer;
    size_t rewrite_at; /* its rewrite's bytes start here in the rewrite stack */
    int rewritten;
    unsigned forced, prevented;
};
void effects_enter(struct effects_frame *f);
/* After the handler: the command's own effect (changed: it changed the data), and when it
 * was the outermost, the unit's effects go out. */
void effects_leave(struct effects_frame *f, struct client *c, const struct command *cmd,
                   int changed);

/* Appends argv as a RESP array of bulk strings (how effects are written). */
void effects_encode(buf_t *out, const resp_arg *argv, size_t argc);

#endif
