/* The append-only file (see aof.h). Effects are appended to a buffer as commands run and
 * written before replies go out; appendfsync decides the fsync: always, one per batch of
 * writes, the replies held until it covers what they may depend on (a group commit: the fsync
 * runs in a background thread or, when that costs more than it saves, in the loop); everysec,
 * in the thread about once a second; no, never. Files live in appenddirname under dir; names,
 * manifest rules, log lines and INFO fields follow Redis 7.0's aof.c. */
#include "persistence/aof.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aof_format.h"
#include "core/commands.h"
#include "core/config.h"
#include "core/effects.h"
#include "core/net.h"
#include "core/process.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/latency.h"
#include "features/multi.h"
#include "features/tracking.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/aof_rewrite.h"
#include "persistence/child_info.h"
#include "persistence/rdb.h"
#include "persistence/snapshot.h"
#include "scripting/functions.h"

enum aof_state { AOF_OFF, AOF_ON, AOF_WAIT_REWRITE };

/* After this many failed rewrites in a row, automatic ones back off (Redis's limit). */
#define REWRITE_LIMIT_THRESHOLD 3
#define REWRITE_LIMIT_MAX_MINUTES 60
#define WRITE_ERROR_LOG_INTERVAL 30 /* seconds between logs of the same failing write */
#define ASYNC_FSYNC_US 1000     /* fsyncs this slow go to the thread */
#define ASYNC_BATCH_BYTES 16384 /* and batches this big */

static struct {
    enum aof_state state;
    int fd;          /* the incremental file being appended to, -1 when none */
    int retired_fd;  /* the one a rewrite just replaced, until the fork is done */
    unsigned long long retired_covers;
    int selected_db; /* of the last SELECT written, -1 before any */
    buf_t buf;       /* fed, not written yet */
    struct aof_manifest manifest;
    long long current_size; /* base and incremental files */
    long long base_size;    /* current_size after the last rewrite: auto-rewrite's reference */
    long long incr_size, incr_fsynced; /* of the open incremental file */
    time_t last_fsync, flush_postponed_since, last_timestamp;
    long long delayed_fsync;
    int write_failed, write_errno;
    time_t last_write_error_log;
    int flush_sleep_us; /* DEBUG AOF-FLUSH-SLEEP */
    /* Group commit (appendfsync always): every effect fed moves fed on; replies wait until
     * the fsync thread has made fed's value at their time durable. */
    unsigned long long fed;
    int holding;  /* replies wait now: always, and fsyncs are not suspended by a rewrite */
    /* An fsync in the loop (as Redis does it) costs the loop its duration; one in the thread
     * costs two wake-ups, and pays when the loop has work for the meantime: when fsyncs are
     * slow, or batches big (pipelined clients). The average is of fsyncs of either kind. */
    long long fsync_us_avg;
    client *held; /* clients with replies waiting */
    /* the rewrite */
    pid_t child;
    ev_child child_watcher;
    time_t rewrite_started;
    int scheduled, last_rewrite_ok;
    int rewrite_rdb; /* the running rewrite writes an RDB base (aof-use-rdb-preamble) */
    long long rewrites, consecutive_failures, last_rewrite_secs;
    size_t last_cow;
    int limit_minutes;
    time_t limited_until;
} aof = {.fd = -1, .retired_fd = -1, .selected_db = -1, .last_rewrite_ok = 1,
         .last_rewrite_secs = -1};

/* ---- The fsync thread (Redis's bio): fsyncs, and closes files that were replaced ---- */

struct fsync_job {
    int fd, close_after;
    unsigned long long covers; /* the effects offset on disk once it is done */
};

/* The jobs wait in a ring, so that the thread never allocates: a fork while it held the
 * allocator's lock would leave the child waiting for it (ASan's allocator is not fork-safe).
 * At most one fsync and a few closes wait at a time; a full ring waits for room. */
#define FSYNC_RING 32

static struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond, room;
    struct fsync_job ring[FSYNC_RING];
    unsigned head, count; /* the oldest job, and how many wait (the running one included) */
    int started;
    int pending_fsyncs; /* fsync jobs queued or running (closes aside) */
    int failed, error;  /* the last fsync failed, with this errno */
    unsigned long long synced; /* effects up to this offset are on disk */
    long long last_us;         /* how long the last fsync took */
    ev_async done;             /* wakes the loop when an fsync completes */
} bio = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
         .room = PTHREAD_COND_INITIALIZER};

static void *fsync_thread(void *arg) {
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the loop's */
    pthread_mutex_lock(&bio.lock);
    for (;;) {
        while (!bio.count) pthread_cond_wait(&bio.cond, &bio.lock);
        struct fsync_job job = bio.ring[bio.head];
        pthread_mutex_unlock(&bio.lock);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int rc = fdatasync(job.fd), err = errno;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (job.close_after) close(job.fd);
        pthread_mutex_lock(&bio.lock);
        /* EBADF and EINVAL: the file was closed or cannot be synced; not a disk failure. */
        if (rc != 0 && err != EBADF && err != EINVAL) {
            __atomic_store_n(&bio.error, err, __ATOMIC_RELAXED);
            __atomic_store_n(&bio.failed, 1, __ATOMIC_RELEASE);
        } else {
            if (!job.close_after) __atomic_store_n(&bio.failed, 0, __ATOMIC_RELEASE);
            if (job.covers > bio.synced) __atomic_store_n(&bio.synced, job.covers, __ATOMIC_RELEASE);
            bio.last_us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
        }
        if (!job.close_after) bio.pending_fsyncs--;
        bio.head = (bio.head + 1) % FSYNC_RING;
        bio.count--;
        pthread_cond_signal(&bio.room);
        ev_async_send(server.loop, &bio.done);
    }
    return NULL;
}

static void on_fsync_done(struct ev_loop *loop, ev_async *w, int revents);

static void bio_submit(int fd, int close_after, unsigned long long covers) {
    if (!bio.started) {
        ev_async_init(&bio.done, on_fsync_done);
        ev_async_start(server.loop, &bio.done);
        ev_unref(server.loop); /* not a reason for the loop to keep running */
        pthread_create(&bio.thread, NULL, fsync_thread, NULL);
        bio.started = 1;
    }
    pthread_mutex_lock(&bio.lock);
    while (bio.count == FSYNC_RING) pthread_cond_wait(&bio.room, &bio.lock);
    bio.ring[(bio.head + bio.count) % FSYNC_RING] = (struct fsync_job){fd, close_after, covers};
    bio.count++;
    if (!close_after) bio.pending_fsyncs++;
    pthread_cond_signal(&bio.cond);
    pthread_mutex_unlock(&bio.lock);
}

static int bio_fsync_pending(void) {
    pthread_mutex_lock(&bio.lock);
    int n = bio.pending_fsyncs;
    pthread_mutex_unlock(&bio.lock);
    return n;
}

/* Asked for every reply while replies are held: an atomic read, no lock. */
static unsigned long long bio_synced(void) { return __atomic_load_n(&bio.synced, __ATOMIC_ACQUIRE); }

/* What the loop fsynced itself (turning the AOF off) counts as synced. */
static void bio_mark_synced(unsigned long long covers) {
    pthread_mutex_lock(&bio.lock);
    if (covers > bio.synced) __atomic_store_n(&bio.synced, covers, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&bio.lock);
}

