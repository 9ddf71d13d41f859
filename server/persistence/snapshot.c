/* Snapshot persistence. Every save writes temp-<pid>.rdb in dir, fsyncs it, renames it over
 * dbfilename and fsyncs the directory, so a crash at any moment leaves the old snapshot or
 * the new one, whole. BGSAVE does the same in a forked child (copy-on-write); the parent
 * learns the outcome from an ev_child watcher. Log lines and replies follow Redis 7.0. */
#include "persistence/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/reply.h"
#include "core/process.h"
#include "core/server.h"
#include "features/multi.h"
#include "keyspace/db.h"
#include "persistence/aof.h"
#include "persistence/child_info.h"
#include "features/latency.h"
#include "features/tracking.h"
#include "mem.h"
#include "persistence/rdb.h"
#include "scripting/functions.h"

/* After a failed BGSAVE, save points wait this long before trying again (as Redis). */
#define BGSAVE_RETRY_DELAY 5

static struct {
    pid_t child; /* the BGSAVE child, 0 when none */
    ev_child child_watcher;
    time_t child_started;
    long long dirty_at_fork; /* what a successful BGSAVE takes off server.dirty */
    long long keys_at_fork;
    int scheduled;       /* BGSAVE asked for inside EXEC or a script: the cron starts it */
    int last_bgsave_ok;
    time_t last_bgsave_try;
    long long last_bgsave_secs;
    long long saves, forks, last_fork_usec;
    long long loaded_keys, expired_keys; /* by the load at start-up */
    time_t loading_start;                /* for INFO while loading */
    size_t loading_total_bytes, loading_loaded_bytes, loading_served_at;
    const struct rdb_load_stats *loading_stats;
} snap = {.last_bgsave_ok = 1, .last_bgsave_secs = -1};

/* ---- Writing ---- */

static void temp_name(char *out, size_t size, pid_t pid) {
    snprintf(out, size, "temp-%d.rdb", (int)pid);
}

void snapshot_remove_temp_file(int pid) {
    char tmp[64];
    temp_name(tmp, sizeof tmp, (pid_t)pid);
    unlink(tmp); /* the server works in dir */
}

static const char *cwd(char *buf, size_t size) {
    return getcwd(buf, size) ? buf : "?";
}

/* rdb-key-save-delay and key-load-delay: microseconds, or nanoseconds when negative. */
static void key_delay(int delay) {
    if (delay > 0) {
        usleep((useconds_t)delay);
    } else if (delay < 0) {
        struct timespec ts = {0, -(long)delay};
        nanosleep(&ts, NULL);
    }
}

static void key_save_delay(void) { key_delay(server.cfg.rdb_key_save_delay); }

