/* rill-server: start-up (flags, config file), signals, the timer, the loop. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/crash.h"
#include "core/info.h"
#include "core/net.h"
#include "core/process.h"
#include "core/server.h"
#include "dict.h"
#include "features/pause.h"
#include "features/pubsub.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "persistence/aof.h"
#include "persistence/migrate.h"
#include "persistence/snapshot.h"
#include "scripting/scripting.h"

/* As shutdown-on-sigint / shutdown-on-sigterm say: by default saves when save points are
 * set, then stops; a failed save keeps the server running unless the flags say force. */
static void shutdown_on_signal(void) {
    int sigint = server.pending_signal == SIGINT;
    long long flags = config_number(sigint ? "shutdown-on-sigint" : "shutdown-on-sigterm");
    enum shutdown_save mode = (flags & SHUTDOWN_ON_SIG_NOSAVE) ? SHUTDOWN_NOSAVE
                              : (flags & SHUTDOWN_ON_SIG_SAVE) ? SHUTDOWN_SAVE_FORCE
                                                               : SHUTDOWN_SAVE_DEFAULT;
    /* The signal stays pending during the final save: a second SIGINT then means now. */
    if (snapshot_before_shutdown(mode) != 0 && !(flags & SHUTDOWN_ON_SIG_FORCE)) {
        server.pending_signal = 0;
        server_log(LL_WARNING, "Errors trying to shut down the server. Check the logs for more "
                   "information.");
        return;
    }
    server_shutdown();
}


/* After a shutdown: what stays behind is cleaned up. Returns main's exit status. */
static int exit_server(void) {
    process_remove_pidfile();
    net_close_all(); /* the port is free for a new server before the dataset is freed */
    server_log(LL_WARNING, "rill is now ready to exit, bye bye...");
    for (int i = 0; i < server.ndbs; i++) db_flush(&server.dbs[i]);
    return 0;
}

/* glibc keeps freed memory for reuse; after a large drop (a mass expiry, FLUSHALL) hand
 * the whole free pages back to the system so that RSS follows used memory. A trim of a
 * 100 MB heap takes about 10 ms, hence the threshold. */
static void release_freed_memory(void) {
    static size_t high_water;
    size_t used = mem_used();
    if (used > high_water) high_water = used;
    if (high_water - used >= (32u << 20) && used < high_water / 2) {
        malloc_trim(0);
        high_water = used;
    }
}

/* Periodic work: LRU clock, active expiry, rehashing, idle clients, save points. */
static void on_cron(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    if (server.cron_paused) {
        ev_timer_again(server.loop, w);
        return;
    }
    server.lru_clock = (uint32_t)time(NULL);
    /* A quarter of each tick for expiry, as Redis's slow cycle allows itself. */
    long long tick_us = 1000000 / server.cfg.hz;
    /* A script past its time limit lets the loop run: leave its dataset alone. */
    if (scripting_running()) {
        ev_timer_again(server.loop, w);
        return;
    }
    /* CLIENT PAUSE holds the dataset still: no expiry, no eviction until it ends. */
    pause_cron();
    if (server.active_expire && !pause_active()) db_active_expire(tick_us / 4);
    evict_to_fit(); /* what a command's eviction left over time */
    long long start = time_us();
    for (int i = 0; i < server.ndbs; i++) {
        dict *d = &server.dbs[i].keys;
        dict_maybe_shrink(d);
        while (dict_rehash(d, 100) && time_us() - start < 1000) {
        }
    }
    net_clients_cron();
    crash_watchdog();
    release_freed_memory();
    if (server.pending_signal) shutdown_on_signal();
    snapshot_cron();
    aof_cron();
    migrate_cron();
    info_cron();
    w->repeat = 1.0 / server.cfg.hz;
    ev_timer_again(server.loop, w);
}

/* A real handler, not a loop watcher: a second SIGINT must work while the final save blocks
 * the loop. Ctrl-C twice means "now": the save in progress is deleted, as in Redis. */
static void on_shutdown_signal(int sig) {
    if (server.pending_signal && sig == SIGINT) {
        server_log_from_handler(LL_WARNING, "You insist... exiting now.");
        snapshot_remove_temp_file(getpid());
        _exit(1);
    }
    server_log_from_handler(LL_WARNING, sig == SIGINT ? "Received SIGINT scheduling shutdown..."
                                                      : "Received SIGTERM scheduling shutdown...");
    server.pending_signal = sig;
}