/* The errno of a failed background fsync, 0 when the last one succeeded. */
static int bio_fsync_error(void) {
    /* Every write command asks (for MISCONF): an atomic read, no lock. The thread sets error
     * before failed, so a failed seen comes with its errno. */
    if (!__atomic_load_n(&bio.failed, __ATOMIC_ACQUIRE)) return 0;
    return __atomic_load_n(&bio.error, __ATOMIC_RELAXED);
}

static void bio_clear_fsync_error(void) {
    __atomic_store_n(&bio.failed, 0, __ATOMIC_RELEASE);
}

/* ---- Files and the manifest ---- */

static const char *dirname_cfg(void) { return config_string("appenddirname"); }
static const char *filename_cfg(void) { return config_string("appendfilename"); }

/* name inside appenddirname. Names come from the config and the manifest (lines of at most
 * 1 KB), far below PATH_MAX. */
static void file_path(char *out, size_t size, const char *name) {
    int n = snprintf(out, size, "%s/%s", dirname_cfg(), name);
    if (n < 0 || (size_t)n >= size) server_log(LL_WARNING, "AOF file name too long: %s", name);
}

static int fsync_path_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int make_dir(void) {
    if (mkdir(dirname_cfg(), 0755) == 0 || errno == EEXIST) return 0;
    server_log(LL_WARNING, "Can't open or create append-only dir %s: %s", dirname_cfg(), strerror(errno));
    return -1;
}

/* Writes the manifest through a temporary file, fsynced, renamed, the directory fsynced. */
static int persist_manifest(const struct aof_manifest *m) {
    char name[PATH_MAX], tmp_name[PATH_MAX], path[PATH_MAX], tmp_path[PATH_MAX];
    snprintf(name, sizeof name, "%s.manifest", filename_cfg());
    snprintf(tmp_name, sizeof tmp_name, "temp-%s.manifest", filename_cfg());
    file_path(path, sizeof path, name);
    file_path(tmp_path, sizeof tmp_path, tmp_name);
    buf_t text;
    buf_init(&text);
    aof_manifest_format(m, &text);
    int rc = -1, fd = open(tmp_path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        server_log(LL_WARNING, "Can't open the AOF manifest file %s: %s", tmp_name, strerror(errno));
        goto done;
    }
    for (size_t off = 0; off < text.len;) {
        ssize_t n = write(fd, text.data + off, text.len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            server_log(LL_WARNING, "Error trying to write the temporary AOF manifest file %s: %s",
                       tmp_name, strerror(errno));
            goto done;
        }
        off += (size_t)n;
    }
    if (fdatasync(fd) != 0) {
        server_log(LL_WARNING, "Fail to fsync the temp AOF file %s: %s.", tmp_name, strerror(errno));
        goto done;
    }
    if (rename(tmp_path, path) != 0) {
        server_log(LL_WARNING, "Error trying to rename the temporary AOF manifest file %s into %s: %s",
                   tmp_name, name, strerror(errno));
        goto done;
    }
    if (fsync_path_dir(dirname_cfg()) != 0) {
        server_log(LL_WARNING, "Fail to fsync AOF directory %s: %s.", path, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (fd >= 0) close(fd);
    buf_free(&text);
    return rc;
}

static long long file_size(const char *name) {
    char path[PATH_MAX];
    file_path(path, sizeof path, name);
    struct stat st;
    if (stat(path, &st) != 0) {
        server_log(LL_WARNING, "Unable to obtain the AOF file %s length. stat: %s", name, strerror(errno));
        return -1;
    }
    return (long long)st.st_size;
}

/* The history files go, unless aof-disable-auto-gc. */
static void delete_history(void) {
    if (!aof.manifest.nhistory || config_number("aof-disable-auto-gc")) return;
    for (size_t i = 0; i < aof.manifest.nhistory; i++) {
        char path[PATH_MAX];
        file_path(path, sizeof path, aof.manifest.history[i].name);
        server_log(LL_NOTICE, "Removing the history file %s in the background", aof.manifest.history[i].name);
        unlink(path);
    }
    aof_manifest_clear_history(&aof.manifest);
    persist_manifest(&aof.manifest);
}

void aof_auto_gc_enabled(void) { delete_history(); }

/* ---- Writing effects ---- */

int aof_consumes_effects(void) { return aof.state != AOF_OFF; }

/* What goes before an effect: the time annotation, and SELECT when the database changes.
 * 0 when effects are not taken now. */
static int feed_prologue(int dbid) {
    /* While turning on, effects only count once the rewrite has opened their file. */
    if (aof.state == AOF_WAIT_REWRITE && !aof.child) return 0;
    size_t before = aof.buf.len;
    if (server.cfg.aof_timestamp_enabled) {
        time_t now = time(NULL);
        if (now > aof.last_timestamp) {
            aof.last_timestamp = now;
            buf_printf(&aof.buf, "#TS:%lld\r\n", (long long)now);
        }
    }
    if (dbid != aof.selected_db) {
        char num[16];
        int n = snprintf(num, sizeof num, "%d", dbid);
        buf_printf(&aof.buf, "*2\r\n$6\r\nSELECT\r\n$%d\r\n%s\r\n", n, num);
        aof.selected_db = dbid;
    }
    aof.fed += aof.buf.len - before;
    return 1;
}

void aof_feed(int dbid, const char *resp, size_t len) {
    if (!feed_prologue(dbid)) return;
    buf_append(&aof.buf, resp, len);
    aof.fed += len;
}

void aof_feed_command(int dbid, const resp_arg *argv, size_t argc) {
    if (!feed_prologue(dbid)) return;
    size_t before = aof.buf.len;
    effects_encode(&aof.buf, argv, argc);
    aof.fed += aof.buf.len - before;
}

/* Retries short writes and EINTR, as Redis's aofWrite. */
static ssize_t write_all(int fd, const char *p, size_t len) {
    ssize_t total = 0;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return total ? total : -1;
        }
        p += n;
        len -= (size_t)n;
        total += n;
    }
    return total;
}

static int child_running(void) { return aof.child != 0 || snapshot_child_running(); }

/* The effects offset the file holds (fed, less what is still buffered). */
static unsigned long long written_offset(void) { return aof.fed - aof.buf.len; }

static void release_synced(void);

