#include "core/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/commands.h"
#include "core/process.h"
#include "core/server.h"
#include "features/notify.h"
#include "glob.h"
#include "mem.h"
#include "numconv.h"
#include "resp.h"

enum setting_type {
    T_BOOL,
    T_INT,      /* int field */
    T_LONGLONG, /* long long field, plain integer */
    T_MEMORY,   /* long long field, with optional units */
    T_STRING,
    T_ENUM, /* int field: the index of the value in the row's names */
    T_SAVE,
    T_OUTPUT_LIMITS,
    T_MEMORY_PERCENT, /* long long: a memory value or a percentage ("10%", kept as -10) */
    /* Kept settings only (their values live in config.kept): */
    T_OCTAL,          /* unixsocketperm */
    T_FLAGS,          /* several of the row's names, or its first one alone for none */
    T_OOM_VALUES,     /* three integers from -2000 to 2000 */
    T_KEYSPACE_EVENTS,
    T_REPLICAOF,  /* "<host> <port>" or "no one" */
    T_PERCENTILES /* numbers from 0 to 100 */
};

#define IMMUTABLE 1u /* start-up only */
#define PROTECTED 2u /* CONFIG SET only as enable-protected-configs allows */
#define HIDDEN 4u    /* CONFIG GET shows it for its exact name only, not for a pattern */
#define ALIAS 8u     /* a kept row's other name: its value is the row above's */
#define DENY_LOADING 16u /* CONFIG SET refused (-LOADING) while a snapshot loads */

/* offset of a row whose value rill keeps in config.kept rather than a field of its own */
#define KEPT ((size_t)-1)

struct setting {
    const char *name;
    enum setting_type type;
    unsigned flags;
    size_t offset;
    long long min, max;
    const char *default_value;
    /* T_ENUM: the values, NULL-terminated, in the field's order; T_FLAGS: the flags, the
     * first one meaning none */
    const char *const *names;
    /* T_ENUM with synonyms: each name's value (a name shown as the first with its value) */
    const int *values;
};

/* The orders match enum log_level, enum enable_value and enum maxmemory_policy. */
static const char *const loglevels[] = {"debug", "verbose", "notice", "warning", NULL};
static const char *const enable_values[] = {"no", "yes", "local", NULL};
static const char *const maxmemory_policies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
    "allkeys-lfu",  "allkeys-random", "noeviction", NULL};
/* In enum aof_fsync's order. */
static const char *const appendfsync_modes[] = {"everysec", "always", "no", NULL};
/* Kept settings' values, in Redis 7.0's order (its error texts list them so). */
static const char *const supervised_modes[] = {"upstart", "systemd", "auto", "no", NULL};
static const char *const syslog_facilities[] = {"user",   "local0", "local1", "local2", "local3",
                                                "local4", "local5", "local6", "local7", NULL};
static const char *const diskless_load_modes[] = {"disabled", "on-empty-db", "swapdb", NULL};
static const char *const oom_score_adj_modes[] = {"no", "yes", "relative", "absolute", NULL};
static const int oom_score_adj_values[] = {0, 1, 1, 2}; /* relative is yes */
static const char *const acl_pubsub_defaults[] = {"allchannels", "resetchannels", NULL};
static const char *const sanitize_modes[] = {"no", "yes", "clients", NULL};
static const char *const endpoint_types[] = {"ip", "hostname", "unknown-endpoint", NULL};
static const char *const propagation_behaviors[] = {"ignore", "panic", "panic-on-replicas", NULL};
static const char *const shutdown_flags[] = {"default", "save", "nosave", "now", "force", NULL};
static const char *const tls_auth_modes[] = {"no", "yes", "optional", NULL};

#define FIELD(f) offsetof(struct config, f)
#define LLMAX 9223372036854775807LL