/* Makes the rename itself durable. */
static int fsync_dir(void) {
    int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* A background save's child, after each key: the delay, and its progress for INFO. */
static void child_key_written(void) {
    if (server.cfg.rdb_key_save_delay) key_save_delay();
    child_info_key_written();
}

/* Writes the whole dataset to dbfilename, calling after_key (may be NULL) after each key.
 * Returns 0, or -1 after logging why. */
static int write_snapshot(void (*after_key)(void)) {
    char tmp[64], dir[PATH_MAX];
    temp_name(tmp, sizeof tmp, getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        server_log(LL_WARNING, "Failed opening the temp RDB file %s (in server root dir %s) for saving: %s",
                   tmp, cwd(dir, sizeof dir), strerror(errno));
        return -1;
    }
    rdb_writer w;
    rdb_writer_init(&w, fd, server.cfg.rdbcompression);
    if (config_number("rdb-save-incremental-fsync")) w.autosync = RDB_AUTOSYNC_BYTES;
    rdb_save_dataset(&w, 0, after_key);
    if (rdb_writer_finish(&w, server.cfg.rdbchecksum) != 0 || fsync(fd) != 0) {
        server_log(LL_WARNING, "Write error saving DB on disk: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, server.cfg.dbfilename) != 0) {
        server_log(LL_WARNING, "Error moving temp DB file %s on the final destination %s (in server root dir %s): %s",
                   tmp, server.cfg.dbfilename, cwd(dir, sizeof dir), strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (fsync_dir() != 0) {
        server_log(LL_WARNING, "Failed to fsync the directory of %s: %s", server.cfg.dbfilename,
                   strerror(errno));
        return -1;
    }
    server_log(LL_NOTICE, "DB saved on disk");
    return 0;
}

/* SAVE, and the saves of SHUTDOWN and FLUSHALL. */
static int save_now(void) {
    snap.saves++;
    if (write_snapshot(server.cfg.rdb_key_save_delay ? key_save_delay : NULL) != 0) return -1;
    server.dirty = 0;
    server.lastsave = time(NULL);
    snap.last_bgsave_ok = 1;
    return 0;
}

/* ---- The BGSAVE child ---- */

static void on_child_exit(struct ev_loop *loop, ev_child *w, int revents) {
    (void)revents;
    ev_child_stop(loop, w);
    int status = w->rstatus;
    pid_t pid = snap.child;
    snap.child = 0;
    snap.last_bgsave_secs = (long long)(time(NULL) - snap.child_started);
    child_info_close(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        server_log(LL_NOTICE, "Background saving terminated with success");
        server.dirty -= snap.dirty_at_fork;
        server.lastsave = time(NULL);
        snap.last_bgsave_ok = 1;
    } else if (WIFEXITED(status)) {
        server_log(LL_WARNING, "Background saving error");
        snap.last_bgsave_ok = 0;
    } else {
        server_log(LL_WARNING, "Background saving terminated by signal %d", WTERMSIG(status));
        char tmp[64];
        temp_name(tmp, sizeof tmp, pid);
        unlink(tmp);
        /* SIGUSR1 is how the server itself stops a child: not a failure. */
        if (WTERMSIG(status) != SIGUSR1) snap.last_bgsave_ok = 0;
    }
}

static void child_main(void) {
    process_forked_child("redis-rdb-bgsave");
    int rc = write_snapshot(child_key_written);
    if (rc == 0) child_info_send_final();
    _exit(rc == 0 ? 0 : 1);
}

static int bgsave_start(void) {
    snap.saves++;
    snap.last_bgsave_try = time(NULL);
    long long start = time_us();
    child_info_open();
    pid_t pid = fork();
    child_info_forked(pid == 0);
    if (pid == 0) child_main();
    if (pid < 0) {
        child_info_close(0);
        snap.last_bgsave_ok = 0;
        server_log(LL_WARNING, "Can't save in background: fork: %s", strerror(errno));
        return -1;
    }
    snapshot_count_fork(time_us() - start);
    snap.child = pid;
    snap.child_started = time(NULL);
    snap.dirty_at_fork = server.dirty;
    snap.keys_at_fork = 0;
    for (int i = 0; i < server.ndbs; i++) snap.keys_at_fork += (long long)dict_size(&server.dbs[i].keys);
    server_log(LL_NOTICE, "Background saving started by pid %d", (int)pid);
    ev_child_init(&snap.child_watcher, on_child_exit, pid, 0);
    ev_child_start(server.loop, &snap.child_watcher);
    return 0;
}

/* Stops a running BGSAVE at once and removes its temporary file. */
static void kill_child(void) {
    if (!snap.child) return;
    kill(snap.child, SIGUSR1);
    while (waitpid(snap.child, NULL, 0) < 0 && errno == EINTR) {
    }
    ev_child_stop(server.loop, &snap.child_watcher);
    child_info_close(0);
    char tmp[64];
    temp_name(tmp, sizeof tmp, snap.child);
    unlink(tmp);
    snap.child = 0;
}

/* ---- Save points, shutdown, FLUSHALL ---- */

void snapshot_cron(void) {
    if (snap.child) {
        child_info_receive();
        return;
    }
    if (aof_rewrite_running()) return; /* one child at a time */
    time_t now = time(NULL);
    int may_retry = snap.last_bgsave_ok || now - snap.last_bgsave_try > BGSAVE_RETRY_DELAY;
    if (snap.scheduled && may_retry) {
        if (bgsave_start() == 0) snap.scheduled = 0;
        return;
    }
    /* "save" was validated as pairs of <seconds> <changes>. */
    const char *p = server.cfg.save;
    char *end;
    while (*p) {
        long long seconds = strtoll(p, &end, 10);
        long long changes = strtoll(end, &end, 10);
        p = end + strspn(end, " ");
        if (server.dirty >= changes && now - server.lastsave > seconds && may_retry) {
            server_log(LL_NOTICE, "%lld changes in %lld seconds. Saving...", changes, seconds);
            bgsave_start();
            return;
        }
    }
}

int snapshot_child_running(void) { return snap.child != 0; }

int snapshot_refuses_writes(void) {
    return server.cfg.stop_writes_on_bgsave_error && server.cfg.save[0] && !snap.last_bgsave_ok;
}

int snapshot_before_shutdown(enum shutdown_save mode) {
    if (server.loading) mode = SHUTDOWN_NOSAVE; /* half a dataset must not replace the file */
    if (snap.child) {
        server_log(LL_WARNING, "There is a child saving an .rdb. Killing it!");
        kill_child();
    }
    if (aof_before_shutdown() != 0) return -1;
    if (mode == SHUTDOWN_SAVE_FORCE || (mode == SHUTDOWN_SAVE_DEFAULT && server.cfg.save[0])) {
        server_log(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
        if (save_now() != 0) {
            server_log(LL_WARNING, "Error trying to save the DB, can't exit.");
            return -1;
        }
    }
    return 0;
}

void snapshot_after_flushall(void) {
    kill_child();
    if (server.cfg.save[0]) save_now();
}

/* ---- Commands ---- */

void cmd_save(client *c) {
    if (snap.child) {
        reply_error(c, "Background save already in progress");
        return;
    }
    if (save_now() == 0) {
        reply_ok(c);
    } else {
        reply_error(c, "-ERR");
    }
}

void cmd_bgsave(client *c) {
    /* SCHEDULE waits for an AOF rewrite to end, or for EXEC or a script (no fork there). */
    if (c->argc > 2 || (c->argc == 2 && !arg_is(&c->argv[1], "schedule"))) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (snap.child) {
        reply_error(c, "Background save already in progress");
    } else if (aof_rewrite_running() && c->argc == 1 && !server.in_exec) {
        reply_error(c, "Another child process is active (AOF?): can't BGSAVE right now. Use "
                       "BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    } else if (server.in_exec || aof_rewrite_running()) {
        snap.scheduled = 1;
        reply_status(c, "Background saving scheduled");
    } else if (bgsave_start() == 0) {
        reply_status(c, "Background saving started");
    } else {
        reply_error(c, "-ERR");
    }
}

void cmd_lastsave(client *c) { reply_int(c, (long long)server.lastsave); }

void snapshot_info(buf_t *o) {
    time_t now = time(NULL);
    const struct child_info *ci = child_info_get();
    long long total = snap.child ? snap.keys_at_fork : 0;
    buf_printf(o,
               "# Persistence\r\nloading:%d\r\nasync_loading:0\r\ncurrent_cow_peak:%zu\r\n"
               "current_cow_size:%zu\r\ncurrent_cow_size_age:%lld\r\ncurrent_fork_perc:%.2f\r\n"
               "current_save_keys_processed:%lld\r\ncurrent_save_keys_total:%lld\r\n"
               "rdb_changes_since_last_save:%lld\r\nrdb_bgsave_in_progress:%d\r\n"
               "rdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
               "rdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
               "rdb_saves:%lld\r\nrdb_last_cow_size:%zu\r\nrdb_last_load_keys_expired:%lld\r\n"
               "rdb_last_load_keys_loaded:%lld\r\n",
               server.loading, ci->cow_peak, ci->cow,
               ci->cow_updated ? (long long)(now - ci->cow_updated) : 0,
               total ? (double)ci->keys_processed / (double)total * 100 : 0.0, ci->keys_processed,
               total, server.dirty, snap.child != 0, (long long)server.lastsave,
               snap.last_bgsave_ok ? "ok" : "err", snap.last_bgsave_secs,
               snap.child ? (long long)(now - snap.child_started) : -1, snap.saves, ci->last_cow,
               snap.expired_keys, snap.loaded_keys);
    aof_info(o);
    if (server.loading) { /* Redis's estimate of what is left, from the bytes read so far */
        double perc = snap.loading_total_bytes
                          ? (double)snap.loading_loaded_bytes / (double)snap.loading_total_bytes * 100
                          : 0;
        long long elapsed = (long long)(now - snap.loading_start);
        long long remaining = (long long)(snap.loading_total_bytes - snap.loading_loaded_bytes);
        long long eta = elapsed == 0 ? 1 : elapsed * remaining / ((long long)snap.loading_loaded_bytes + 1);
        buf_printf(o,
                   "loading_start_time:%lld\r\nloading_total_bytes:%zu\r\n"
                   "loading_rdb_used_mem:%lld\r\nloading_loaded_bytes:%zu\r\n"
                   "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\n",
                   (long long)snap.loading_start, snap.loading_total_bytes,
                   snap.loading_stats->rdb_used_mem, snap.loading_loaded_bytes, perc, eta);
    }
}

double snapshot_fork_rate(void) {
    return snap.last_fork_usec ? (double)mem_used() * 1000000 / (double)snap.last_fork_usec / (1024 * 1024 * 1024) : 0;
}

void snapshot_count_fork(long long usec) {
    snap.last_fork_usec = usec;
    snap.forks++;
    latency_add_sample_if_needed("fork", usec / 1000);
}

void snapshot_info_stats(buf_t *o) {
    buf_printf(o, "latest_fork_usec:%lld\r\ntotal_forks:%lld\r\n", snap.last_fork_usec, snap.forks);
}

/* ---- Loading ---- */

void snapshot_loading_begin(size_t total_bytes, const struct rdb_load_stats *st) {
    server.loading = 1;
    snap.loading_start = time(NULL);
    snap.loading_total_bytes = total_bytes;
    snap.loading_served_at = snap.loading_loaded_bytes = 0;
    snap.loading_stats = st;
}

int snapshot_loading_progress(size_t done) {
    if (server.cfg.key_load_delay) key_delay(server.cfg.key_load_delay);
    if (done - snap.loading_served_at < (size_t)server.cfg.loading_process_events_interval_bytes)
        return 0;
    snap.loading_served_at = done;
    snap.loading_loaded_bytes = done;
    ev_run(server.loop, EVRUN_NOWAIT);
    if (server.pending_signal) {
        server_log(LL_WARNING, "Received %s while loading: exiting without saving.",
                   server.pending_signal == SIGINT ? "SIGINT" : "SIGTERM");
        server.shutdown_asap = 1;
    }
    return server.shutdown_asap;
}

int snapshot_while_loading(const rdb_reader *r) {
    return snapshot_loading_progress((size_t)(r->p - r->base));
}

void snapshot_loading_end(const struct rdb_load_stats *st) {
    server.loading = 0;
    if (!st) return;
    snap.loaded_keys = st->loaded;
    snap.expired_keys = st->expired;
}

/* Loads dbfilename into the keyspace (merge: see rdb_load_dataset). At start-up a missing file
 * is an empty dataset, and a bad one stops the server. Returns -1 after logging why. */
static int load_file(int startup, int merge) {
    const char *file = server.cfg.dbfilename;
    char dir[PATH_MAX];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT && startup) return 0;
        int err = errno;
        server_log(LL_WARNING, "Can't open the snapshot %s (in server root dir %s): %s", file,
                   cwd(dir, sizeof dir), strerror(err));
        server_log(LL_WARNING, "Fatal error loading the DB: %s. Exiting.", strerror(err)); /* Redis's words */
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        server_log(LL_WARNING, "Can't read the snapshot %s (in server root dir %s): %s", file,
                   cwd(dir, sizeof dir), S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    void *data = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0) : NULL;
    if (data == MAP_FAILED) {
        server_log(LL_WARNING, "Can't read the snapshot %s (in server root dir %s): %s", file,
                   cwd(dir, sizeof dir), strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    long long start = time_us();
    rdb_reader r;
    struct rdb_load_stats loaded = {0};
    int rc = rdb_open(&r, len ? data : "", len);
    if (rc == 0 && !server.skip_checksum_validation && !rdb_checksum_ok(&r)) {
        rdb_verify(&r, NULL); /* says where the damage is, when the structure shows it */
        rc = -1;
    }
    if (startup) snapshot_loading_begin(len, &loaded);
    if (rc == 0)
        rc = rdb_load_dataset(&r, &loaded, merge ? RDB_LOAD_MERGE : 0,
                              startup ? snapshot_while_loading : NULL);
    snapshot_loading_end(NULL);
    if (len) munmap(data, len);
    if (server.shutdown_asap) {
        server_log(LL_WARNING, "Loading stopped at offset %zu: the server is shutting down.",
                   (size_t)(r.p - r.base));
        return -1;
    }
    snapshot_loading_end(&loaded);
    if (rc != 0) {
        server_log(LL_WARNING, "Bad snapshot %s (in server root dir %s) at offset %zu: %s. "
                   "Start-up stopped; the file was left as it is (rill-check-snapshot %s tells what it holds).",
                   file, cwd(dir, sizeof dir), r.err_offset, r.err, file);
        if (startup) server_log(LL_WARNING, "Terminating server after rdb file reading failure.");
        return -1;
    }
    if (loaded.empty) {
        server_log(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld, empty keys skipped: %lld.",
                   loaded.loaded, loaded.expired, loaded.empty);
    } else {
        server_log(LL_NOTICE, "Done loading RDB, keys loaded: %lld, keys expired: %lld.",
                   loaded.loaded, loaded.expired);
    }
    server_log(LL_NOTICE, "DB loaded from disk: %.3f seconds", (double)(time_us() - start) / 1e6);
    return 0;
}

int snapshot_load(void) { return load_file(1, 0); }

int snapshot_debug_reload(int save, int flush, int merge) {
    if (save && save_now() != 0) return -1;
    if (flush) { /* the functions too, as Redis's emptyData */
        for (int i = 0; i < server.ndbs; i++) {
            multi_touch_db(&server.dbs[i], NULL);
            db_flush(&server.dbs[i]);
        }
        tracking_invalidate_all();
        functions_flush();
    }
    if (load_file(0, merge) != 0) return -2;
    server_log(LL_WARNING, "DB reloaded by DEBUG RELOAD");
    return 0;
}
