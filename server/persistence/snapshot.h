/* Snapshot persistence: SAVE, BGSAVE (a forked child), save points, the snapshot at
 * shutdown, and loading at start-up. The file is an RDB file (persistence/rdb.h). */
#ifndef RILL_SNAPSHOT_H
#define RILL_SNAPSHOT_H

#include "buf.h"

/* Loads dbfilename (in dir) into the empty keyspace. A missing file is an empty dataset.
 * Returns -1 after logging why when the file cannot be used (start-up must stop). */
int snapshot_load(void);
struct rdb_load_stats;
struct rdb_reader;
/* Loading at start-up (the snapshot, or the AOF): server.loading is set, INFO shows the
 * progress, and every loading-process-events-interval-bytes the clients are served (most get
 * -LOADING). progress says how many bytes are done, after key-load-delay, and returns 1 when a
 * shutdown was asked for meanwhile (the load must stop). end keeps st's counts for INFO. */
void snapshot_loading_begin(size_t total_bytes, const struct rdb_load_stats *st);
int snapshot_loading_progress(size_t done);
int snapshot_while_loading(const struct rdb_reader *r); /* rdb_load_dataset's after_key */
void snapshot_loading_end(const struct rdb_load_stats *st);
/* 1 while a BGSAVE child runs. */
int snapshot_child_running(void);

/* Periodic work: starts a BGSAVE when a save point is due or one was scheduled. */
void snapshot_cron(void);
/* True when write commands (and PING) get MISCONF: the last background save failed,
 * save points are set and stop-writes-on-bgsave-error is on. */
int snapshot_refuses_writes(void);

enum shutdown_save { SHUTDOWN_SAVE_DEFAULT, SHUTDOWN_SAVE_FORCE, SHUTDOWN_NOSAVE };
/* Before exiting: stops a running BGSAVE and saves if asked (DEFAULT: when save points are
 * set). Returns -1 when the save failed: the server should not exit then. */
int snapshot_before_shutdown(enum shutdown_save mode);
/* FLUSHALL: a running BGSAVE is stopped and, with save points set, the now empty dataset
 * is saved at once, as Redis does. */
void snapshot_after_flushall(void);

/* DEBUG RELOAD: saves (unless !save), empties the keyspace (unless !flush) and loads the file
 * again. 0, -1 when the save failed, -2 when the load did. */
int snapshot_debug_reload(int save, int flush, int merge);

void snapshot_info(buf_t *out);
/* Deletes the temporary file a save by process pid writes (safe in a signal handler). */
void snapshot_remove_temp_file(int pid);
/* A background child was forked (a save or an AOF rewrite) in usec: INFO's fork fields. */
void snapshot_count_fork(long long usec);
/* latest_fork_usec and total_forks for INFO stats. */
void snapshot_info_stats(buf_t *out);
/* GB of the dataset forked per second in the last fork (Redis's stat_fork_rate). */
double snapshot_fork_rate(void);

#endif