static const struct setting settings[] = {
    {"bind", T_STRING, 0, FIELD(bind), 0, 0, "* -::*"},
    {"port", T_INT, 0, FIELD(port), 0, 65535, "6379"},
    {"memcached-port", T_INT, 0, FIELD(memcached_port), 0, 65535, "0"},
    {"memcached-max-item-size", T_MEMORY, 0, FIELD(memcached_max_item_size), 1024, 1024 * 1024 * 1024, "1mb"},
    {"protected-mode", T_BOOL, 0, FIELD(protected_mode), 0, 1, "yes"},
    {"tcp-backlog", T_INT, IMMUTABLE, FIELD(tcp_backlog), 0, 2147483647, "511"},
    {"tcp-keepalive", T_INT, 0, FIELD(tcp_keepalive), 0, 2147483647, "300"},
    {"databases", T_INT, IMMUTABLE, FIELD(databases), 1, 2147483647, "16"},
    {"maxclients", T_INT, 0, FIELD(maxclients), 1, 4294967295LL, "10000"},
    {"timeout", T_INT, 0, FIELD(timeout), 0, 2147483647, "0"},
    {"hz", T_INT, 0, FIELD(hz), 0, 2147483647, "10"},
    {"requirepass", T_STRING, 0, FIELD(requirepass), 0, 0, ""},
    {"dir", T_STRING, PROTECTED | DENY_LOADING, FIELD(dir), 0, 0, "./"},
    {"dbfilename", T_STRING, PROTECTED, FIELD(dbfilename), 0, 0, "dump.rdb"},
    {"enable-protected-configs", T_ENUM, IMMUTABLE, FIELD(enable_protected_configs), 0, 0, "no",
     enable_values},
    {"logfile", T_STRING, IMMUTABLE, FIELD(logfile), 0, 0, ""},
    {"loglevel", T_ENUM, 0, FIELD(loglevel), 0, 0, "notice", loglevels},
    {"maxmemory", T_MEMORY, 0, FIELD(maxmemory), 0, LLMAX, "0"},
    {"maxmemory-policy", T_ENUM, 0, FIELD(maxmemory_policy), 0, 0, "noeviction", maxmemory_policies},
    {"maxmemory-samples", T_INT, 0, FIELD(maxmemory_samples), 1, 2147483647, "5"},
    {"maxmemory-eviction-tenacity", T_INT, 0, FIELD(maxmemory_eviction_tenacity), 0, 100, "10"},
    {"lfu-log-factor", T_INT, 0, FIELD(lfu_log_factor), 0, 2147483647, "10"},
    {"lfu-decay-time", T_INT, 0, FIELD(lfu_decay_time), 0, 2147483647, "1"},
    {"save", T_SAVE, 0, FIELD(save), 0, 0, "3600 1 300 100 60 10000"},
    {"stop-writes-on-bgsave-error", T_BOOL, 0, FIELD(stop_writes_on_bgsave_error), 0, 1, "yes"},
    /* Microseconds the snapshot writer sleeps after each key (negative: nanoseconds); a
     * testing aid, as in Redis. */
    {"rdb-key-save-delay", T_INT, HIDDEN, FIELD(rdb_key_save_delay), -2147483647LL - 1, 2147483647,
     "0"},
    {"proto-max-bulk-len", T_MEMORY, 0, FIELD(proto_max_bulk_len), 1024 * 1024, LLMAX, "512mb"},
    {"client-query-buffer-limit", T_MEMORY, 0, FIELD(client_query_buffer_limit), 1024 * 1024,
     LLMAX, "1gb"},
    /* lua-time-limit is its old name; CONFIG GET lists both, like Redis. */
    {"busy-reply-threshold", T_LONGLONG, 0, FIELD(busy_reply_threshold), 0, LLMAX, "5000"},
    {"lua-time-limit", T_LONGLONG, 0, FIELD(busy_reply_threshold), 0, LLMAX, "5000"},
    /* The ziplist names are the old ones, still accepted and listed by Redis 7.0. The set
     * listpack settings come from Redis 7.2, whose compact string sets rill has. */
    {"hash-max-listpack-entries", T_LONGLONG, 0, FIELD(hash_max_listpack_entries), 0, LLMAX, "512"},
    {"hash-max-ziplist-entries", T_LONGLONG, 0, FIELD(hash_max_listpack_entries), 0, LLMAX, "512"},
    {"hash-max-listpack-value", T_MEMORY, 0, FIELD(hash_max_listpack_value), 0, LLMAX, "64"},
    {"hash-max-ziplist-value", T_MEMORY, 0, FIELD(hash_max_listpack_value), 0, LLMAX, "64"},
    {"set-max-intset-entries", T_LONGLONG, 0, FIELD(set_max_intset_entries), 0, LLMAX, "512"},
    {"set-max-listpack-entries", T_LONGLONG, 0, FIELD(set_max_listpack_entries), 0, LLMAX, "128"},
    {"set-max-listpack-value", T_MEMORY, 0, FIELD(set_max_listpack_value), 0, LLMAX, "64"},
    {"zset-max-listpack-entries", T_LONGLONG, 0, FIELD(zset_max_listpack_entries), 0, LLMAX, "128"},
    {"zset-max-ziplist-entries", T_LONGLONG, 0, FIELD(zset_max_listpack_entries), 0, LLMAX, "128"},
    {"zset-max-listpack-value", T_MEMORY, 0, FIELD(zset_max_listpack_value), 0, LLMAX, "64"},
    {"zset-max-ziplist-value", T_MEMORY, 0, FIELD(zset_max_listpack_value), 0, LLMAX, "64"},
    {"client-output-buffer-limit", T_OUTPUT_LIMITS, 0, FIELD(output_limits), 0, 0,
     "normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60"},
    /* The rest of Redis 7.0's settings, aliases included: rill keeps and shows their values.
     * Those a feature rill lacks would act on take only the value that asks nothing of it
     * (see needs_feature). */
    {"rdbchecksum", T_BOOL, IMMUTABLE, FIELD(rdbchecksum), 0, 1, "yes"},
    {"daemonize", T_BOOL, IMMUTABLE, KEPT, 0, 1, "no"},
    {"io-threads-do-reads", T_BOOL, IMMUTABLE, KEPT, 0, 1, "no"},
    {"always-show-logo", T_BOOL, IMMUTABLE, KEPT, 0, 1, "no"},
    {"rdbcompression", T_BOOL, 0, FIELD(rdbcompression), 0, 1, "yes"},
    {"rdb-del-sync-files", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"activerehashing", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"set-proc-title", T_BOOL, IMMUTABLE, KEPT, 0, 1, "yes"},
    {"dynamic-hz", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"lazyfree-lazy-eviction", T_BOOL, 0, FIELD(lazyfree_lazy_eviction), 0, 1, "no"},
    {"lazyfree-lazy-expire", T_BOOL, 0, FIELD(lazyfree_lazy_expire), 0, 1, "no"},
    {"lazyfree-lazy-server-del", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"lazyfree-lazy-user-del", T_BOOL, 0, FIELD(lazyfree_lazy_user_del), 0, 1, "no"},
    {"lazyfree-lazy-user-flush", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"repl-disable-tcp-nodelay", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"repl-diskless-sync", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"aof-rewrite-incremental-fsync", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"no-appendfsync-on-rewrite", T_BOOL, 0, FIELD(no_appendfsync_on_rewrite), 0, 1, "no"},
    {"cluster-require-full-coverage", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"rdb-save-incremental-fsync", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"aof-load-truncated", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"aof-use-rdb-preamble", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"aof-timestamp-enabled", T_BOOL, 0, FIELD(aof_timestamp_enabled), 0, 1, "no"},
    {"cluster-replica-no-failover", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"cluster-slave-no-failover", T_BOOL, ALIAS, KEPT, 0, 1, "no"},
    {"replica-lazy-flush", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"slave-lazy-flush", T_BOOL, ALIAS, KEPT, 0, 1, "no"},
    {"replica-serve-stale-data", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"slave-serve-stale-data", T_BOOL, ALIAS, KEPT, 0, 1, "yes"},
    {"replica-read-only", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"slave-read-only", T_BOOL, ALIAS, KEPT, 0, 1, "yes"},
    {"replica-ignore-maxmemory", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"slave-ignore-maxmemory", T_BOOL, ALIAS, KEPT, 0, 1, "yes"},
    {"jemalloc-bg-thread", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"activedefrag", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"syslog-enabled", T_BOOL, IMMUTABLE, KEPT, 0, 1, "no"},
    {"cluster-enabled", T_BOOL, IMMUTABLE, KEPT, 0, 1, "no"},
    {"appendonly", T_BOOL, DENY_LOADING, FIELD(appendonly), 0, 1, "no"},
    {"cluster-allow-reads-when-down", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"cluster-allow-pubsubshard-when-down", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"crash-log-enabled", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"crash-memcheck-enabled", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"use-exit-on-panic", T_BOOL, HIDDEN, KEPT, 0, 1, "no"},
    {"disable-thp", T_BOOL, IMMUTABLE, KEPT, 0, 1, "yes"},
    {"cluster-allow-replica-migration", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"replica-announced", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"latency-tracking", T_BOOL, 0, FIELD(latency_tracking), 0, 1, "yes"},
    {"aof-disable-auto-gc", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"replica-ignore-disk-write-errors", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"aclfile", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"unixsocket", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"pidfile", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"replica-announce-ip", T_STRING, 0, KEPT, 0, 0, ""},
    {"slave-announce-ip", T_STRING, ALIAS, KEPT, 0, 0, ""},
    {"masteruser", T_STRING, 0, KEPT, 0, 0, ""},
    {"cluster-announce-ip", T_STRING, 0, KEPT, 0, 0, ""},
    {"cluster-config-file", T_STRING, IMMUTABLE, KEPT, 0, 0, "nodes.conf"},
    {"cluster-announce-hostname", T_STRING, 0, KEPT, 0, 0, ""},
    {"syslog-ident", T_STRING, IMMUTABLE, KEPT, 0, 0, "redis"},
    {"appendfilename", T_STRING, IMMUTABLE, KEPT, 0, 0, "appendonly.aof"},
    {"appenddirname", T_STRING, IMMUTABLE, KEPT, 0, 0, "appendonlydir"},
    {"server_cpulist", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"bio_cpulist", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"aof_rewrite_cpulist", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"bgsave_cpulist", T_STRING, IMMUTABLE, KEPT, 0, 0, ""},
    {"ignore-warnings", T_STRING, 0, KEPT, 0, 0, ""},
    {"proc-title-template", T_STRING, 0, KEPT, 0, 0, "{title} {listen-addr} {server-mode}"},
    {"bind-source-addr", T_STRING, 0, KEPT, 0, 0, ""},
    {"masterauth", T_STRING, 0, KEPT, 0, 0, ""},
    {"supervised", T_ENUM, IMMUTABLE, KEPT, 0, 0, "no", supervised_modes},
    {"syslog-facility", T_ENUM, IMMUTABLE, KEPT, 0, 0, "local0", syslog_facilities},
    {"repl-diskless-load", T_ENUM, DENY_LOADING, KEPT, 0, 0, "disabled", diskless_load_modes},
    {"appendfsync", T_ENUM, 0, FIELD(appendfsync), 0, 0, "everysec", appendfsync_modes},
    {"oom-score-adj", T_ENUM, 0, KEPT, 0, 0, "no", oom_score_adj_modes, oom_score_adj_values},
    {"acl-pubsub-default", T_ENUM, 0, KEPT, 0, 0, "resetchannels", acl_pubsub_defaults},
    {"sanitize-dump-payload", T_ENUM, 0, KEPT, 0, 0, "no", sanitize_modes},
    {"enable-debug-command", T_ENUM, IMMUTABLE, KEPT, 0, 0, "no", enable_values},
    {"enable-module-command", T_ENUM, IMMUTABLE, KEPT, 0, 0, "no", enable_values},
    {"cluster-preferred-endpoint-type", T_ENUM, 0, KEPT, 0, 0, "ip", endpoint_types},
    {"propagation-error-behavior", T_ENUM, 0, KEPT, 0, 0, "ignore", propagation_behaviors},
    {"shutdown-on-sigint", T_FLAGS, 0, KEPT, 0, 0, "default", shutdown_flags},
    {"shutdown-on-sigterm", T_FLAGS, 0, KEPT, 0, 0, "default", shutdown_flags},
    {"io-threads", T_LONGLONG, IMMUTABLE, KEPT, 1, 128, "1"},
    {"auto-aof-rewrite-percentage", T_LONGLONG, 0, KEPT, 0, 2147483647, "100"},
    {"cluster-replica-validity-factor", T_LONGLONG, 0, KEPT, 0, 2147483647, "10"},
    {"cluster-slave-validity-factor", T_LONGLONG, ALIAS, KEPT, 0, 2147483647, "10"},
    {"list-max-listpack-size", T_LONGLONG, 0, KEPT, (-2147483647LL - 1), 2147483647, "-2"},
    {"list-max-ziplist-size", T_LONGLONG, ALIAS, KEPT, (-2147483647LL - 1), 2147483647, "-2"},
    {"cluster-migration-barrier", T_LONGLONG, 0, KEPT, 0, 2147483647, "1"},
    {"active-defrag-cycle-min", T_LONGLONG, 0, KEPT, 1, 99, "1"},
    {"active-defrag-cycle-max", T_LONGLONG, 0, KEPT, 1, 99, "25"},
    {"active-defrag-threshold-lower", T_LONGLONG, 0, KEPT, 0, 1000, "10"},
    {"active-defrag-threshold-upper", T_LONGLONG, 0, KEPT, 0, 1000, "100"},
    {"replica-priority", T_LONGLONG, 0, KEPT, 0, 2147483647, "100"},
    {"slave-priority", T_LONGLONG, ALIAS, KEPT, 0, 2147483647, "100"},
    {"repl-diskless-sync-delay", T_LONGLONG, 0, KEPT, 0, 2147483647, "5"},
    {"replica-announce-port", T_LONGLONG, 0, KEPT, 0, 65535, "0"},
    {"slave-announce-port", T_LONGLONG, ALIAS, KEPT, 0, 65535, "0"},
    {"cluster-port", T_LONGLONG, IMMUTABLE, KEPT, 0, 65535, "0"},
    {"cluster-announce-bus-port", T_LONGLONG, 0, KEPT, 0, 65535, "0"},
    {"cluster-announce-port", T_LONGLONG, 0, KEPT, 0, 65535, "0"},
    {"cluster-announce-tls-port", T_LONGLONG, 0, KEPT, 0, 65535, "0"},
    {"repl-timeout", T_LONGLONG, 0, KEPT, 1, 2147483647, "60"},
    {"repl-ping-replica-period", T_LONGLONG, 0, KEPT, 1, 2147483647, "10"},
    {"repl-ping-slave-period", T_LONGLONG, ALIAS, KEPT, 1, 2147483647, "10"},
    {"list-compress-depth", T_LONGLONG, 0, KEPT, 0, 2147483647, "0"},
    {"key-load-delay", T_INT, HIDDEN, FIELD(key_load_delay), (-2147483647LL - 1), 2147483647, "0"},
    {"active-expire-effort", T_LONGLONG, 0, KEPT, 1, 10, "1"},
    {"min-replicas-to-write", T_LONGLONG, 0, KEPT, 0, 2147483647, "0"},
    {"min-slaves-to-write", T_LONGLONG, ALIAS, KEPT, 0, 2147483647, "0"},
    {"min-replicas-max-lag", T_LONGLONG, 0, KEPT, 0, 2147483647, "10"},
    {"min-slaves-max-lag", T_LONGLONG, ALIAS, KEPT, 0, 2147483647, "10"},
    {"watchdog-period", T_LONGLONG, HIDDEN, KEPT, 0, 2147483647, "0"},
    {"shutdown-timeout", T_LONGLONG, 0, KEPT, 0, 2147483647, "10"},
    {"repl-diskless-sync-max-replicas", T_LONGLONG, 0, KEPT, 0, 2147483647, "0"},
    {"unixsocketperm", T_OCTAL, IMMUTABLE, KEPT, 0, 0777, "0"},
    {"socket-mark-id", T_LONGLONG, IMMUTABLE, KEPT, 0, 4294967295LL, "0"},
    {"active-defrag-max-scan-fields", T_LONGLONG, 0, KEPT, 1, LLMAX, "1000"},
    {"slowlog-max-len", T_LONGLONG, 0, FIELD(slowlog_max_len), 0, LLMAX, "128"},
    {"acllog-max-len", T_LONGLONG, 0, KEPT, 0, LLMAX, "128"},
    {"cluster-node-timeout", T_LONGLONG, 0, KEPT, 0, LLMAX, "15000"},
    {"slowlog-log-slower-than", T_LONGLONG, 0, FIELD(slowlog_log_slower_than), -1, LLMAX, "10000"},
    {"latency-monitor-threshold", T_LONGLONG, 0, FIELD(latency_monitor_threshold), 0, LLMAX, "0"},
    {"stream-node-max-entries", T_LONGLONG, 0, FIELD(stream_node_max_entries), 0, LLMAX, "100"},
    {"repl-backlog-size", T_MEMORY, 0, KEPT, 1, LLMAX, "1048576"},
    {"cluster-link-sendbuf-limit", T_MEMORY, 0, KEPT, 0, LLMAX, "0"},
    {"active-defrag-ignore-bytes", T_MEMORY, 0, KEPT, 1, LLMAX, "104857600"},
    {"stream-node-max-bytes", T_MEMORY, 0, FIELD(stream_node_max_bytes), 0, LLMAX, "4096"},
    {"hll-sparse-max-bytes", T_MEMORY, 0, FIELD(hll_sparse_max_bytes), 0, LLMAX, "3000"},
    {"tracking-table-max-keys", T_LONGLONG, 0, FIELD(tracking_table_max_keys), 0, LLMAX, "1000000"},
    {"maxmemory-clients", T_MEMORY_PERCENT, 0, FIELD(maxmemory_clients), -100, LLMAX, "0"},
    {"repl-backlog-ttl", T_LONGLONG, 0, KEPT, 0, LLMAX, "3600"},
    {"auto-aof-rewrite-min-size", T_MEMORY, 0, KEPT, 0, LLMAX, "67108864"},
    {"loading-process-events-interval-bytes", T_LONGLONG, HIDDEN,
     FIELD(loading_process_events_interval_bytes), 1024, 2147483647,
     "2097152"},
    {"tls-port", T_LONGLONG, 0, KEPT, 0, 65535, "0"},
    {"tls-session-cache-size", T_LONGLONG, 0, KEPT, 0, 2147483647, "20480"},
    {"tls-session-cache-timeout", T_LONGLONG, 0, KEPT, 0, 2147483647, "300"},
    {"tls-cluster", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"tls-replication", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"tls-auth-clients", T_ENUM, 0, KEPT, 0, 0, "yes", tls_auth_modes},
    {"tls-prefer-server-ciphers", T_BOOL, 0, KEPT, 0, 1, "no"},
    {"tls-session-caching", T_BOOL, 0, KEPT, 0, 1, "yes"},
    {"tls-cert-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-key-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-key-file-pass", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-client-cert-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-client-key-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-client-key-file-pass", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-dh-params-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-ca-cert-file", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-ca-cert-dir", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-protocols", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-ciphers", T_STRING, 0, KEPT, 0, 0, ""},
    {"tls-ciphersuites", T_STRING, 0, KEPT, 0, 0, ""},
    {"oom-score-adj-values", T_OOM_VALUES, 0, KEPT, 0, 0, "0 200 800"},
    {"notify-keyspace-events", T_KEYSPACE_EVENTS, 0, FIELD(notify_keyspace_events), 0, 0, ""},
    {"replicaof", T_REPLICAOF, IMMUTABLE, KEPT, 0, 0, ""},
    {"slaveof", T_REPLICAOF, IMMUTABLE | ALIAS, KEPT, 0, 0, ""},
    {"latency-tracking-info-percentiles", T_PERCENTILES, 0, KEPT, 0, 0, "50 99 99.9"},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])
