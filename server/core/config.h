/* redis.conf-style settings: the config file, command-line overrides, CONFIG GET/SET.
 * Every setting rill has is one row of the table in config.c. */
#ifndef RILL_CONFIG_H
#define RILL_CONFIG_H

#include <stddef.h>

#include "buf.h"
#include "resp.h"

enum enable_value { ENABLE_NO, ENABLE_YES, ENABLE_LOCAL };
enum maxmemory_policy {
    POLICY_VOLATILE_LRU,
    POLICY_VOLATILE_LFU,
    POLICY_VOLATILE_RANDOM,
    POLICY_VOLATILE_TTL,
    POLICY_ALLKEYS_LRU,
    POLICY_ALLKEYS_LFU,
    POLICY_ALLKEYS_RANDOM,
    POLICY_NOEVICTION
};

enum aof_fsync { AOF_FSYNC_EVERYSEC, AOF_FSYNC_ALWAYS, AOF_FSYNC_NO }; /* appendfsync */

/* client-output-buffer-limit classes, in the order CONFIG GET lists them. */
enum client_class { CLASS_NORMAL, CLASS_REPLICA, CLASS_PUBSUB, CLASS_COUNT };

struct output_limit {
    long long hard, soft; /* bytes, 0 = none */
    long long soft_seconds;
};

/* The value of a setting rill accepts and reports but keeps no field of its own for. */
union config_kept {
    long long n; /* numbers, yes/no, enum and flag values */
    char *s;     /* strings and lists, as CONFIG GET shows them */
};
#define CONFIG_KEPT_SLOTS 256 /* at least one per row of the settings table */

struct config {
    char *bind;        /* space-separated addresses */
    int port;
    int memcached_port;                /* 0 = no memcached listener */
    long long memcached_max_item_size; /* largest value a memcached client may store */
    int protected_mode;
    int tcp_backlog;
    int tcp_keepalive;
    int databases;
    int maxclients;
    int timeout;       /* idle seconds before a client is closed, 0 = never */
    int hz;
    char *requirepass; /* "" = no password */
    char *dir;
    char *dbfilename;
    int enable_protected_configs; /* enum enable_value: who may CONFIG SET dir, dbfilename */
    char *logfile;     /* "" = stdout */
    int loglevel;
    char *save;        /* "3600 1 300 100 60 10000"; "" = no save points */
    int stop_writes_on_bgsave_error;
    int rdb_key_save_delay;
    int key_load_delay;                        /* per key loaded, as rdb-key-save-delay */
    long long loading_process_events_interval_bytes; /* clients served every so many bytes */
    int appendonly;
    int appendfsync; /* enum aof_fsync */
    int no_appendfsync_on_rewrite;
    /* Deletions propagated as UNLINK rather than DEL (rill frees in the loop either way). */
    int lazyfree_lazy_expire, lazyfree_lazy_eviction, lazyfree_lazy_user_del;
    int aof_timestamp_enabled;
    int rdbcompression;
    int rdbchecksum;
    long long proto_max_bulk_len;
    long long client_query_buffer_limit;
    struct output_limit output_limits[CLASS_COUNT];
    int notify_keyspace_events; /* NOTIFY_* classes (features/notify.h) */
    long long slowlog_log_slower_than; /* microseconds; -1 = no slow log */
    long long latency_monitor_threshold; /* ms; 0 = the latency monitor is off */
    int latency_tracking;                /* per-command latency histograms */
    long long tracking_table_max_keys;   /* CLIENT TRACKING's table; 0 = no limit */
    long long slowlog_max_len;
    long long busy_reply_threshold; /* ms a script runs before others get -BUSY, 0 = never */
    long long maxmemory;            /* bytes, 0 = no cap */
    long long maxmemory_clients;    /* bytes, or minus a percentage of maxmemory; 0 = no cap */
    int maxmemory_policy;           /* enum maxmemory_policy */
    int maxmemory_samples, maxmemory_eviction_tenacity;
    int lfu_log_factor, lfu_decay_time;
    /* Sizes up to which hashes, sets and sorted sets keep their compact encodings. */
    long long hash_max_listpack_entries, hash_max_listpack_value;
    long long set_max_intset_entries, set_max_listpack_entries, set_max_listpack_value;
    long long zset_max_listpack_entries, zset_max_listpack_value;
    long long hll_sparse_max_bytes; /* past this a sparse HyperLogLog becomes dense */
    long long stream_node_max_entries; /* a stream node holding this many entries is full */
    long long stream_node_max_bytes;   /* and one of this many bytes */
    /* Every other Redis 7.0 setting, by its row in the table (config.c): accepted with
     * Redis's validation and shown by CONFIG GET. */
    union config_kept kept[CONFIG_KEPT_SLOTS];
};

/* Fills cfg with the defaults. */
void config_defaults(struct config *cfg);
/* Applies the config file (if not NULL) then argv overrides ("--port 7000 ..."). On error,
 * writes the reason to err and returns -1. */
int config_load(struct config *cfg, const char *file, int argc, char **argv, buf_t *err);
/* CONFIG GET: appends name/value pairs (bulk strings) to out for every setting matching one
 * of the patterns, each setting once, and returns how many pairs. */
long config_get(const resp_arg *patterns, size_t npatterns, buf_t *out);
/* Appends the running value of a setting, as CONFIG GET shows it. */
void config_value(const char *name, buf_t *out);
/* CONFIG SET of one setting, from a loopback client or not (enable-protected-configs local).
 * Returns 0, or -1 with Redis's reason in err. */
int config_set(const char *name, size_t nlen, const char *value, size_t vlen, int local_client,
               buf_t *err);
/* 1 for a setting CONFIG SET may not change while a snapshot loads (dir, appendonly). */
int config_denied_while_loading(const char *name, int local_client);
/* The running value of a numeric, yes/no, enum or flags setting (flags: the bits below). */
long long config_number(const char *name);
/* The running value of a string setting ("" when unset). */
const char *config_string(const char *name);
/* shutdown-on-sigint and shutdown-on-sigterm ("default" is none of them). */
#define SHUTDOWN_ON_SIG_SAVE (1 << 1)
#define SHUTDOWN_ON_SIG_NOSAVE (1 << 2)
#define SHUTDOWN_ON_SIG_NOW (1 << 3)
#define SHUTDOWN_ON_SIG_FORCE (1 << 4)
/* Puts back a value config_value gave (CONFIG SET's rollback): no permission checks. */
void config_restore(const char *name, const char *value, size_t len);
/* CONFIG REWRITE: the file keeps its lines, comments and order; each setting's lines get its
 * running value, settings away from their default (every setting with force_all, DEBUG
 * CONFIG-REWRITE-FORCE-ALL) are added at the end, as Redis writes them. Returns -1 with the
 * reason in err. */
int config_rewrite(const char *file, int force_all, buf_t *err);
/* Canonical name of a setting (or alias) for CONFIG SET, NULL if unknown. */
const char *config_canonical_name(const char *name, size_t len);

#endif