/* Redis's flushAppendOnlyFile. force: write even while a background fsync is running. */
static void flush_buffer(int force) {
    time_t now = time(NULL);
    int policy = server.cfg.appendfsync, syncing = 0;
    if (aof.fd < 0) return;
    if (aof.buf.len == 0) {
        /* Nothing new, but what was written may still need its fsync. */
        if (aof.incr_fsynced == aof.incr_size) return;
        if (policy == AOF_FSYNC_EVERYSEC && !(now > aof.last_fsync && !bio_fsync_pending())) return;
        if (policy == AOF_FSYNC_NO) return;
        goto fsync;
    }
    if (policy == AOF_FSYNC_EVERYSEC) syncing = bio_fsync_pending();
    if (policy == AOF_FSYNC_EVERYSEC && !force && syncing) {
        /* write(2) would wait for the fsync anyway: wait up to two seconds, then write. */
        if (!aof.flush_postponed_since) {
            aof.flush_postponed_since = now;
            return;
        }
        if (now - aof.flush_postponed_since < 2) return;
        aof.delayed_fsync++;
        server_log(LL_NOTICE, "Asynchronous AOF fsync is taking too long (disk is busy?). Writing "
                   "the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
    }
    if (aof.flush_sleep_us) usleep((useconds_t)aof.flush_sleep_us);
    long long start = time_us();
    ssize_t n = write_all(aof.fd, aof.buf.data, aof.buf.len);
    long long ms = (time_us() - start) / 1000;
    latency_add_sample_if_needed(syncing ? "aof-write-pending-fsync"
                                 : child_running() ? "aof-write-active-child" : "aof-write-alone", ms);
    latency_add_sample_if_needed("aof-write", ms);
    aof.flush_postponed_since = 0;
    if (n != (ssize_t)aof.buf.len) {
        int can_log = now - aof.last_write_error_log > WRITE_ERROR_LOG_INTERVAL;
        if (can_log) aof.last_write_error_log = now;
        if (n < 0) {
            if (can_log) server_log(LL_WARNING, "Error writing to the AOF file: %s", strerror(errno));
            aof.write_errno = errno;
        } else {
            if (can_log)
                server_log(LL_WARNING, "Short write while writing to the AOF file: (nwritten=%lld, "
                           "expected=%lld)", (long long)n, (long long)aof.buf.len);
            /* Take the partial command back: the file must end on a whole one. */
            if (ftruncate(aof.fd, aof.incr_size) == 0) {
                n = -1;
            } else if (can_log) {
                server_log(LL_WARNING, "Could not remove short write from the append-only file.  "
                           "Redis may refuse to load the AOF the next time it starts.  ftruncate: %s",
                           strerror(errno));
            }
            aof.write_errno = ENOSPC;
        }
        /* Writes are refused until a write succeeds again; what is buffered stays and is
         * retried from the cron. */
        aof.write_failed = 1;
        if (n > 0) {
            aof.current_size += n;
            aof.incr_size += n;
            buf_consume(&aof.buf, (size_t)n);
        }
        return;
    }
    if (aof.write_failed) {
        server_log(LL_WARNING, "AOF write error looks solved, Redis can write again.");
        aof.write_failed = 0;
    }
    aof.current_size += n;
    aof.incr_size += n;
    aof.buf.len = 0;
    buf_shrink(&aof.buf, 4000);
fsync:
    if (server.cfg.no_appendfsync_on_rewrite && child_running()) return;
    if (policy == AOF_FSYNC_ALWAYS) {
        /* Group commit: in the thread while the loop goes on, the replies that need it waiting
         * (aof_hold_reply), one at a time, the next covering all written meanwhile; or here, as
         * Redis does, when fsyncs are quick and the batch small (see fsync_us_avg). */
        if (bio_fsync_pending()) return;
        aof.incr_fsynced = aof.incr_size;
        aof.last_fsync = now;
        unsigned long long batch = written_offset() - bio_synced();
        if (aof.fsync_us_avg >= ASYNC_FSYNC_US || batch >= ASYNC_BATCH_BYTES) {
            bio_submit(aof.fd, 0, written_offset());
            return;
        }
        start = time_us();
        if (fdatasync(aof.fd) != 0) {
            server_log(LL_WARNING, "Can't persist AOF for fsync error when the AOF fsync policy is "
                       "'always': %s.", strerror(errno));
            aof.write_errno = errno;
            aof.write_failed = 1; /* replies keep waiting, writes are refused, the cron retries */
            aof.incr_fsynced = -1;
            return;
        }
        long long took = time_us() - start;
        aof.fsync_us_avg = (aof.fsync_us_avg * 7 + took) / 8;
        latency_add_sample_if_needed("aof-fsync-always", took / 1000);
        bio_mark_synced(written_offset());
        release_synced();
        if (aof.write_failed && aof.buf.len == 0) {
            server_log(LL_WARNING, "AOF write error looks solved, Redis can write again.");
            aof.write_failed = 0;
        }
    } else if (policy == AOF_FSYNC_EVERYSEC && now > aof.last_fsync) {
        if (!syncing && !bio_fsync_pending()) {
            bio_submit(aof.fd, 0, written_offset());
            aof.incr_fsynced = aof.incr_size;
        }
        aof.last_fsync = now;
    }
}

void aof_before_replies(void) {
    if (aof.state == AOF_OFF) {
        aof.holding = 0;
        return;
    }
    flush_buffer(0);
    aof.holding = server.cfg.appendfsync == AOF_FSYNC_ALWAYS &&
                  !(server.cfg.no_appendfsync_on_rewrite && child_running());
}

/* ---- Group commit: replies wait for their fsync ---- */

static void unlink_held(client *c) {
    if (c->prev_held) {
        c->prev_held->next_held = c->next_held;
    } else {
        aof.held = c->next_held;
    }
    if (c->next_held) c->next_held->prev_held = c->prev_held;
    c->prev_held = c->next_held = NULL;
}

/* Lets out what the fsyncs up to synced cover; queue: have it written before the loop sleeps. */
static void release(client *c, unsigned long long synced, int queue) {
    int released = 0;
    while (c->nholds && c->hold_seq[0] <= synced) {
        c->hold_from = c->hold_len[0];
        c->hold_len[0] = c->hold_len[1];
        c->hold_seq[0] = c->hold_seq[1];
        c->nholds--;
        released = 1;
    }
    if (!c->nholds) unlink_held(c);
    if (released && queue) client_queue_reply(c);
}

/* Every reply the fsyncs done so far cover goes out. */
static void release_synced(void) {
    unsigned long long synced = bio_synced();
    for (client *c = aof.held, *next; c; c = next) {
        next = c->next_held;
        release(c, synced, 1);
    }
}

static void release_all(void) {
    while (aof.held) release(aof.held, ~0ULL, 1);
}

void aof_hold_reply(client *c) {
    if (!aof.holding) {
        if (c->nholds) release(c, ~0ULL, 0); /* always is off now */
        return;
    }
    unsigned long long synced = bio_synced();
    if (c->nholds) release(c, synced, 0);
    if (aof.fed <= synced) return; /* nothing it could depend on is at risk */
    size_t from = c->nholds ? c->hold_len[c->nholds - 1] : c->reply_sent;
    if (c->reply.len <= from) return; /* nothing new */
    if (!c->nholds) {
        c->hold_from = c->reply_sent;
        c->next_held = aof.held;
        if (aof.held) aof.held->prev_held = c;
        c->prev_held = NULL;
        aof.held = c;
    }
    /* At most two waits: the fsync running, and the next one; later bytes join the second. */
    if (c->nholds && c->hold_seq[c->nholds - 1] == aof.fed) {
        c->hold_len[c->nholds - 1] = c->reply.len;
    } else if (c->nholds == 2) {
        c->hold_len[1] = c->reply.len;
        c->hold_seq[1] = aof.fed;
    } else {
        c->hold_len[c->nholds] = c->reply.len;
        c->hold_seq[c->nholds] = aof.fed;
        c->nholds++;
    }
}

void aof_forget_client(client *c) {
    if (!c->nholds) return;
    unlink_held(c);
    c->nholds = 0;
}

static void on_fsync_done(struct ev_loop *loop, ev_async *w, int revents) {
    (void)loop;
    (void)w;
    (void)revents;
    pthread_mutex_lock(&bio.lock);
    unsigned long long synced = bio.synced;
    long long took = bio.last_us;
    pthread_mutex_unlock(&bio.lock);
    aof.fsync_us_avg = (aof.fsync_us_avg * 7 + took) / 8;
    if (bio_fsync_error()) aof.incr_fsynced = -1; /* retried: its replies still wait */
    release_synced();
    /* What was written while that fsync ran gets the next one now. */
    if (aof.state != AOF_OFF && aof.holding && written_offset() > synced) flush_buffer(0);
}

const char *aof_write_error(void) {
    static char msg[160];
    if (aof.state == AOF_OFF) return NULL;
    int err = aof.write_failed ? aof.write_errno : bio_fsync_error();
    if (!err && !aof.write_failed) return NULL;
    snprintf(msg, sizeof msg, "-MISCONF Errors writing to the AOF file: %s", strerror(err));
    return msg;
}

/* ---- The base file ---- */

static void rewrite_key_written(void) {
    if (server.cfg.rdb_key_save_delay) usleep((useconds_t)(server.cfg.rdb_key_save_delay > 0
                                                               ? server.cfg.rdb_key_save_delay : 0));
    child_info_key_written();
}

/* Writes the dataset to tmp (in dir) as a base file, fsynced: an RDB file, or commands. 0, or
 * -1 after logging why. */
static int write_base(const char *tmp, int rdb, void (*after_key)(void)) {
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        server_log(LL_WARNING, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): %s",
                   strerror(errno));
        return -1;
    }
    int rc;
    size_t autosync = config_number("aof-rewrite-incremental-fsync") ? RDB_AUTOSYNC_BYTES : 0;
    if (rdb) {
        rdb_writer w;
        rdb_writer_init(&w, fd, server.cfg.rdbcompression);
        w.autosync = autosync;
        rdb_save_dataset(&w, 1, after_key);
        rc = rdb_writer_finish(&w, server.cfg.rdbchecksum);
    } else {
        rc = aof_write_dataset_commands(fd, autosync, after_key);
    }
    if (rc != 0 || fdatasync(fd) != 0) {
        server_log(LL_WARNING, "Write error writing append only file on disk: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    return 0;
}

/* ---- Loading ---- */

enum load_result { LOAD_OK, LOAD_NOT_EXIST, LOAD_EMPTY, LOAD_OPEN_ERR, LOAD_FAILED, LOAD_TRUNCATED };

struct loader {
    client fake;
    struct rdb_load_stats rdb_stats;
    size_t done_before; /* bytes of the files loaded before this one */
    /* MULTI read, EXEC not yet: the commands wait (a torn transaction never runs) */
    int in_multi;
    struct queued {
        const struct command *cmd;
        resp_arg *argv;
        size_t argc;
    } *queue;
    size_t nqueued, queue_cap;
};

static void run_loaded(struct loader *ld, const struct command *cmd, resp_arg *argv, size_t argc) {
    client *c = &ld->fake;
    c->argv = argv;
    c->argc = argc;
    c->last_cmd = cmd;
    server.current = c;
    server.now_ms = time_ms();
    cmd->proc(c);
    server.current = NULL;
    c->reply.len = 0;
    c->argv = NULL;
    c->argc = 0;
}

static void drop_queue(struct loader *ld) {
    for (size_t i = 0; i < ld->nqueued; i++) mem_free(ld->queue[i].argv);
    ld->nqueued = 0;
    ld->in_multi = 0;
}

/* One command of the file: run, or queued inside MULTI. -1 after logging why it cannot be. */
static int load_command(struct loader *ld, aof_reader *r, const char *name) {
    const struct command *cmd = command_lookup_argv(r->argv, r->argc);
    if (!cmd) {
        server_log(LL_WARNING, "Unknown command '%.*s' reading the append only file %s",
                   (int)(r->argv[0].len > 128 ? 128 : r->argv[0].len), r->argv[0].ptr, name);
        return -1;
    }
    if (!command_arity_ok(cmd, r->argc)) {
        server_log(LL_WARNING, "Wrong number of arguments for '%s' reading the append only file %s",
                   cmd->fullname, name);
        return -1;
    }
    if (cmd->proc == cmd_multi) {
        drop_queue(ld);
        ld->in_multi = 1;
        return 0;
    }
    if (cmd->proc == cmd_exec) {
        for (size_t i = 0; i < ld->nqueued; i++)
            run_loaded(ld, ld->queue[i].cmd, ld->queue[i].argv, ld->queue[i].argc);
        drop_queue(ld);
        return 0;
    }
    if (ld->in_multi) {
        if (ld->nqueued == ld->queue_cap) {
            ld->queue_cap = ld->queue_cap ? ld->queue_cap * 2 : 16;
            ld->queue = mem_realloc(ld->queue, ld->queue_cap * sizeof *ld->queue);
        }
        struct queued *q = &ld->queue[ld->nqueued++];
        q->cmd = cmd;
        q->argc = r->argc;
        q->argv = mem_alloc(r->argc * sizeof *q->argv);
        memcpy(q->argv, r->argv, r->argc * sizeof *q->argv);
        return 0;
    }
    run_loaded(ld, cmd, r->argv, r->argc);
    return 0;
}

/* "#memcached-flags <key in hex> <flags>" after a memcached item's SET: its client flags
 * (protocols/memcache.c writes it). Other annotations (#TS:) say nothing to the loader. */
static void load_annotation(struct loader *ld, const char *line, size_t len) {
    static const char prefix[] = "#memcached-flags ";
    size_t plen = sizeof prefix - 1;
    if (len <= plen || memcmp(line, prefix, plen) != 0) return;
    const char *p = line + plen, *end = line + len, *space = memchr(p, ' ', (size_t)(end - p));
    if (!space || (space - p) % 2 || space - p > 2 * 512) return;
    char key[512];
    size_t klen = 0;
    for (const char *h = p; h < space; h += 2) {
        char hex[3] = {h[0], h[1], 0}, *stop;
        key[klen++] = (char)strtoul(hex, &stop, 16);
        if (*stop) return;
    }
    unsigned long long flags;
    if (str_to_ull(space + 1, (size_t)(end - space - 1), &flags) != 0 || flags > UINT32_MAX) return;
    db *d = ld->fake.db;
    entry *e = (entry *)dict_find(&d->keys, key, klen);
    if (!e || e->type != OBJ_STRING) return;
    char digits[LL_STR_SIZE];
    size_t vlen;
    const char *v = entry_string(e, digits, &vlen);
    db_set(d, entry_new_stamped(key, klen, v, vlen, entry_expire(e), (uint32_t)flags));
}

/* An RDB at the start of a file (a base, or an old single file's preamble): loaded, its
 * checksum checked; *tail is where commands may follow. -1 after logging why. */
static int load_rdb_part(struct loader *ld, const char *data, size_t len, const char *name,
                         int old_style, size_t *tail) {
    server_log(LL_NOTICE, old_style ? "Reading RDB preamble from AOF file..."
                                    : "Reading RDB base file on AOF loading...");
    rdb_reader r;
    int rc = rdb_open_preamble(&r, data, len);
    if (rc == 0)
        rc = rdb_load_dataset(&r, &ld->rdb_stats, RDB_LOAD_KEEP_EXPIRED,
                              snapshot_while_loading);
    if (rc == 0) rc = rdb_preamble_end(&r, !server.skip_checksum_validation);
    if (rc != 0) {
        if (!server.shutdown_asap)
            server_log(LL_WARNING, "%s %s at offset %zu: %s", old_style
                       ? "Error reading the RDB preamble of the AOF file" : "Error reading the RDB base file",
                       name, r.err_offset, r.err);
        server_log(LL_WARNING, "%s, AOF loading aborted", name);
        return -1;
    }
    if (old_style) server_log(LL_NOTICE, "Reading the remaining AOF tail...");
    *tail = (size_t)(r.p - r.base);
    return 0;
}

/* Redis's loadSingleAppendOnlyFile. */
static enum load_result load_one(struct loader *ld, const char *name) {
    char path[PATH_MAX];
    file_path(path, sizeof path, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        struct stat st;
        if (stat(path, &st) == 0 || errno != ENOENT) {
            server_log(LL_WARNING, "Fatal error: can't open the append log file %s for reading: %s",
                       name, strerror(err));
            return LOAD_OPEN_ERR;
        }
        server_log(LL_WARNING, "The append log file %s doesn't exist: %s", name, strerror(err));
        return LOAD_NOT_EXIST;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0) {
        close(fd);
        return LOAD_EMPTY;
    }
    size_t len = (size_t)st.st_size;
    char *data = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (data == MAP_FAILED) {
        server_log(LL_WARNING, "Unrecoverable error reading the append only file %s: %s", name,
                   strerror(errno));
        return LOAD_FAILED;
    }
    enum load_result result = LOAD_OK;
    size_t start = 0, valid_up_to = 0, valid_before_multi = 0;
    if (aof_is_rdb(data, len) &&
        load_rdb_part(ld, data, len, name, strcmp(name, filename_cfg()) == 0, &start) != 0) {
        munmap(data, len);
        return LOAD_FAILED;
    }
    valid_up_to = start;
    aof_reader r;
    aof_reader_init(&r, data + start, len - start);
    enum aof_read_status status;
    for (unsigned long loops = 0;; loops++) {
        if (loops % 1024 == 0 &&
            snapshot_loading_progress(ld->done_before + start + (size_t)(r.p - r.base))) {
            result = LOAD_FAILED;
            goto done;
        }
        size_t before = (size_t)(r.p - r.base) + start;
        status = aof_read_command(&r);
        if (status == AOF_READ_ANNOTATION) {
            load_annotation(ld, r.annotation, r.annotation_len);
            continue;
        }
        if (status != AOF_READ_COMMAND) break;
        if (ld->in_multi == 0 && r.argc && r.argv[0].len == 5 &&
            strncasecmp(r.argv[0].ptr, "multi", 5) == 0)
            valid_before_multi = before;
        if (load_command(ld, &r, name) != 0) {
            result = LOAD_FAILED;
            goto done;
        }
        valid_up_to = (size_t)(r.p - r.base) + start;
    }
    if (status == AOF_READ_BAD_FORMAT) {
        server_log(LL_WARNING, "Bad file format reading the append only file %s: make a backup of "
                   "your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name);
        result = LOAD_FAILED;
        goto done;
    }
    if (status == AOF_READ_EOF && !ld->in_multi) goto done;
    if (status == AOF_READ_EOF) {
        server_log(LL_WARNING, "Revert incomplete MULTI/EXEC transaction in AOF file %s", name);
        valid_up_to = valid_before_multi;
    }
    drop_queue(ld);
    /* A torn end: what a crash in the middle of a write leaves. */
    munmap(data, len);
    data = NULL;
    if (config_number("aof-load-truncated")) {
        server_log(LL_WARNING, "!!! Warning: short read while loading the AOF file %s!!!", name);
        server_log(LL_WARNING, "!!! Truncating the AOF %s at offset %zu !!!", name, valid_up_to);
        if (truncate(path, (off_t)valid_up_to) != 0) {
            server_log(LL_WARNING, "Error truncating the AOF file %s: %s", name, strerror(errno));
        } else {
            server_log(LL_WARNING, "AOF %s loaded anyway because aof-load-truncated is enabled", name);
            result = LOAD_TRUNCATED;
            goto done;
        }
    }
    server_log(LL_WARNING, "Unexpected end of file reading the append only file %s. You can: 1) Make "
               "a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) "
               "Alternatively you can set the 'aof-load-truncated' configuration option to yes and "
               "restart the server. (The last whole command ends at offset %zu.)", name, valid_up_to);
    result = LOAD_FAILED;
done:
    drop_queue(ld);
    aof_reader_free(&r);
    if (data) munmap(data, len);
    ld->done_before += len;
    return result;
}

/* Redis's loadAppendOnlyFiles: the base, then each incremental file. */
static enum load_result load_all(void) {
    struct aof_manifest *m = &aof.manifest;
    if (!m->base && !m->nincr) return LOAD_NOT_EXIST;
    long long total = 0, base_size = 0;
    if (m->base && (base_size = file_size(m->base->name)) < 0) return LOAD_FAILED;
    total = base_size;
    for (size_t i = 0; i < m->nincr; i++) {
        long long n = file_size(m->incr[i].name);
        if (n < 0) return LOAD_FAILED;
        total += n;
    }
    if (total == 0) return LOAD_EMPTY;
    struct loader ld;
    memset(&ld, 0, sizeof ld);
    ld.fake.fd = -1;
    ld.fake.flags = CLIENT_AUTHENTICATED | CLIENT_REPLAYING;
    ld.fake.db = &server.dbs[0];
    buf_init(&ld.fake.reply);
    snapshot_loading_begin((size_t)total, &ld.rdb_stats);
    server.in_exec = 1; /* nothing blocks */
    size_t nfiles = (m->base ? 1 : 0) + m->nincr, n = 0;
    enum load_result rc = LOAD_OK;
    for (size_t i = 0; i < nfiles && (rc == LOAD_OK || rc == LOAD_EMPTY); i++) {
        int is_base = m->base && i == 0;
        const char *name = is_base ? m->base->name : m->incr[i - (m->base ? 1 : 0)].name;
        int last = ++n == nfiles;
        long long start = time_us();
        rc = load_one(&ld, name);
        if (rc == LOAD_OK || (rc == LOAD_TRUNCATED && last))
            server_log(LL_NOTICE, "DB loaded from %s file %s: %.3f seconds", is_base ? "base" : "incr",
                       name, (double)(time_us() - start) / 1e6);
        if (rc == LOAD_TRUNCATED && !last) {
            server_log(LL_WARNING, "Fatal error: the truncated file is not the last file");
            rc = LOAD_FAILED;
        }
        if (rc == LOAD_EMPTY && !is_base) rc = LOAD_OK;
        if (rc == LOAD_NOT_EXIST) rc = LOAD_FAILED; /* listed, yet gone */
    }
    server.in_exec = 0;
    mem_free(ld.queue);
    buf_free(&ld.fake.reply);
    snapshot_loading_end(&ld.rdb_stats);
    aof.current_size = total;
    aof.base_size = base_size;
    return rc;
}

/* An AOF from before Redis 7.0: one appendonly.aof in dir becomes the base of a new
 * directory (Redis's aofUpgradePrepare). Exits on failure, as Redis does: retried at the
 * next start. */
static int upgrade_old_file(void) {
    const char *name = filename_cfg();
    struct stat st;
    if (stat(name, &st) != 0) return 0;
    struct aof_manifest *m = &aof.manifest;
    struct stat dst;
    char inside[PATH_MAX];
    file_path(inside, sizeof inside, name);
    int dir_exists = stat(dirname_cfg(), &dst) == 0 && S_ISDIR(dst.st_mode);
    if (dir_exists && !(!m->base && !m->nincr) &&
        !(m->base && !m->nincr && !strcmp(m->base->name, name) && stat(inside, &dst) != 0))
        return 0;
    if (make_dir() != 0) return -1;
    aof_manifest_free(m);
    m->base = mem_alloc(sizeof *m->base);
    *m->base = (struct aof_file_info){mem_strdup(name), 1, AOF_BASE};
    m->base_seq = 1;
    if (persist_manifest(m) != 0) return -1;
    if (rename(name, inside) != 0) {
        server_log(LL_WARNING, "Error trying to move the old AOF file %s into dir %s: %s", name,
                   dirname_cfg(), strerror(errno));
        return -1;
    }
    server_log(LL_NOTICE, "Successfully migrated an old-style AOF file (%s) into the AOF directory (%s).",
               name, dirname_cfg());
    return 0;
}

static int read_manifest(void) {
    char name[PATH_MAX], path[PATH_MAX];
    snprintf(name, sizeof name, "%s.manifest", filename_cfg());
    file_path(path, sizeof path, name);
    struct stat st;
    if (stat(dirname_cfg(), &st) != 0 || stat(path, &st) != 0) return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        server_log(LL_WARNING, "Fatal error: can't open the AOF manifest file %s for reading: %s",
                   path, strerror(errno));
        return -1;
    }
    buf_t text;
    buf_init(&text);
    buf_append_stream(&text, f);
    fclose(f);
    const char *err;
    int line;
    int rc = aof_manifest_parse(&aof.manifest, text.data ? text.data : "", text.len, &err, &line);
    if (rc != 0) {
        server_log(LL_WARNING, "*** FATAL AOF MANIFEST FILE ERROR ***");
        if (line) server_log(LL_WARNING, "Reading the manifest file, at line %d", line);
        server_log(LL_WARNING, "%s", err);
    }
    buf_free(&text);
    return rc;
}

/* Redis's aofOpenIfNeededOnServerStart: a base for an empty start, the last incremental file
 * opened for appending (or a new one), the manifest on disk. */
static int open_on_start(void) {
    struct aof_manifest *m = &aof.manifest;
    if (make_dir() != 0) return -1;
    int had_incr = m->nincr > 0;
    if (!m->base && !m->nincr) {
        int rdb = config_number("aof-use-rdb-preamble") != 0;
        const char *base = aof_manifest_new_base(m, filename_cfg(), rdb);
        char tmp[64], path[PATH_MAX];
        snprintf(tmp, sizeof tmp, "temp-rewriteaof-%d.aof", (int)getpid());
        file_path(path, sizeof path, base);
        if (write_base(tmp, rdb, NULL) != 0) return -1;
        if (rename(tmp, path) != 0) {
            server_log(LL_WARNING, "Error moving temp append only file on the final destination: %s",
                       strerror(errno));
            unlink(tmp);
            return -1;
        }
        server_log(LL_NOTICE, "Creating AOF base file %s on server start", base);
        long long size = file_size(base);
        aof.current_size = aof.base_size = size < 0 ? 0 : size;
    }
    const char *incr = had_incr ? m->incr[m->nincr - 1].name : aof_manifest_add_incr(m, filename_cfg());
    char path[PATH_MAX];
    file_path(path, sizeof path, incr);
    aof.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (aof.fd < 0) {
        server_log(LL_WARNING, "Can't open the append-only file %s: %s", incr, strerror(errno));
        return -1;
    }
    if (persist_manifest(m) != 0) return -1;
    long long size = file_size(incr);
    aof.incr_size = aof.incr_fsynced = size < 0 ? 0 : size;
    server_log(LL_NOTICE, had_incr ? "Opening AOF incr file %s on server start"
                                   : "Creating AOF incr file %s on server start", incr);
    return 0;
}

int aof_start_up(void) {
    /* The manifest is read either way: BGREWRITEAOF with the AOF off updates it. */
    aof_manifest_init(&aof.manifest);
    if (read_manifest() != 0) return -1;
    if (!server.cfg.appendonly) return snapshot_load();
    if (upgrade_old_file() != 0) return -1;
    long long start = time_us();
    enum load_result rc = load_all();
    if (server.shutdown_asap) return -1;
    if (rc == LOAD_FAILED || rc == LOAD_OPEN_ERR) return -1;
    if (rc != LOAD_NOT_EXIST)
        server_log(LL_NOTICE, "DB loaded from append only file: %.3f seconds",
                   (double)(time_us() - start) / 1e6);
    aof.state = AOF_ON;
    if (open_on_start() != 0) return -1;
    aof.last_fsync = time(NULL);
    delete_history();
    return 0;
}

/* ---- Rewrites ---- */

static void temp_rewrite_name(char *out, size_t size, pid_t pid) {
    snprintf(out, size, "temp-rewriteaof-bg-%d.aof", (int)pid);
}

static void temp_incr_name(char *out, size_t size) {
    snprintf(out, size, "temp-%s.incr", filename_cfg());
}

void aof_remove_temp_file(int pid) {
    char tmp[64];
    temp_rewrite_name(tmp, sizeof tmp, (pid_t)pid);
    unlink(tmp);
}

/* Redis's openNewIncrAofForAppend: the effects from now on go to a new incremental file (a
 * temporary one while the AOF is being turned on). */
static int open_new_incr(void) {
    if (aof.state == AOF_OFF) return 0;
    struct aof_manifest next;
    char name[PATH_MAX], path[PATH_MAX];
    int on = aof.state == AOF_ON;
    if (on) {
        aof_manifest_copy(&next, &aof.manifest);
        snprintf(name, sizeof name, "%s", aof_manifest_add_incr(&next, filename_cfg()));
    } else {
        temp_incr_name(name, sizeof name);
    }
    file_path(path, sizeof path, name);
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        server_log(LL_WARNING, "Can't open the append-only file %s: %s", name, strerror(errno));
        if (on) aof_manifest_free(&next);
        return -1;
    }
    if (on && persist_manifest(&next) != 0) {
        close(fd);
        aof_manifest_free(&next);
        return -1;
    }
    server_log(LL_NOTICE, "Creating AOF incr file %s on background rewrite", name);
    /* The old file is fsynced and closed in the background, once the child is forked (a
     * thread busy at the fork can leave a lock of the allocator's held in the child). */
    aof.retired_fd = aof.fd;
    aof.retired_covers = written_offset();
    aof.fd = fd;
    aof.incr_size = aof.incr_fsynced = 0;
    aof.last_fsync = time(NULL);
    if (on) {
        aof_manifest_free(&aof.manifest);
        aof.manifest = next;
    }
    return 0;
}