_Static_assert(NSETTINGS <= CONFIG_KEPT_SLOTS, "CONFIG_KEPT_SLOTS must cover every row");


static const struct setting *find_setting(const char *name, size_t len) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strlen(settings[i].name) == len && strncasecmp(settings[i].name, name, len) == 0)
            return &settings[i];
    return NULL;
}

const char *config_canonical_name(const char *name, size_t len) {
    const struct setting *s = find_setting(name, len);
    return s ? s->name : NULL;
}

/* Memory values: a number with an optional k, kb, m, mb, g, gb unit (case-insensitive). */
static int parse_memory(const char *v, size_t len, long long *out) {
    static const struct {
        const char *unit;
        long long mul;
    } units[] = {{"kb", 1024},       {"k", 1000},          {"mb", 1024 * 1024},
                 {"m", 1000 * 1000}, {"gb", 1024LL << 20}, {"g", 1000LL * 1000 * 1000}};
    size_t digits = 0;
    while (digits < len && v[digits] >= '0' && v[digits] <= '9') digits++;
    long long mul = 1;
    if (digits < len) {
        size_t ulen = len - digits;
        size_t i;
        for (i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].unit) == ulen && strncasecmp(units[i].unit, v + digits, ulen) == 0)
                break;
        if (i == sizeof units / sizeof units[0]) return -1;
        mul = units[i].mul;
    }
    unsigned long long n;
    if (str_to_ull(v, digits, &n) != 0 || n > (unsigned long long)LLMAX / (unsigned long long)mul)
        return -1;
    *out = (long long)n * mul;
    return 0;
}

