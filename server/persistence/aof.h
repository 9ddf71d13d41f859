/* The append-only file, Redis 7.0's multi-part layout: in appenddirname, a base file (an RDB
 * snapshot) and incremental files of commands (the effects, core/effects.h), listed by a
 * manifest. BGREWRITEAOF forks a child that writes a new base while the parent starts a new
 * incremental file; the manifest swaps atomically once the child is done. */
#ifndef RILL_AOF_H
#define RILL_AOF_H

#include <stddef.h>

#include "buf.h"
#include "resp.h"

/* At start-up: with appendonly yes the AOF is the dataset (the snapshot is not read), else
 * the snapshot is loaded. Then the AOF is opened for appending. -1 after logging why when
 * start-up must stop. */
int aof_start_up(void);

/* 1 while commands' effects go to the AOF (it is on, or being turned on). */
int aof_consumes_effects(void);
/* Appends one effect (a RESP command) for database db, with a SELECT when db changes. */
void aof_feed(int db, const char *resp, size_t len);
/* The same for a command not encoded yet (a unit's only effect, encoded straight in). */
void aof_feed_command(int db, const resp_arg *argv, size_t argc);
/* Before replies go out: writes what was fed, and fsyncs as appendfsync says. */
void aof_before_replies(void);
/* appendfsync always: a reply about to go out waits (its new bytes) while effects it may
 * depend on are not fsynced yet; the fsync thread's completion releases it. */
struct client;
void aof_hold_reply(struct client *c);
/* A client going away: nothing of it waits any more. */
void aof_forget_client(struct client *c);
/* Periodic work: the everysec fsync, retrying a failed write, automatic rewrites. */
void aof_cron(void);

/* When a write or fsync failed: Redis's MISCONF text for refused writes, else NULL. */
const char *aof_write_error(void);

/* CONFIG SET appendonly: turns the AOF on (a rewrite writes its base first) or off.
 * 0, or -1 (logged) when it cannot be turned on. */
int aof_set_enabled(int on);
/* CONFIG SET aof-disable-auto-gc no: the history files go now, as Redis does. */
void aof_auto_gc_enabled(void);
/* Before exiting: stops a rewrite, writes and fsyncs what is buffered. -1 (logged) while the
 * AOF is being turned on: its base is not written yet. */
int aof_before_shutdown(void);
/* 1 while a rewrite child runs (no BGSAVE then, nor the other way round). */
int aof_rewrite_running(void);
/* Deletes the temporary file a rewrite by process pid writes (safe in a signal handler). */
void aof_remove_temp_file(int pid);

/* DEBUG LOADAOF: writes what is buffered, empties the keyspace and loads the AOF again. 0, or
 * -1 (logged) when it cannot be loaded. */
int aof_debug_reload(void);
/* DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write of the buffer (testing). */
void aof_set_flush_sleep(int usec);

/* INFO persistence's aof_* fields, after the rdb_* ones. */
void aof_info(buf_t *out);

#endif