static void rewrite_done(struct ev_loop *loop, ev_child *w, int revents);

/* The incremental file the rewrite replaced: fsynced and closed by the thread. */
static void retire_old_incr(void) {
    if (aof.retired_fd < 0) return;
    bio_submit(aof.retired_fd, 1, aof.retired_covers);
    aof.retired_fd = -1;
}

static int rewrite_start(void) {
    if (child_running()) return -1;
    if (make_dir() != 0) {
        aof.last_rewrite_ok = 0;
        return -1;
    }
    /* The new incremental file starts with its own SELECT. */
    aof.selected_db = -1;
    flush_buffer(1);
    if (open_new_incr() != 0) {
        aof.last_rewrite_ok = 0;
        return -1;
    }
    aof.rewrites++;
    aof.rewrite_rdb = config_number("aof-use-rdb-preamble") != 0;
    child_info_open();
    long long start = time_us();
    pid_t pid = fork();
    child_info_forked(pid == 0);
    if (pid == 0) {
        process_forked_child("redis-aof-rewrite");
        char tmp[64];
        temp_rewrite_name(tmp, sizeof tmp, getpid());
        int rc = write_base(tmp, aof.rewrite_rdb, rewrite_key_written);
        if (rc == 0) {
            server_log(LL_NOTICE, "Successfully created the temporary AOF base file %s", tmp);
            child_info_send_final();
        }
        _exit(rc == 0 ? 0 : 1);
    }
    retire_old_incr();
    if (pid < 0) {
        child_info_close(0);
        aof.last_rewrite_ok = 0;
        server_log(LL_WARNING, "Can't rewrite append only file in background: fork: %s", strerror(errno));
        return -1;
    }
    snapshot_count_fork(time_us() - start);
    server_log(LL_NOTICE, "Background append only file rewriting started by pid %ld", (long)pid);
    aof.child = pid;
    aof.scheduled = 0;
    aof.rewrite_started = time(NULL);
    ev_child_init(&aof.child_watcher, rewrite_done, pid, 0);
    ev_child_start(server.loop, &aof.child_watcher);
    return 0;
}