static int valid_save(const char *v, size_t len) {
    char *copy = mem_alloc(len + 1);
    memcpy(copy, v, len);
    copy[len] = '\0';
    int count = 0, ok = 1;
    for (char *save, *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        long long n;
        if (str_to_ll(tok, strlen(tok), &n) != 0 || n < 0) ok = 0;
        count++;
    }
    mem_free(copy);
    return ok && count % 2 == 0;
}

static const char *client_class_names[CLASS_COUNT] = {"normal", "slave", "pubsub"};

/* "<class> <hard> <soft> <seconds>" groups; only the classes named change. All or nothing. */
static int parse_output_limits(struct output_limit *limits, const char *v, size_t len,
                               buf_t *err) {
    struct output_limit next[CLASS_COUNT];
    memcpy(next, limits, sizeof next);
    char *copy = mem_alloc(len + 1);
    memcpy(copy, v, len);
    copy[len] = '\0';
    char *words[64];
    size_t n = 0;
    for (char *save, *tok = strtok_r(copy, " ", &save); tok && n < 64; tok = strtok_r(NULL, " ", &save))
        words[n++] = tok;
    const char *problem = NULL;
    if (n == 0 || n % 4 != 0) problem = "Wrong number of arguments in buffer limit configuration.";
    for (size_t i = 0; !problem && i < n; i += 4) {
        int cls;
        for (cls = 0; cls < CLASS_COUNT; cls++)
            if (strcasecmp(words[i], client_class_names[cls]) == 0) break;
        if (cls == CLASS_COUNT && strcasecmp(words[i], "replica") == 0) cls = CLASS_REPLICA;
        if (cls == CLASS_COUNT) {
            problem = "Invalid client class specified in buffer limit configuration.";
            break;
        }
        long long hard, soft, seconds;
        if (parse_memory(words[i + 1], strlen(words[i + 1]), &hard) != 0 ||
            parse_memory(words[i + 2], strlen(words[i + 2]), &soft) != 0 ||
            str_to_ll(words[i + 3], strlen(words[i + 3]), &seconds) != 0 || seconds < 0) {
            problem = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            break;
        }
        next[cls] = (struct output_limit){hard, soft, seconds};
    }
    mem_free(copy);
    if (problem) {
        buf_append_str(err, problem);
        return -1;
    }
    memcpy(limits, next, sizeof next);
    return 0;
}

static void set_string(char **field, const char *v, size_t len) {
    mem_free(*field);
    *field = mem_alloc(len + 1);
    memcpy(*field, v, len);
    (*field)[len] = '\0';
}

/* Where a row's value lives: its field, or its kept slot (an alias shares the row above's). */
static void *slot_of(const struct config *cfg, const struct setting *s) {
    if (s->offset != KEPT) return (char *)cfg + s->offset;
    while (s->flags & ALIAS) s--;
    return (void *)&cfg->kept[s - settings];
}

/* Numbers of every width a row can have: int fields (yes/no, enums, T_INT), long long fields,
 * and kept slots. */
static void store_number(struct config *cfg, const struct setting *s, long long n) {
    void *slot = slot_of(cfg, s);
    if (s->offset == KEPT)
        ((union config_kept *)slot)->n = n;
    else if (s->type == T_BOOL || s->type == T_INT || s->type == T_ENUM ||
             s->type == T_KEYSPACE_EVENTS)
        *(int *)slot = (int)n;
    else
        *(long long *)slot = n;
}

static long long load_number(const struct config *cfg, const struct setting *s) {
    const void *slot = slot_of(cfg, s);
    if (s->offset == KEPT) return ((const union config_kept *)slot)->n;
    if (s->type == T_BOOL || s->type == T_INT || s->type == T_ENUM ||
        s->type == T_KEYSPACE_EVENTS)
        return *(const int *)slot;
    return *(const long long *)slot;
}

static char **string_slot(const struct config *cfg, const struct setting *s) {
    void *slot = slot_of(cfg, s);
    return s->offset == KEPT ? &((union config_kept *)slot)->s : (char **)slot;
}

/* Splits a value into its space-separated words (at most max), in a copy the caller frees. */
static size_t split_words(const char *v, size_t len, char **copy, char **words, size_t max) {
    *copy = mem_alloc(len + 1);
    memcpy(*copy, v, len);
    (*copy)[len] = '\0';
    size_t n = 0;
    for (char *save, *tok = strtok_r(*copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        if (n == max) return max + 1;
        words[n++] = tok;
    }
    return n;
}

static int find_name(const char *const *names, const char *v, size_t len) {
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], v, len) == 0) return i;
    return -1;
}

static void list_names(buf_t *err, const char *const *names) {
    buf_append_str(err, "argument(s) must be one of the following: ");
    for (int i = 0; names[i]; i++) buf_printf(err, "%s%s", i ? ", " : "", names[i]);
}

/* The shutdown-on-sig* words: a bit per name after the first ("default", none). */
static int parse_flags(const struct setting *s, const char *v, size_t len, long long *out,
                       buf_t *err) {
    char *copy, *words[8];
    size_t n = split_words(v, len, &copy, words, 8);
    long long flags = 0;
    int ok = n >= 1 && n <= 8;
    for (size_t i = 0; ok && i < n; i++) {
        int k = find_name(s->names, words[i], strlen(words[i]));
        if (k < 0) ok = 0;
        if (k > 0) flags |= 1LL << k;
    }
    mem_free(copy);
    if (!ok) {
        list_names(err, s->names);
        return -1;
    }
    if ((flags & (1LL << 1)) && (flags & (1LL << 2))) {
        buf_append_str(err, "shutdown options SAVE and NOSAVE can't be used simultaneously");
        return -1;
    }
    *out = flags;
    return 0;
}

