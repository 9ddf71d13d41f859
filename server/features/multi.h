/* Transactions: MULTI / EXEC / DISCARD and optimistic locking with WATCH / UNWATCH.
 * Queued commands keep their own copy of the arguments. A watched key is touched by any
 * write that changes it (after the command, from the command's key positions), by
 * FLUSHDB / FLUSHALL / SWAPDB, and by its expiry. */
#ifndef RILL_MULTI_H
#define RILL_MULTI_H

#include <stddef.h>

#include "core/server.h"

struct db;
struct command;

void multi_init_db(struct db *d);
/* In MULTI: commands that run at once instead of being queued. */
int multi_runs_immediately(const struct command *cmd);
/* Queues the command for EXEC and replies +QUEUED. */
void multi_queue(client *c, const struct command *cmd);
/* A command refused while in MULTI makes EXEC fail with EXECABORT. */
void multi_flag_error(client *c);
/* Replies the error that refused cmd before it ran (msg as reply_error takes it), and in
 * MULTI seals the transaction's fate: EXEC itself refused discards it with "EXECABORT
 * Transaction discarded because of: <msg>", any other command makes EXEC fail. */
void multi_reject(client *c, const struct command *cmd, const char *msg);
/* True when a queued command has this flag (EXEC then counts as a write, or as denyoom). */
int multi_queued_flag(const client *c, unsigned flag);
/* Bytes the queued commands and the watched keys cost the client (CLIENT LIST's multi-mem=). */
size_t multi_memory(const client *c);
/* Commands queued so far, -1 outside MULTI (CLIENT LIST's multi=). */
long long multi_queued(const client *c);
/* Forgets the transaction and every watched key (RESET, disconnect). */
void multi_reset_client(client *c);

/* Marks the clients watching key in d as dirty (their EXEC will fail). */
void multi_touch_key(struct db *d, const char *key, size_t len);
/* For a write handler that changes only some of its keys (SMOVE of a member the destination
 * already has changes the source alone): it signals those itself (db_signal_modified) and
 * calls this, so that db_signal_command_keys does not signal them all. */
static inline void multi_keys_touched_by_handler(void) { server.keys_touched_by_handler = 1; }
/* Before d is emptied or swapped with other (NULL for a flush): touches every watched key
 * of d that exists in d or in other. */
void multi_touch_db(struct db *d, struct db *other);
static inline int multi_has_watchers(void) { return server.nwatched_keys > 0; }

#endif