static void seed_hash(void) {
    uint8_t seed[16];
    if (getrandom(seed, sizeof seed, 0) != sizeof seed) {
        long long t = time_us();
        memcpy(seed, &t, sizeof t);
        pid_t pid = getpid();
        memcpy(seed + 8, &pid, sizeof pid);
    }
    dict_set_seed(seed);
    srandom((unsigned)time_us());
}

/* Every client needs a file descriptor: raise the limit, or lower maxclients to fit. */
static void adjust_open_files(void) {
    struct rlimit rl;
    rlim_t want = (rlim_t)server.cfg.maxclients + 32;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) rl.rlim_cur = old;
    if (rl.rlim_cur < want) {
        server.cfg.maxclients = (int)(rl.rlim_cur > 32 ? rl.rlim_cur - 32 : 1);
        server_log(LL_WARNING, "You requested maxclients of %d requiring at least %llu max file "
                   "descriptors. Server can't set maximum open files to %llu; maxclients is now %d.",
                   (int)(want - 32), (unsigned long long)want, (unsigned long long)want,
                   server.cfg.maxclients);
    }
}

static void usage(void) {
    fprintf(stderr, "Usage: rill-server [/path/to/rill.conf] [--name value ...]\n"
                    "       rill-server --version\n"
                    "Examples:\n"
                    "       rill-server --port 7777\n"
                    "       rill-server /etc/rill.conf --loglevel verbose\n");
}

int main(int argc, char **argv) {
    process_title_init(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
        printf("rill-server v=%s (Redis %s compatible)\n", RILL_VERSION, REDIS_COMPAT_VERSION);
        return 0;
    }
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage();
        return 0;
    }
    config_defaults(&server.cfg);
    /* Before the config: its rename-command lines act on the command table. */
    commands_init();
    const char *file = NULL;
    int first_opt = 1;
    if (argc >= 2 && strncmp(argv[1], "--", 2) != 0) {
        file = argv[1];
        first_opt = 2;
    }
    buf_t err;
    buf_init(&err);
    if (config_load(&server.cfg, file, argc - first_opt, argv + first_opt, &err) != 0) {
        fprintf(stderr, "%.*s\n", (int)err.len, err.data);
        return 1;
    }
    buf_free(&err);
    if (file) server.config_file = realpath(file, NULL);
    if (chdir(server.cfg.dir) != 0) {
        fprintf(stderr, "Can't chdir to '%s': %s\n", server.cfg.dir, strerror(errno));
        return 1;
    }

    process_daemonize();
    process_apply_oom_score_adj(OOM_CLASS_PRIMARY);
    signal(SIGPIPE, SIG_IGN);
    server.pid = getpid();
    server.active_expire = 1;
    server.start_time = server.lastsave = time(NULL);
    server.lru_clock = (uint32_t)server.start_time;
    server.now_ms = time_ms();
    server.loop = ev_default_loop(EVFLAG_AUTO);
    seed_hash();
    adjust_open_files();
    db_init_all(server.cfg.databases);
    pubsub_init();
    scripting_init();
    server_log(LL_NOTICE, "rill %s (Redis %s compatible), pid=%d, port %d", RILL_VERSION,
               REDIS_COMPAT_VERSION, (int)server.pid, server.cfg.port);
    /* Listening first: a busy port fails at once (before the logo, as in Redis: Redis's test
     * suite reads a logo as a server that started), and clients that connect during a long
     * load wait in the backlog rather than being refused. */
    if (net_listen() != 0) return 1;
    process_show_banner();
    process_write_pidfile();
    process_set_title(NULL);
    info_init(); /* what the server uses before any data */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_shutdown_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    crash_apply_config();
    net_init(); /* clients are served while the snapshot loads (most get -LOADING) */
    if (aof_start_up() != 0 && !server.shutdown_asap) return 1;
    if (server.shutdown_asap) return exit_server(); /* SHUTDOWN or SIGTERM while loading */

    ev_timer_init(&server.cron_watcher, on_cron, 0, 1.0 / server.cfg.hz);
    ev_timer_again(server.loop, &server.cron_watcher);

    server_log(LL_NOTICE, "Ready to accept connections tcp");
    process_notify_ready();
    ev_run(server.loop, 0);
    return exit_server();
}