/* %f without trailing zeros (and a trailing point), as Redis shows percentiles. */
static const char *trimmed_double(char *buf, size_t size, double v) {
    size_t n = (size_t)snprintf(buf, size, "%f", v);
    while (n > 1 && buf[n - 1] == '0') buf[--n] = '\0';
    if (n > 1 && buf[n - 1] == '.') buf[--n] = '\0';
    return buf;
}

/* The special lists, checked as Redis checks them and kept as CONFIG GET shows them. */
static int normalise_list(const struct setting *s, const char *v, size_t len, buf_t *out,
                          buf_t *err) {
    char *copy, *words[64];
    size_t n = split_words(v, len, &copy, words, 64);
    const char *problem = NULL;
    switch (s->type) {
    case T_OOM_VALUES:
        if (n != 3) problem = "wrong number of arguments";
        for (size_t i = 0; !problem && i < n; i++) {
            long long x;
            if (str_to_ll(words[i], strlen(words[i]), &x) != 0 || x < -2000 || x > 2000)
                problem = "Invalid oom-score-adj-values, elements must be between -2000 and 2000.";
            else
                buf_printf(out, "%s%lld", i ? " " : "", x);
        }
        break;
    case T_REPLICAOF:
        /* Empty: no primary (the default; a directive or CONFIG SET always has words). */
        if (n == 0) break;
        if (n == 2 && strcasecmp(words[0], "no") == 0 && strcasecmp(words[1], "one") == 0) break;
        long long port;
        if (n != 2) problem = "wrong number of arguments";
        else if (str_to_ll(words[1], strlen(words[1]), &port) != 0 || port < 0 || port > 65535)
            problem = "Invalid master port";
        else buf_printf(out, "%s %lld", words[0], port);
        break;
    default: /* T_PERCENTILES */
        for (size_t i = 0; !problem && i < n && n <= 64; i++) {
            double p;
            char fmt[64];
            if (str_to_double(words[i], strlen(words[i]), &p) != 0)
                problem = "Invalid latency-tracking-info-percentiles parameters";
            else if (p < 0.0 || p > 100.0)
                problem = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
            else
                buf_printf(out, "%s%s", i ? " " : "", trimmed_double(fmt, sizeof fmt, p));
        }
        if (n > 64) problem = "Invalid latency-tracking-info-percentiles parameters";
        break;
    }
    mem_free(copy);
    if (problem) buf_append_str(err, problem);
    return problem ? -1 : 0;
}

/* Parses and stores one value. Returns 0, or -1 with Redis's reason in err. */
static int apply(struct config *cfg, const struct setting *s, const char *v, size_t len,
                 buf_t *err) {
    long long n;
    switch (s->type) {
    case T_BOOL:
        if (len == 3 && strncasecmp(v, "yes", 3) == 0) {
            n = 1;
        } else if (len == 2 && strncasecmp(v, "no", 2) == 0) {
            n = 0;
        } else {
            buf_append_str(err, "argument must be 'yes' or 'no'");
            return -1;
        }
        store_number(cfg, s, n);
        return 0;
    case T_INT:
    case T_LONGLONG:
    case T_MEMORY:
    case T_OCTAL:
    case T_MEMORY_PERCENT: {
        int percent = s->type == T_MEMORY_PERCENT && len > 1 && v[len - 1] == '%';
        int failed;
        if (s->type == T_OCTAL) {
            char digits[32];
            char *end;
            snprintf(digits, sizeof digits, "%.*s", (int)len, v);
            n = strtoll(digits, &end, 8);
            failed = len == 0 || len >= sizeof digits || *end != '\0';
        } else if (s->type == T_INT || s->type == T_LONGLONG || percent) {
            failed = str_to_ll(v, len - (size_t)percent, &n) != 0;
        } else {
            failed = parse_memory(v, len, &n) != 0;
        }
        if (failed) {
            buf_append_str(err, s->type == T_MEMORY || s->type == T_MEMORY_PERCENT
                                    ? "argument must be a memory or percent value"
                                    : "argument couldn't be parsed into an integer");
            if (s->type == T_MEMORY) {
                err->len = 0;
                buf_append_str(err, "argument must be a memory value");
            }
            return -1;
        }
        if (percent) {
            if (n < 0 || n > -s->min) {
                buf_append_str(err, "percentage argument must be less or equal to 100");
                return -1;
            }
            n = -n;
        } else if (n < (s->type == T_MEMORY_PERCENT ? 0 : s->min) || n > s->max) {
            if (s->type == T_OCTAL)
                buf_printf(err, "argument must be between %llo and %llo inclusive",
                           (unsigned long long)s->min, (unsigned long long)s->max);
            else
                buf_printf(err, "argument must be between %lld and %lld inclusive",
                           s->type == T_MEMORY_PERCENT ? 0 : s->min, s->max);
            return -1;
        }
        if (s->type == T_INT) {
            /* hz is clamped like Redis does; maxclients above INT_MAX is capped. */
            if (strcmp(s->name, "hz") == 0) n = n < 1 ? 1 : n > 500 ? 500 : n;
            if (n > 2147483647) n = 2147483647;
        }
        store_number(cfg, s, n);
        return 0;
    }
    case T_STRING:
        /* The snapshot is renamed into dir: a path here would escape it. */
        if (strcmp(s->name, "dbfilename") == 0 && memchr(v, '/', len)) {
            buf_append_str(err, "dbfilename can't be a path, just a filename");
            return -1;
        }
        /* The AOF's files are named inside appenddirname, itself inside dir (Redis's
         * pathIsBaseName: neither may hold a slash or a backslash). */
        if ((strcmp(s->name, "appendfilename") == 0 || strcmp(s->name, "appenddirname") == 0) &&
            (memchr(v, '/', len) || memchr(v, '\\', len))) {
            buf_append_str(err, s->name[6] == 'f' ? "appendfilename can't be a path, just a filename"
                                                  : "appenddirname can't be a path, just a dirname");
            return -1;
        }
        if (strcmp(s->name, "proc-title-template") == 0 && !process_title_template_valid(v, len)) {
            buf_append_str(err, "template format is invalid or contains unknown variables");
            return -1;
        }
        set_string(string_slot(cfg, s), v, len);
        return 0;
    case T_ENUM: {
        int i = find_name(s->names, v, len);
        if (i < 0) {
            list_names(err, s->names);
            return -1;
        }
        store_number(cfg, s, s->values ? s->values[i] : i);
        return 0;
    }
    case T_FLAGS:
        if (parse_flags(s, v, len, &n, err) != 0) return -1;
        store_number(cfg, s, n);
        return 0;
    case T_OUTPUT_LIMITS:
        return parse_output_limits((struct output_limit *)slot_of(cfg, s), v, len, err);
    case T_SAVE:
        if (!valid_save(v, len)) {
            buf_append_str(err, "Invalid save parameters");
            return -1;
        }
        set_string(string_slot(cfg, s), v, len);
        return 0;
    case T_KEYSPACE_EVENTS:
        n = notify_flags_from_string(v, len);
        if (n < 0) {
            buf_append_str(err, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            return -1;
        }
        store_number(cfg, s, n);
        return 0;
    case T_OOM_VALUES:
    case T_REPLICAOF:
    case T_PERCENTILES: {
        buf_t norm;
        buf_init(&norm);
        int rc = normalise_list(s, v, len, &norm, err);
        if (rc == 0) set_string(string_slot(cfg, s), norm.data ? norm.data : "", norm.len);
        buf_free(&norm);
        return rc;
    }
    }
    return -1;
}

void config_defaults(struct config *cfg) {
    memset(cfg, 0, sizeof *cfg);
    buf_t err;
    buf_init(&err);
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (apply(cfg, &settings[i], settings[i].default_value,
                  strlen(settings[i].default_value), &err) != 0) {
            fprintf(stderr, "the default of %s is refused: %.*s\n", settings[i].name,
                    (int)err.len, err.data);
            abort(); /* a wrong row in the table: caught by every test run */
        }
    }
    buf_free(&err);
}