/* The child wrote a new base: it becomes the base, the incremental files before the one
 * opened at the fork become history, and the manifest says so (Redis's
 * backgroundRewriteDoneHandler). */
static int install_rewrite(pid_t pid) {
    char tmp[64], path[PATH_MAX], incr_path[PATH_MAX];
    temp_rewrite_name(tmp, sizeof tmp, pid);
    struct aof_manifest next;
    aof_manifest_copy(&next, &aof.manifest);
    const char *base = aof_manifest_new_base(&next, filename_cfg(), aof.rewrite_rdb);
    file_path(path, sizeof path, base);
    long long start = time_us();
    if (rename(tmp, path) != 0) {
        server_log(LL_WARNING, "Error trying to rename the temporary AOF base file %s into %s: %s",
                   tmp, path, strerror(errno));
        aof_manifest_free(&next);
        return -1;
    }
    latency_add_sample_if_needed("aof-rename", (time_us() - start) / 1000);
    server_log(LL_NOTICE, "Successfully renamed the temporary AOF base file %s into %s", tmp, base);
    incr_path[0] = '\0';
    if (aof.state == AOF_WAIT_REWRITE) {
        /* The temporary incremental file joins the manifest under its real name. */
        char name[PATH_MAX], incr_tmp[PATH_MAX];
        temp_incr_name(name, sizeof name);
        file_path(incr_tmp, sizeof incr_tmp, name);
        const char *incr = aof_manifest_add_incr(&next, filename_cfg());
        file_path(incr_path, sizeof incr_path, incr);
        if (rename(incr_tmp, incr_path) != 0) {
            server_log(LL_WARNING, "Error trying to rename the temporary AOF incr file %s into %s: %s",
                       incr_tmp, incr_path, strerror(errno));
            unlink(path);
            aof_manifest_free(&next);
            return -1;
        }
        server_log(LL_NOTICE, "Successfully renamed the temporary AOF incr file %s into %s", name, incr);
    }
    /* The file written to now stays incremental; every other one is history. */
    aof_manifest_retire_incr(&next, aof.fd >= 0 ? 1 : 0);
    if (persist_manifest(&next) != 0) {
        unlink(path);
        if (incr_path[0]) unlink(incr_path);
        aof_manifest_free(&next);
        return -1;
    }
    aof_manifest_free(&aof.manifest);
    aof.manifest = next;
    if (aof.state != AOF_OFF) {
        long long base_size = file_size(base);
        aof.base_size = aof.current_size = (base_size < 0 ? 0 : base_size) + aof.incr_size;
    }
    delete_history();
    server_log(LL_NOTICE, "Background AOF rewrite finished successfully");
    if (aof.state == AOF_WAIT_REWRITE) aof.state = AOF_ON;
    return 0;
}

