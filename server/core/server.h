/* Server-wide state, grouped by concern, and the client record. Modules read what they need
 * from the one `server` instance; nothing else is global. */
#ifndef RILL_SERVER_H
#define RILL_SERVER_H

#include <ev.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "core/config.h"
#include "dict.h"
#include "resp.h"

#define RILL_VERSION "0.1.0"
/* The Redis release whose behaviour rill reproduces; reported where clients look for it. */
#define REDIS_COMPAT_VERSION "7.0.15"

struct db;
struct command;
struct blocked_state;
struct transaction;
struct pubsub_state;
struct ready_key;

/* Client flags */
#define CLIENT_CLOSE_AFTER_REPLY (1u << 0) /* QUIT, protocol error: flush, then close */
#define CLIENT_CLOSE_ASAP (1u << 1)        /* killed: close at the next safe point */
#define CLIENT_PENDING_WRITE (1u << 2)     /* on the pending-writes list */
#define CLIENT_AUTHENTICATED (1u << 3)
#define CLIENT_WRITE_ARMED (1u << 4) /* the write watcher is active (socket was full) */
#define CLIENT_NO_EVICT (1u << 5)
#define CLIENT_NO_TOUCH (1u << 6)
#define CLIENT_PENDING_RESUME (1u << 7) /* unblocked: its pipeline goes on before the loop sleeps */
#define CLIENT_MULTI (1u << 8)      /* between MULTI and EXEC/DISCARD: commands are queued */
#define CLIENT_DIRTY_CAS (1u << 9)  /* a watched key changed: EXEC fails */
#define CLIENT_DIRTY_EXEC (1u << 10) /* a command was refused while queuing: EXECABORT */
#define CLIENT_PROTECTED (1u << 11)  /* its script is running past the limit: not read, not freed */
#define CLIENT_MEMCACHE (1u << 12)   /* connected to memcached-port: speaks memcached's text protocol */
#define CLIENT_REPLY_OFF (1u << 13)  /* CLIENT REPLY OFF: commands run without replies */
#define CLIENT_REPLY_SKIP (1u << 14) /* this command runs without a reply */
#define CLIENT_REPLY_SKIP_NEXT (1u << 15) /* CLIENT REPLY SKIP: the next command has none */
#define CLIENT_POSTPONED (1u << 16) /* its command waits for CLIENT PAUSE to end (pause.c) */
#define CLIENT_MONITOR (1u << 17)   /* MONITOR: sees every command (monitor.c) */
#define CLIENT_SCRIPT (1u << 18)    /* the client scripts run their commands as */
#define CLIENT_INPUT_QUEUED (1u << 19) /* read from, its commands run once the loop has read all */
/* Its commands are obeyed, not checked (the AOF loader's, as Redis's mustObeyClient): what
 * was done once is done again. */
#define CLIENT_REPLAYING (1u << 20)

typedef struct client {
    uint64_t id;
    dict_node id_node; /* in server.clients_by_id */
    int fd;
    unsigned flags;
    ev_io read_watcher;
    ev_io write_watcher;
    buf_t query;        /* bytes received and not yet consumed */
    resp_parser parser; /* progress through the command at the front of query */
    buf_t reply;        /* bytes to send */
    size_t reply_sent;  /* how much of reply the socket has taken */
    size_t query_peak;  /* the most query bytes held since the cron last looked */
    struct db *db;
    int db_index;
    char *name;                   /* CLIENT SETNAME, NULL when unset */
    char *lib_name, *lib_ver;     /* CLIENT SETINFO */
    char addr[64], laddr[64];     /* "ip:port" of the peer and of our end */
    double created, last_active;  /* ev_now() */
    const struct command *last_cmd;
    resp_arg *argv; /* the command being run */
    size_t argc;
    struct client *prev, *next;  /* all clients */
    struct client *next_pending; /* pending writes */
    struct client *next_close;   /* pending close */
    struct client *next_resume;  /* pending resume */
    struct client *next_input;   /* read from in this loop iteration */
    struct client *next_postponed; /* waiting for CLIENT PAUSE to end (pause.c) */
    struct blocked_state *blocked; /* non-NULL while waiting in BLPOP & co */
    struct transaction *tx;        /* MULTI queue and watched keys, NULL when none */
    struct pubsub_state *pubsub;   /* subscriptions, NULL when none */
    struct tracking_state *tracking; /* CLIENT TRACKING, NULL when off */
    double obuf_soft_since;        /* ev_now() when the output passed the soft limit, 0 = not */
    size_t mc_swallow;             /* memcached: bytes of a refused data block still to discard */
    size_t memory_counted;         /* its part of server.clients_memory (client_memory.c) */
    /* appendfsync always (persistence/aof.c): reply bytes from hold_from on wait for the AOF
     * fsyncs that cover effect offsets hold_seq[i], up to hold_len[i]; nholds 0: none wait. */
    int nholds;
    size_t hold_from, hold_len[2];
    unsigned long long hold_seq[2];
    struct client *prev_held, *next_held;
} client;