/* The value as CONFIG GET shows it. */
static void format_value(const struct config *cfg, const struct setting *s, buf_t *out) {
    char num[LL_STR_SIZE];
    switch (s->type) {
    case T_BOOL:
        buf_append_str(out, load_number(cfg, s) ? "yes" : "no");
        break;
    case T_INT:
    case T_LONGLONG:
    case T_MEMORY:
        buf_append(out, num, ll_to_str(num, load_number(cfg, s)));
        break;
    case T_OCTAL:
        buf_printf(out, "%llo", (unsigned long long)load_number(cfg, s));
        break;
    case T_MEMORY_PERCENT: {
        long long n = load_number(cfg, s);
        if (n < 0)
            buf_printf(out, "%lld%%", -n);
        else
            buf_append(out, num, ll_to_str(num, n));
        break;
    }
    case T_ENUM: {
        long long v = load_number(cfg, s);
        int i = 0;
        while (s->values && s->values[i] != v) i++;
        buf_append_str(out, s->names[s->values ? i : v]);
        break;
    }
    case T_FLAGS: {
        long long flags = load_number(cfg, s);
        if (!flags) buf_append_str(out, s->names[0]);
        for (int i = 1; s->names[i]; i++)
            if (flags & (1LL << i)) buf_printf(out, "%s%s", out->len ? " " : "", s->names[i]);
        break;
    }
    case T_OUTPUT_LIMITS: {
        const struct output_limit *l = (const struct output_limit *)slot_of(cfg, s);
        for (int i = 0; i < CLASS_COUNT; i++)
            buf_printf(out, "%s%s %lld %lld %lld", i ? " " : "", client_class_names[i], l[i].hard,
                       l[i].soft, l[i].soft_seconds);
        break;
    }
    case T_KEYSPACE_EVENTS:
        notify_flags_to_string((int)load_number(cfg, s), out);
        break;
    case T_STRING:
    case T_SAVE:
    case T_OOM_VALUES:
    case T_REPLICAOF:
    case T_PERCENTILES:
        if (strcmp(s->name, "dir") == 0) {
            char cwd[4096];
            buf_append_str(out, getcwd(cwd, sizeof cwd) ? cwd : "");
        } else {
            buf_append_str(out, *string_slot(cfg, s));
        }
        break;
    }
}

/* Settings whose other values need a feature rill does not have yet: they take only the
 * value that asks nothing of it (their default), so that a config file written for Redis
 * is never read as if rill did what it says. */
static const struct {
    const char *name, *feature;
} needs_feature[] = {
    {"replicaof", "replication"},
    {"slaveof", "replication"},
    {"min-replicas-to-write", "replication"},
    {"min-slaves-to-write", "replication"},
    {"cluster-enabled", "cluster mode"},
    {"tls-port", "TLS"},
    {"aclfile", "ACL files"},
    {"syslog-enabled", "syslog"},
    {"activedefrag", "active defragmentation"},
};

/* apply, refusing a value that needs a missing feature (the old value stays). */
static int apply_supported(struct config *cfg, const struct setting *s, const char *v, size_t len,
                           buf_t *err) {
    const char *feature = NULL;
    for (size_t i = 0; i < sizeof needs_feature / sizeof needs_feature[0]; i++)
        if (strcmp(needs_feature[i].name, s->name) == 0) feature = needs_feature[i].feature;
    if (!feature) return apply(cfg, s, v, len, err);
    buf_t old, now;
    buf_init(&old);
    buf_init(&now);
    format_value(cfg, s, &old);
    int rc = apply(cfg, s, v, len, err);
    if (rc == 0) {
        format_value(cfg, s, &now);
        if (now.len != strlen(s->default_value) ||
            (now.len && memcmp(now.data, s->default_value, now.len) != 0)) {
            apply(cfg, s, old.data ? old.data : "", old.len, err);
            err->len = 0;
            buf_printf(err, "rill does not support %s yet: '%s' can only be '%s'", feature,
                       s->name, s->default_value);
            rc = -1;
        }
    }
    buf_free(&old);
    buf_free(&now);
    return rc;
}

void config_value(const char *name, buf_t *out) {
    const struct setting *s = find_setting(name, strlen(name));
    if (s) format_value(&server.cfg, s, out);
}

long long config_number(const char *name) {
    const struct setting *s = find_setting(name, strlen(name));
    return s ? load_number(&server.cfg, s) : 0;
}

const char *config_string(const char *name) {
    const struct setting *s = find_setting(name, strlen(name));
    return s ? *string_slot(&server.cfg, s) : "";
}

void config_restore(const char *name, const char *value, size_t len) {
    const struct setting *s = find_setting(name, strlen(name));
    buf_t err;
    buf_init(&err);
    if (s) apply(&server.cfg, s, value, len, &err);
    buf_free(&err);
}

long config_get(const resp_arg *patterns, size_t npatterns, buf_t *out) {
    long pairs = 0;
    unsigned char shown[NSETTINGS] = {0};
    buf_t value;
    buf_init(&value);
    for (size_t p = 0; p < npatterns; p++) {
        const char *pattern = patterns[p].ptr;
        size_t len = patterns[p].len;
        int is_pattern = memchr(pattern, '*', len) || memchr(pattern, '?', len) ||
                         memchr(pattern, '[', len);
        for (size_t i = 0; i < NSETTINGS; i++) {
            const struct setting *s = &settings[i];
            if (shown[i] || ((s->flags & HIDDEN) && is_pattern)) continue;
            if (!glob_match(pattern, len, s->name, strlen(s->name), 1)) continue;
            shown[i] = 1;
            value.len = 0;
            format_value(&server.cfg, s, &value);
            resp_add_bulk(out, s->name, strlen(s->name));
            resp_add_bulk(out, value.data ? value.data : "", value.len);
            pairs++;
        }
    }
    buf_free(&value);
    return pairs;
}

static int protected_allowed(int local_client) {
    return server.cfg.enable_protected_configs == ENABLE_YES ||
           (server.cfg.enable_protected_configs == ENABLE_LOCAL && local_client);
}

int config_set(const char *name, size_t nlen, const char *value, size_t vlen, int local_client,
               buf_t *err) {
    const struct setting *s = find_setting(name, nlen);
    if (!s) return -1;
    if (s->flags & IMMUTABLE) {
        buf_append_str(err, "can't set immutable config");
        return -1;
    }
    if ((s->flags & PROTECTED) && !protected_allowed(local_client)) {
        buf_append_str(err, "can't set protected config");
        return -1;
    }
    return apply_supported(&server.cfg, s, value, vlen, err);
}

int config_denied_while_loading(const char *name, int local_client) {
    const struct setting *s = find_setting(name, strlen(name));
    /* An immutable or protected one fails for that reason first, as in Redis. */
    return s && (s->flags & DENY_LOADING) && !(s->flags & IMMUTABLE) &&
           (!(s->flags & PROTECTED) || protected_allowed(local_client));
}