static void rewrite_done(struct ev_loop *loop, ev_child *w, int revents) {
    (void)revents;
    ev_child_stop(loop, w);
    int status = w->rstatus;
    pid_t pid = aof.child;
    aof.child = 0;
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    child_info_close(ok);
    if (ok) {
        aof.last_cow = child_info_get()->last_cow;
        server_log(LL_NOTICE, "Background AOF rewrite terminated with success");
        ok = install_rewrite(pid) == 0;
        aof.last_rewrite_ok = ok;
        aof.consecutive_failures = ok ? 0 : aof.consecutive_failures + 1;
    } else if (WIFEXITED(status)) {
        aof.last_rewrite_ok = 0;
        aof.consecutive_failures++;
        server_log(LL_WARNING, "Background AOF rewrite terminated with error");
    } else {
        /* SIGUSR1 is the server's own stop: not a failure. */
        if (WTERMSIG(status) != SIGUSR1) {
            aof.last_rewrite_ok = 0;
            aof.consecutive_failures++;
        }
        server_log(LL_WARNING, "Background AOF rewrite terminated by signal %d", WTERMSIG(status));
    }
    aof_remove_temp_file(pid);
    if (aof.state == AOF_WAIT_REWRITE) {
        /* Still turning on: what was gathered is dropped, and another try comes soon. */
        char name[PATH_MAX], path[PATH_MAX];
        temp_incr_name(name, sizeof name);
        file_path(path, sizeof path, name);
        server_log(LL_NOTICE, "Removing the temp incr aof file %s in the background", name);
        unlink(path);
        aof.buf.len = 0;
        aof.scheduled = 1;
    }
    aof.last_rewrite_secs = (long long)(time(NULL) - aof.rewrite_started);
    aof.rewrite_started = 0;
}