struct listener {
    int fd;
    int memcache;    /* memcached-port: its clients speak memcached's text protocol */
    int unix_socket; /* the unixsocket path's listener */
    ev_io watcher;
};

struct server {
    struct ev_loop *loop;
    struct config cfg;
    pid_t pid;
    char *config_file; /* absolute path, NULL when started without one */
    char *executable;

    /* net */
    struct listener listeners[16];
    int nlisteners;
    ev_prepare flush_watcher; /* sends pending replies before the loop sleeps */
    ev_check input_watcher;   /* runs what was read, in the order the sockets became readable */
    client *pending_input;    /* read from, commands not yet run */
    ev_timer cron_watcher;
    client *clients; /* doubly linked, newest first */
    dict clients_by_id;
    size_t nclients;
    uint64_t next_client_id;
    size_t nmemcache_clients;
    client *pending_writes;
    client *pending_close;
    client *pending_resume; /* unblocked clients with commands still to run */
    client *current; /* the client whose command is running */
    int in_exec;     /* inside EXEC or a script: nothing blocks */
    int keys_touched_by_handler; /* the running write touched its changed keys for WATCH */
    size_t clients_memory;       /* what clients hold, counted while maxmemory-clients is set */

    /* keyspace */
    struct db *dbs;
    int ndbs;
    long long now_ms;   /* wall clock when the running command started */
    uint32_t lru_clock; /* seconds, for OBJECT IDLETIME */
    uint64_t last_cas;  /* the latest CAS unique given to an entry's stamp */
    int oom_before_command; /* used memory was over maxmemory when the command began */

    /* blocking */
    size_t nblocked, nblocked_timed; /* blocked clients; those with a timeout */
    struct ready_key *ready_keys; /* keys that got a list while clients wait on them */
    size_t nready_keys, ready_keys_cap;

    /* pub/sub (pubsub.c) */
    dict pubsub_channels, pubsub_patterns, pubsub_shard_channels;

    /* transactions */
    size_t nwatched_keys; /* keys with at least one watcher, all databases */

    /* persistence */
    long long dirty; /* changes since the last save */
    time_t lastsave;

    /* stats */
    time_t start_time;
    long long stat_connections, stat_rejected_conn, stat_commands;
    long long stat_keyspace_hits, stat_keyspace_misses, stat_expired_keys;
    long long stat_net_input_bytes, stat_net_output_bytes;
    long long stat_expire_cycle_time_us;
    long long stat_expire_cycle_cap_reached; /* active expiry cycles cut by their budget */
    long long stat_reads, stat_writes;       /* read and write calls on client sockets */
    long long stat_evicted_clients;          /* closed by maxmemory-clients */
    int shutdown_asap;
    /* SIGTERM / SIGINT received and not acted on yet: the handler only records it, the cron
     * acts on it (not while a script runs or DEBUG PAUSE-CRON holds the cron), as Redis's. */
    volatile sig_atomic_t pending_signal;
    int cron_paused;   /* DEBUG PAUSE-CRON */
    int loading;       /* the snapshot is being loaded at start-up: most commands get -LOADING */
    int active_expire; /* DEBUG SET-ACTIVE-EXPIRE: 0 leaves due keys to lazy expiry */
    int skip_checksum_validation; /* DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE and loads */
};

extern struct server server;

/* Log levels, as redis.conf names them. */
enum log_level { LL_DEBUG, LL_VERBOSE, LL_NOTICE, LL_WARNING };
/* Writes text to the log as it is: no timestamp, no newline added (the start-up logo). */
void server_log_raw(enum log_level level, const char *text);
/* From a signal handler: one write(2), no allocation, no stdio. */
void server_log_from_handler(enum log_level level, const char *msg);
/* The log as a file descriptor, opened with open(2) only (safe in a signal handler); give it
 * back with server_log_fd_close. */
int server_log_fd_open(void);
void server_log_fd_close(int fd);
/* SHUTDOWN ABORT: forgets a SIGTERM / SIGINT not acted on yet; -1 when there is none. */
int server_abort_signalled_shutdown(void);
void server_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Wall clock in milliseconds / microseconds. */
long long time_ms(void);
long long time_us(void);

/* Stops the loop after the current iteration; main() then exits. */
void server_shutdown(void);

#endif