/* One config-file or command-line directive: name and its arguments. */
static int apply_directive(struct config *cfg, resp_arg *argv, size_t argc, int *save_reset,
                           buf_t *err) {
    /* Not a setting: it acts on the command table (CONFIG REWRITE keeps its lines as they are). */
    if (argc == 3 && argv[0].len == 14 && !strncasecmp(argv[0].ptr, "rename-command", 14)) {
        const char *why;
        if (command_rename(argv[1].ptr, argv[1].len, argv[2].ptr, argv[2].len, &why) == 0) return 0;
        buf_append_str(err, why);
        return -1;
    }
    const struct setting *s = find_setting(argv[0].ptr, argv[0].len);
    int several = s && (s->type == T_SAVE || s->type == T_OUTPUT_LIMITS || s->type == T_FLAGS ||
                        s->type >= T_OOM_VALUES || strcmp(s->name, "bind") == 0);
    /* A setting that takes several words may have none ("save" alone: no save points). */
    if (!s) {
        buf_append_str(err, "Bad directive or wrong number of arguments");
        return -1;
    }
    if (argc != 2 && !several) {
        buf_append_str(err, "wrong number of arguments");
        return -1;
    }
    /* "save" lines accumulate, "bind" takes several addresses, output limits groups of four,
     * and the lists and flags several words: join the arguments. */
    buf_t joined;
    buf_init(&joined);
    if (s->type == T_SAVE && !*save_reset) {
        *save_reset = 1;
    } else if (s->type == T_SAVE && cfg->save[0] && !(argc == 2 && argv[1].len == 0)) {
        buf_append_str(&joined, cfg->save);
    }
    for (size_t i = 1; i < argc; i++) {
        if (joined.len) buf_append(&joined, " ", 1);
        buf_append(&joined, argv[i].ptr, argv[i].len);
    }
    int rc = apply_supported(cfg, s, joined.data ? joined.data : "", joined.len, err);
    buf_free(&joined);
    return rc;
}

/* Applies config text line by line; lines are numbered from first_line in errors. */
static int load_text(struct config *cfg, const char *text, size_t len, int first_line,
                     int *save_reset, buf_t *err) {
    int rc = 0, lineno = first_line - 1;
    resp_parser p;
    resp_parser_init(&p, 1 << 20);
    buf_t line, why;
    buf_init(&line);
    buf_init(&why);
    for (const char *at = text, *end = text + len; rc == 0 && at < end; lineno++) {
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        const char *stop = nl ? nl : end;
        /* Trimmed of blanks, as Redis trims each line. */
        const char *from = at, *to = stop;
        while (from < to && strchr(" \t\r", *from)) from++;
        while (to > from && strchr(" \t\r", to[-1])) to--;
        at = nl ? nl + 1 : end;
        if (from == to || *from == '#') continue;
        line.len = 0;
        buf_append(&line, from, (size_t)(to - from));
        buf_append(&line, "\n", 1);
        size_t used;
        why.len = 0;
        if (resp_parse(&p, line.data, line.len, &used) != RESP_DONE) {
            buf_append_str(&why, "Unbalanced quotes in configuration line");
            rc = -1;
        } else if (p.argc > 0) {
            rc = apply_directive(cfg, p.argv, p.argc, save_reset, &why);
        }
        if (rc != 0)
            buf_printf(err, "\n*** FATAL CONFIG FILE ERROR (rill %s) ***\nReading the "
                       "configuration file, at line %d\n>>> '%.*s'\n%.*s", RILL_VERSION, lineno + 1,
                       (int)(to - from), from, (int)why.len, why.data);
    }
    buf_free(&line);
    buf_free(&why);
    resp_parser_free(&p);
    return rc;
}

/* The command line as Redis turns it into config lines: "--name" starts a line, other
 * arguments are added to it quoted ("--port 6379 6380" is `port "6379" "6380"`); an
 * argument holding a name and a value ("--port 6380") is a whole line, after which a
 * "--word" starts the next line; otherwise a "--word" right after a bare name is that
 * name's value ("--logfile --my--file"), except after --save, which then gets "". */
static void options_text(int argc, char **argv, buf_t *out) {
    int named_has_value = 1;
    for (int j = 0; j < argc; j++) {
        const char *a = argv[j];
        if (named_has_value && a[0] == '-' && a[1] == '-') {
            if (out->len) buf_append(out, "\n", 1);
            buf_append_str(out, a + 2);
            buf_append(out, " ", 1);
            /* One word (possibly with blanks around) or a name and its value? */
            const char *w = a;
            while (*w == ' ' || *w == '\t') w++;
            while (*w && *w != ' ' && *w != '\t') w++;
            while (*w == ' ' || *w == '\t') w++;
            int one_word = *w == '\0';
            named_has_value = !one_word;
            int next_is_name = j + 1 < argc && argv[j + 1][0] == '-' && argv[j + 1][1] == '-';
            if (one_word && !strcasecmp(a, "--save") && (next_is_name || j + 1 == argc)) {
                buf_append(out, "\"\"", 2);
                named_has_value = 1;
            }
        } else {
            buf_append_repr(out, a, strlen(a));
            buf_append(out, " ", 1);
            named_has_value = 1;
        }
    }
}

int config_load(struct config *cfg, const char *file, int argc, char **argv, buf_t *err) {
    int save_reset = 0, file_lines = 0;
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            buf_printf(err, "Fatal error, can't open config file '%s': %m", file);
            return -1;
        }
        buf_t text;
        buf_init(&text);
        buf_append_stream(&text, f);
        fclose(f);
        for (size_t i = 0; i < text.len; i++) file_lines += text.data[i] == '\n';
        int rc = load_text(cfg, text.data ? text.data : "", text.len, 1, &save_reset, err);
        buf_free(&text);
        if (rc != 0) return -1;
    }
    /* The options follow the file after a newline, as Redis appends them to it. */
    buf_t options;
    buf_init(&options);
    options_text(argc, argv, &options);
    int rc = load_text(cfg, options.data ? options.data : "", options.len, file_lines + 2,
                       &save_reset, err);
    buf_free(&options);
    return rc;
}

/* ---- CONFIG REWRITE ---- */

/* The row a line of this setting is rewritten as: an alias's own row (slaveof is replicaof),
 * the first of the rows sharing a field (lua-time-limit is busy-reply-threshold). */
static const struct setting *canonical(const struct setting *s) {
    while (s->flags & ALIAS) s--;
    if (s->offset != KEPT)
        for (const struct setting *r = settings; r < s; r++)
            if (r->offset == s->offset) return r;
    return s;
}

/* Redis's memory format for rewritten values: the largest unit that divides them. */
static void append_memory(buf_t *out, long long bytes) {
    const long long gb = 1024LL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
    if (bytes && bytes % gb == 0)
        buf_printf(out, "%lldgb", bytes / gb);
    else if (bytes && bytes % mb == 0)
        buf_printf(out, "%lldmb", bytes / mb);
    else if (bytes && bytes % kb == 0)
        buf_printf(out, "%lldkb", bytes / kb);
    else
        buf_printf(out, "%lld", bytes);
}


/* The old file's lines, and where each setting's lines are. */
struct rewrite_state {
    char **lines;
    size_t n, cap;
    size_t *owner; /* per line: index of the setting row + 1, 0 for others */
    int has_signature;
};

#define REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"

static void rewrite_append(struct rewrite_state *st, char *line, size_t owner) {
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->lines = mem_realloc(st->lines, st->cap * sizeof *st->lines);
        st->owner = mem_realloc(st->owner, st->cap * sizeof *st->owner);
    }
    st->lines[st->n] = line;
    st->owner[st->n++] = owner;
}