static void kill_child(void) {
    if (!aof.child) return;
    server_log(LL_NOTICE, "Killing running AOF rewrite child: %ld", (long)aof.child);
    kill(aof.child, SIGUSR1);
    while (waitpid(aof.child, NULL, 0) < 0 && errno == EINTR) {
    }
    ev_child_stop(server.loop, &aof.child_watcher);
    child_info_close(0);
    aof_remove_temp_file(aof.child);
    aof.child = 0;
    aof.rewrite_started = 0;
}

int aof_rewrite_running(void) { return aof.child != 0; }

/* Redis's aofRewriteLimited: after repeated failures, automatic rewrites wait 1, 2, 4 ... 60
 * minutes. */
static int rewrite_limited(void) {
    time_t now = time(NULL);
    if (aof.consecutive_failures < REWRITE_LIMIT_THRESHOLD) {
        aof.limit_minutes = 0;
        aof.limited_until = 0;
        return 0;
    }
    if (aof.limited_until) {
        if (now < aof.limited_until) return 1;
        aof.limited_until = 0;
        return 0;
    }
    aof.limit_minutes = aof.limit_minutes ? aof.limit_minutes * 2 : 1;
    if (aof.limit_minutes > REWRITE_LIMIT_MAX_MINUTES) aof.limit_minutes = REWRITE_LIMIT_MAX_MINUTES;
    aof.limited_until = now + aof.limit_minutes * 60;
    server_log(LL_WARNING, "Background AOF rewrite has repeatedly failed and triggered the limit, "
               "will retry in %d minutes", aof.limit_minutes);
    return 1;
}

