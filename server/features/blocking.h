/* Clients waiting on list keys (BLPOP and the other blocking pops), sorted set keys
 * (BZPOPMIN, BZMPOP...) and streams (XREAD, XREADGROUP). Each database keeps a FIFO queue of
 * waiting clients per key. A key that receives a list or a sorted set, a stream that gets an
 * entry, loses a group or goes away, is marked ready; after the command that did it, the
 * waiting clients' commands run again in blocking order until the value is used up. A
 * blocked client has one ev_timer, started once. */
#ifndef RILL_BLOCKING_H
#define RILL_BLOCKING_H

#include <stddef.h>

#include "core/server.h"

struct db;

void blocking_init_db(struct db *d);
/* Parses a blocking timeout in seconds (fractions allowed) into an absolute time in ms
 * (0 = forever). Returns -1 after replying Redis's error. */
int blocking_parse_timeout(client *c, const resp_arg *a, long long *deadline_ms);
/* 1 when the running command may block (not inside MULTI or a script). */
int blocking_allowed(client *c);
/* Blocks c on nkeys keys at argv[first], argv[first + 1], ... The running command runs
 * again each time one of them gets a value of the wanted type (OBJ_LIST, OBJ_ZSET); when it replies, the client is unblocked and
 * goes on with its pipeline. Calling it again while the client waits keeps its place.
 * A timeout replies a nil array, whatever the command (as Redis does). */
void blocking_block(client *c, size_t first, size_t nkeys, long long deadline_ms, int wanted);
/* blocking_block, keeping argv (c->argc arguments, copied) as the command to run again instead
 * of c->argv: XREAD's "$" becomes the ID it stood for when the client blocked. */
void blocking_block_as(client *c, const resp_arg *argv, size_t first, size_t nkeys,
                       long long deadline_ms, int wanted);
/* True while c's blocked command runs again to be served. */
int blocking_is_rerun(const client *c);
/* While a blocked command runs again: 1 with the key whose change woke it. */
int blocking_serving_key(const client *c, resp_arg *key);
/* Before d's keys go (FLUSHDB, FLUSHALL): the waited-on keys that hold streams are ready, so
 * XREADGROUP waiters learn that their stream is gone. */
void blocking_signal_streams(struct db *d);
/* A list or sorted set arrived under key in d: waiting clients are served after the running
 * command. */
void blocking_signal_key(struct db *d, const char *key, size_t len);
/* After SWAPDB: every waited-on key of d that now holds a list or sorted set is ready. */
void blocking_signal_db(struct db *d);
/* Serves the clients waiting on ready keys; called after each top-level command. */
void blocking_serve_ready_keys(void);
static inline int blocking_has_ready_keys(void) { return server.nready_keys > 0; }
/* Takes a blocked client out of every queue without replying (disconnect, kill). */
void blocking_forget(client *c);
/* CLIENT UNBLOCK: ends the wait with the timeout reply or an UNBLOCKED error. */
void blocking_unblock(client *c, int with_error);

/* True when c's command just blocked, or ran again and still found nothing to serve it. */
int blocking_is_waiting(const client *c);

#endif