/* Directives of a config file that are not settings but stay as they are. */
static int directive_is_kept(const resp_arg *name) {
    static const char *const kept[] = {"include", "rename-command", "user", "loadmodule"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (name->len == strlen(kept[i]) && strncasecmp(name->ptr, kept[i], name->len) == 0)
            return 1;
    return 0;
}

static char *copy_cstr(const char *p, size_t len) {
    char *s = mem_alloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* The file split at each newline, as Redis reads it (a final newline leaves an empty line). */
static int rewrite_read(struct rewrite_state *st, const char *file) {
    FILE *f = fopen(file, "r");
    if (!f) return errno == ENOENT ? 0 : -1;
    buf_t all;
    buf_init(&all);
    buf_append_stream(&all, f);
    fclose(f);
    if (all.len == 0) {
        buf_free(&all);
        return 0;
    }
    resp_parser p;
    resp_parser_init(&p, 1 << 20);
    buf_t text;
    buf_init(&text);
    for (size_t pos = 0; pos <= all.len;) {
        const char *nl = memchr(all.data + pos, '\n', all.len - pos);
        size_t end = nl ? (size_t)(nl - all.data) : all.len;
        size_t a = pos, b = end;
        while (a < b && strchr("\r\t ", all.data[a])) a++;
        while (b > a && strchr("\r\t ", all.data[b - 1])) b--;
        pos = end + 1;
        text.len = 0;
        buf_append(&text, all.data + a, b - a);
        buf_append(&text, "\n", 1); /* the inline parser wants the line's end */
        size_t tlen = b - a, used;
        if (tlen == 0 || text.data[0] == '#') {
            if (tlen == strlen(REWRITE_SIGNATURE) && !memcmp(text.data, REWRITE_SIGNATURE, tlen))
                st->has_signature = 1;
            rewrite_append(st, copy_cstr(text.data, tlen), 0);
            continue;
        }
        /* The parser unescapes text in place: the lines kept are copied from the file. */
        const char *original = all.data + a;
        int ok = resp_parse(&p, text.data, tlen + 1, &used) == RESP_DONE && p.argc > 0;
        const struct setting *s = ok ? find_setting(p.argv[0].ptr, p.argv[0].len) : NULL;
        if (s) {
            rewrite_append(st, copy_cstr(original, tlen), (size_t)(canonical(s) - settings) + 1);
        } else if (ok && directive_is_kept(&p.argv[0])) {
            rewrite_append(st, copy_cstr(original, tlen), 0);
        } else {
            /* Unknown or unparsable: kept as a comment, as Redis does. */
            char *line = mem_alloc(tlen + 7);
            memcpy(line, "# ??? ", 6);
            memcpy(line + 6, original, tlen);
            line[tlen + 6] = '\0';
            rewrite_append(st, line, 0);
        }
    }
    buf_free(&text);
    buf_free(&all);
    resp_parser_free(&p);
    return 0;
}

/* Puts a setting's new line where its old lines were (in order), or at the end when there
 * were none and force says its value is not the default. */
static void rewrite_line(struct rewrite_state *st, size_t owner, size_t *next, buf_t *line,
                         int force) {
    while (*next < st->n && st->owner[*next] != owner) (*next)++;
    char *text = copy_cstr(line->data ? line->data : "", line->len);
    if (*next < st->n) {
        mem_free(st->lines[*next]);
        st->lines[(*next)++] = text;
        return;
    }
    if (!force) {
        mem_free(text);
        return;
    }
    if (!st->has_signature) {
        rewrite_append(st, mem_strdup(REWRITE_SIGNATURE), 0);
        st->has_signature = 1;
    }
    rewrite_append(st, text, SIZE_MAX); /* a new line: never an old one to reuse */
}

/* The lines setting s is written as (one for most; save, client-output-buffer-limit: one per
 * item, each with its own force). */
static void rewrite_setting(struct rewrite_state *st, const struct setting *s,
                            const struct config *defaults, int force_all) {
    size_t owner = (size_t)(s - settings) + 1, next = 0;
    buf_t now, def, line;
    buf_init(&now);
    buf_init(&def);
    buf_init(&line);
    format_value(&server.cfg, s, &now);
    format_value(defaults, s, &def);
    /* dir, save and the percentiles are always written, as Redis writes them (a file's own
     * save lines would otherwise win over a running value that is the default). */
    int force = force_all || now.len != def.len ||
                (now.len && memcmp(now.data, def.data, now.len) != 0) ||
                strcmp(s->name, "dir") == 0 || s->type == T_PERCENTILES || s->type == T_SAVE;
    if (s->type == T_OUTPUT_LIMITS) {
        const struct output_limit *l = (const struct output_limit *)slot_of(&server.cfg, s);
        const struct output_limit *d = (const struct output_limit *)slot_of(defaults, s);
        for (int i = 0; i < CLASS_COUNT; i++) {
            line.len = 0;
            buf_printf(&line, "%s %s ", s->name, client_class_names[i]);
            append_memory(&line, l[i].hard);
            buf_append(&line, " ", 1);
            append_memory(&line, l[i].soft);
            buf_printf(&line, " %lld", l[i].soft_seconds);
            rewrite_line(st, owner, &next, &line,
                         force_all || memcmp(&l[i], &d[i], sizeof l[i]) != 0);
        }
    } else if (s->type == T_SAVE && now.len) {
        char *copy, *words[64];
        size_t n = split_words(now.data, now.len, &copy, words, 64);
        for (size_t i = 0; i + 1 < n; i += 2) {
            line.len = 0;
            buf_printf(&line, "save %s %s", words[i], words[i + 1]);
            rewrite_line(st, owner, &next, &line, force);
        }
        mem_free(copy);
    } else if ((s->type == T_REPLICAOF || !strcmp(s->name, "bind")) && !force) {
        /* At the default these are not written, and old lines go (Redis's way). */
    } else {
        buf_printf(&line, "%s ", s->name);
        if (s->type == T_SAVE || (!strcmp(s->name, "bind") && now.len == 0))
            buf_append(&line, "\"\"", 2);
        else if ((s->type == T_STRING && strcmp(s->name, "bind") != 0) ||
                 s->type == T_KEYSPACE_EVENTS)
            buf_append_repr(&line, now.data ? now.data : "", now.len);
        else if (s->type == T_MEMORY ||
                 (s->type == T_MEMORY_PERCENT && load_number(&server.cfg, s) >= 0))
            append_memory(&line, load_number(&server.cfg, s));
        else if (now.len)
            buf_append(&line, now.data, now.len);
        rewrite_line(st, owner, &next, &line, force);
    }
    /* The old lines this setting did not reuse are emptied (Redis's orphans). */
    for (size_t i = next; i < st->n; i++) {
        if (st->owner[i] != owner) continue;
        st->lines[i][0] = '\0';
        st->owner[i] = 0;
    }
    buf_free(&now);
    buf_free(&def);
    buf_free(&line);
}

int config_rewrite(const char *file, int force_all, buf_t *err) {
    static struct config defaults;
    static int have_defaults;
    if (!have_defaults) {
        config_defaults(&defaults);
        have_defaults = 1;
    }
    struct rewrite_state st = {0};
    int rc = rewrite_read(&st, file);
    if (rc == 0)
        for (size_t i = 0; i < NSETTINGS; i++)
            if (canonical(&settings[i]) == &settings[i])
                rewrite_setting(&st, &settings[i], &defaults, force_all);
    buf_t out;
    buf_init(&out);
    /* Each line and a newline; a run of empty lines becomes one, as in Redis. */
    int was_empty = 0;
    for (size_t i = 0; i < st.n; i++) {
        int empty = st.lines[i][0] == '\0';
        if (!(empty && was_empty)) {
            buf_append_str(&out, st.lines[i]);
            buf_append(&out, "\n", 1);
        }
        was_empty = empty;
        mem_free(st.lines[i]);
    }
    mem_free(st.lines);
    mem_free(st.owner);
    if (rc == 0) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.rewrite.tmp", file);
        FILE *f = fopen(tmp, "w");
        int ok = f && fwrite(out.data ? out.data : "", 1, out.len, f) == out.len;
        if (f) ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        if (f) fclose(f);
        ok = ok && rename(tmp, file) == 0;
        if (!ok) unlink(tmp);
        rc = ok ? 0 : -1;
    }
    if (rc != 0) buf_printf(err, "Rewriting config file: %s", strerror(errno));
    buf_free(&out);
    return rc;
}