void aof_cron(void) {
    if (aof.child) child_info_receive();
    /* A scheduled BGREWRITEAOF runs with the AOF off too (it writes a new base). */
    if (aof.scheduled && !child_running()) rewrite_start();
    if (aof.state == AOF_OFF) return;
    /* A postponed or failed write, and the everysec fsync of what was written. */
    if (aof.buf.len || aof.incr_fsynced != aof.incr_size || aof.write_failed) flush_buffer(0);
    long long pct = config_number("auto-aof-rewrite-percentage");
    long long min_size = config_number("auto-aof-rewrite-min-size");
    if (aof.state == AOF_ON && !child_running() && pct && aof.current_size > min_size) {
        long long base = aof.base_size ? aof.base_size : 1;
        long long growth = (aof.current_size * 100 / base) - 100;
        if (growth >= pct && !rewrite_limited()) {
            server_log(LL_NOTICE, "Starting automatic rewriting of AOF on %lld%% growth", growth);
            rewrite_start();
        }
    }
}

void cmd_bgrewriteaof(client *c) {
    if (aof.child) {
        reply_error(c, "Background append only file rewriting already in progress");
    } else if (snapshot_child_running() || server.in_exec) {
        aof.scheduled = 1;
        aof.consecutive_failures = 0; /* asked for: not held back by the limit */
        reply_status(c, "Background append only file rewriting scheduled");
    } else if (rewrite_start() == 0) {
        reply_status(c, "Background append only file rewriting started");
    } else {
        reply_error(c, "Can't execute an AOF background rewriting. Please check the server logs "
                       "for more information.");
    }
}

/* ---- Turning on and off ---- */

int aof_set_enabled(int on) {
    if (on && aof.state == AOF_OFF) {
        aof.state = AOF_WAIT_REWRITE;
        if (child_running() && !aof.child) {
            aof.scheduled = 1;
            server_log(LL_WARNING, "AOF was enabled but there is already another background operation. "
                       "An AOF background was scheduled to start when possible.");
        } else if (server.in_exec) {
            aof.scheduled = 1;
            server_log(LL_WARNING, "AOF was enabled during a transaction. An AOF background was "
                       "scheduled to start when possible.");
        } else if (rewrite_start() != 0) {
            aof.state = AOF_OFF;
            server_log(LL_WARNING, "Redis needs to enable the AOF but can't trigger a background AOF "
                       "rewrite operation. Check the above logs for more info about the error.");
            return -1;
        }
        aof.last_fsync = time(NULL);
        if (bio_fsync_error()) {
            server_log(LL_WARNING, "AOF reopen, just ignore the AOF fsync error in bio job");
            bio_clear_fsync_error();
        }
        if (aof.write_failed) {
            server_log(LL_WARNING, "AOF reopen, just ignore the last error.");
            aof.write_failed = 0;
        }
    } else if (!on && aof.state != AOF_OFF) {
        int was_turning_on = aof.state == AOF_WAIT_REWRITE;
        flush_buffer(1);
        if (aof.fd >= 0) {
            if (fdatasync(aof.fd) != 0) {
                server_log(LL_WARNING, "Fail to fsync the AOF file: %s", strerror(errno));
            } else {
                aof.last_fsync = time(NULL);
                bio_mark_synced(written_offset());
            }
            close(aof.fd);
        }
        aof.holding = 0;
        release_all();
        aof.fd = -1;
        aof.selected_db = -1;
        aof.state = AOF_OFF;
        aof.scheduled = 0;
        aof.incr_size = aof.incr_fsynced = 0;
        kill_child();
        if (was_turning_on) {
            char name[PATH_MAX], path[PATH_MAX];
            temp_incr_name(name, sizeof name);
            file_path(path, sizeof path, name);
            unlink(path);
        }
        aof.buf.len = 0;
        buf_shrink(&aof.buf, 0);
    }
    return 0;
}

int aof_before_shutdown(void) {
    if (aof.child) {
        /* Without its base the AOF would lose the dataset. */
        if (aof.state == AOF_WAIT_REWRITE) {
            server_log(LL_WARNING, "Writing initial AOF, can't exit.");
            return -1;
        }
        server_log(LL_WARNING, "There is a child rewriting the AOF. Killing it!");
        kill_child();
    }
    if (aof.state == AOF_OFF) return 0;
    server_log(LL_NOTICE, "Calling fsync() on the AOF file.");
    flush_buffer(1);
    if (aof.fd >= 0 && fdatasync(aof.fd) != 0)
        server_log(LL_WARNING, "Fail to fsync the AOF file: %s.", strerror(errno));
    return 0;
}

void aof_set_flush_sleep(int usec) { aof.flush_sleep_us = usec > 0 ? usec : 0; }

int aof_debug_reload(void) {
    if (aof.state == AOF_ON) flush_buffer(1);
    /* What the loaded commands do is in the file already: nothing of it is fed again. */
    enum aof_state state = aof.state;
    aof.state = AOF_OFF;
    for (int i = 0; i < server.ndbs; i++) {
        multi_touch_db(&server.dbs[i], NULL);
        db_flush(&server.dbs[i]);
    }
    tracking_invalidate_all();
    functions_flush();
    aof_manifest_free(&aof.manifest);
    enum load_result rc = read_manifest() != 0 ? LOAD_FAILED : load_all();
    aof.state = state;
    if (rc != LOAD_FAILED) delete_history();
    return rc == LOAD_OK || rc == LOAD_EMPTY || rc == LOAD_NOT_EXIST ? 0 : -1;
}

/* ---- INFO ---- */

void aof_info(buf_t *o) {
    time_t now = time(NULL);
    buf_printf(o,
               "aof_enabled:%d\r\naof_rewrite_in_progress:%d\r\naof_rewrite_scheduled:%d\r\n"
               "aof_last_rewrite_time_sec:%lld\r\naof_current_rewrite_time_sec:%lld\r\n"
               "aof_last_bgrewrite_status:%s\r\naof_rewrites:%lld\r\n"
               "aof_rewrites_consecutive_failures:%lld\r\naof_last_write_status:%s\r\n"
               "aof_last_cow_size:%zu\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
               aof.state != AOF_OFF, aof.child != 0, aof.scheduled, aof.last_rewrite_secs,
               aof.child ? (long long)(now - aof.rewrite_started) : -1,
               aof.last_rewrite_ok ? "ok" : "err", aof.rewrites, aof.consecutive_failures,
               !aof.write_failed && !bio_fsync_error() ? "ok" : "err", aof.last_cow);
    if (server.cfg.appendonly)
        buf_printf(o,
                   "aof_current_size:%lld\r\naof_base_size:%lld\r\naof_pending_rewrite:%d\r\n"
                   "aof_buffer_length:%zu\r\naof_pending_bio_fsync:%d\r\naof_delayed_fsync:%lld\r\n",
                   aof.current_size, aof.base_size, aof.scheduled, aof.buf.len, bio_fsync_pending(),
                   aof.delayed_fsync);
}
