/* The command table and dispatch: lookup by name (case-insensitive), subcommands, arity,
 * authentication, then the handler. COMMAND INFO/DOCS and INFO commandstats read the same
 * table; nothing else lists commands. */
#ifndef RILL_COMMANDS_H
#define RILL_COMMANDS_H

#include "core/server.h"

#define CMD_WRITE (1u << 0)
#define CMD_READONLY (1u << 1)
#define CMD_DENYOOM (1u << 2)
#define CMD_ADMIN (1u << 3)
#define CMD_PUBSUB (1u << 4)
#define CMD_NOSCRIPT (1u << 5)
#define CMD_BLOCKING (1u << 6)
#define CMD_LOADING (1u << 7)
#define CMD_STALE (1u << 8)
#define CMD_FAST (1u << 9)
#define CMD_NO_AUTH (1u << 10)
#define CMD_NO_MULTI (1u << 11)
#define CMD_SKIP_SLOWLOG (1u << 12)
#define CMD_SENTINEL (1u << 13)
#define CMD_MOVABLE_KEYS (1u << 14) /* keys counted by a numkeys argument */
#define CMD_SKIP_MONITOR (1u << 15)
#define CMD_NO_MANDATORY_KEYS (1u << 16)
#define CMD_ALLOW_BUSY (1u << 17)    /* runs while a script is past its time limit */
#define CMD_MAY_REPLICATE (1u << 18) /* not a write, yet refused in read-only scripts */
#define CMD_NO_ASYNC_LOADING (1u << 19)

typedef void cmd_handler(client *c);

struct command_stats {
    long long calls, usec, rejected_calls, failed_calls;
};

struct command {
    const char *name; /* lowercase */
    cmd_handler *proc;
    int arity; /* argument count including the name; negative: at least -arity */
    unsigned flags;
    int first_key, last_key, key_step; /* last_key -1: the last argument */
    const char *group;                 /* for COMMAND DOCS: string, generic, connection, server */
    const char *acl_categories;        /* for COMMAND INFO: "@read @string @fast" */
    const char *summary;
    const char *since;
    struct command *subcommands; /* ends with a row whose name is NULL */
    int keynum_index;            /* CMD_MOVABLE_KEYS: argument holding the key count */
    /* CMD_MOVABLE_KEYS without a count: the indexes of the keys in argv (as many as cap at
     * most), and how many there are. */
    size_t (*find_keys)(const resp_arg *argv, size_t argc, size_t *index, size_t cap);
    /* Filled at start-up */
    struct command *parent;
    char fullname[48]; /* "get", "client|setname" */
    struct command_stats stats;
    struct histogram *latency; /* its latencies (latency-tracking), from its first call */
};

void commands_init(void);
/* rename-command: the command called from is called to from now on ("" removes it), for
 * clients and scripts alike. 0, or -1 with Redis's reason. */
int command_rename(const char *from, size_t flen, const char *to, size_t tlen, const char **why);
/* Runs c->argv: every check, then the handler, then the statistics. */
void command_execute(client *c);
/* Redis's lookupCommand: the command, or for a container with an argument, its
 * subcommand (NULL when unknown). */
const struct command *command_lookup_argv(const resp_arg *argv, size_t argc);
/* 1 when argc fits the command's arity. */
int command_arity_ok(const struct command *cmd, size_t argc);
/* Calls fn on each key argument of a cmd call (numkeys-counted keys included; none when the
 * count is invalid). Returns how many there were. */
size_t command_foreach_key(const struct command *cmd, const resp_arg *argv, size_t argc,
                           void (*fn)(const resp_arg *key, void *ctx), void *ctx);
/* As command_foreach_key, for the keys a write may change: where the key specs say some keys
 * are only read (SINTERSTORE's sources, COPY's source), those are left out. */
size_t command_foreach_written_key(const struct command *cmd, const resp_arg *argv, size_t argc,
                                   void (*fn)(const resp_arg *key, void *ctx), void *ctx);
/* Runs cmd's handler on c->argv with timing and statistics (no checks). */
void command_call(client *c, const struct command *cmd);
/* The running command's argument i is a secret (a password): the slow log and MONITOR show
 * "(redacted)" instead. A command a script runs starts its own list. */
void command_redact_arg(size_t i);
int command_arg_redacted(size_t i);
const char *command_fullname(const struct command *cmd);
/* Counts an error reply against the running command (failed) or its checks (rejected). */
void command_count_error(client *c, const char *msg);
/* An error reply already counted where it arose (a command inside a script): only the
 * running command's failed calls go up, as Redis counts it. */
void command_count_failure(client *c);
/* Counts an error reply that refused cmd (may be NULL) before it ran. */
void command_count_rejected(const struct command *cmd, const char *msg);
void commands_reset_stats(void);
/* Appends INFO's commandstats and errorstats sections. */
void commands_info_stats(buf_t *out);
void commands_info_errorstats(buf_t *out);
long long commands_total_errors(void);

/* Handlers, by the file that holds them. */
/* types/t_string.c */
cmd_handler cmd_lcs, cmd_get, cmd_set, cmd_setnx, cmd_setex, cmd_psetex, cmd_getset, cmd_getdel,
    cmd_getex, cmd_mget, cmd_mset, cmd_msetnx, cmd_append, cmd_strlen, cmd_getrange,
    cmd_setrange, cmd_incr, cmd_decr, cmd_incrby, cmd_decrby, cmd_incrbyfloat;
/* types/t_list.c */
cmd_handler cmd_lpush, cmd_rpush, cmd_lpushx, cmd_rpushx, cmd_lpop, cmd_rpop, cmd_llen,
    cmd_lrange, cmd_lindex, cmd_lset, cmd_lrem, cmd_ltrim, cmd_linsert, cmd_lpos, cmd_rpoplpush,
    cmd_lmove, cmd_lmpop, cmd_blpop, cmd_brpop, cmd_brpoplpush, cmd_blmove, cmd_blmpop;
/* types/t_hash.c */
cmd_handler cmd_hset, cmd_hsetnx, cmd_hget, cmd_hmget, cmd_hmset, cmd_hgetall, cmd_hdel,
    cmd_hexists, cmd_hlen, cmd_hkeys, cmd_hvals, cmd_hstrlen, cmd_hincrby, cmd_hincrbyfloat,
    cmd_hrandfield, cmd_hscan;
/* types/t_set.c */
cmd_handler cmd_sadd, cmd_srem, cmd_smembers, cmd_sismember, cmd_smismember, cmd_scard, cmd_spop,
    cmd_srandmember, cmd_smove, cmd_sinter, cmd_sinterstore, cmd_sunion, cmd_sunionstore, cmd_sdiff,
    cmd_sdiffstore, cmd_sintercard, cmd_sscan;
/* types/t_zset.c */
cmd_handler cmd_zadd, cmd_zincrby, cmd_zrem, cmd_zscore, cmd_zmscore, cmd_zcard, cmd_zcount,
    cmd_zlexcount, cmd_zrank, cmd_zrevrank, cmd_zrange, cmd_zrangestore, cmd_zrevrange,
    cmd_zrangebyscore, cmd_zrevrangebyscore, cmd_zrangebylex, cmd_zrevrangebylex,
    cmd_zremrangebyrank, cmd_zremrangebyscore, cmd_zremrangebylex, cmd_zpopmin, cmd_zpopmax,
    cmd_bzpopmin, cmd_bzpopmax, cmd_zmpop, cmd_bzmpop, cmd_zrandmember, cmd_zunionstore,
    cmd_zinterstore, cmd_zdiffstore, cmd_zunion, cmd_zinter, cmd_zdiff, cmd_zintercard, cmd_zscan;
/* features/pubsub.c */
cmd_handler cmd_subscribe, cmd_unsubscribe, cmd_psubscribe, cmd_punsubscribe, cmd_publish,
    cmd_pubsub_channels, cmd_pubsub_numsub, cmd_pubsub_numpat, cmd_pubsub_help,
    cmd_pubsub_shardchannels, cmd_pubsub_shardnumsub, cmd_ssubscribe, cmd_sunsubscribe, cmd_spublish;
/* features/multi.c */
cmd_handler cmd_multi, cmd_exec, cmd_discard, cmd_watch, cmd_unwatch;
/* keyspace/keys.c */
cmd_handler cmd_del, cmd_exists, cmd_type, cmd_keys, cmd_scan, cmd_randomkey, cmd_rename,
    cmd_renamenx, cmd_touch, cmd_move, cmd_copy, cmd_dbsize, cmd_flushdb, cmd_flushall,
    cmd_swapdb;
cmd_handler cmd_object_encoding, cmd_object_freq, cmd_object_idletime, cmd_object_refcount,
    cmd_object_help;
/* keyspace/expire.c */
cmd_handler cmd_expire, cmd_pexpire, cmd_expireat, cmd_pexpireat, cmd_ttl, cmd_pttl,
    cmd_expiretime, cmd_pexpiretime, cmd_persist;
/* core/conn.c */
cmd_handler cmd_ping, cmd_echo, cmd_quit, cmd_reset, cmd_hello, cmd_auth, cmd_select,
    cmd_client_id, cmd_client_setname, cmd_client_getname, cmd_client_list, cmd_client_info,
    cmd_client_kill, cmd_client_setinfo, cmd_client_no_evict, cmd_client_no_touch, cmd_client_reply,
    cmd_client_help, cmd_client_unblock;
/* features/monitor.c */
cmd_handler cmd_monitor;
/* features/pause.c */
cmd_handler cmd_client_pause, cmd_client_unpause, cmd_client_tracking, cmd_client_caching,
    cmd_client_getredir, cmd_client_trackinginfo;
/* core/info.c */
cmd_handler cmd_info;
/* core/debug.c */
cmd_handler cmd_debug;
/* features/slowlog.c */
cmd_handler cmd_slowlog_get, cmd_slowlog_len, cmd_slowlog_reset, cmd_slowlog_help;
/* core/memory.c */
cmd_handler cmd_memory_usage, cmd_memory_stats, cmd_memory_doctor, cmd_memory_malloc_stats,
    cmd_memory_purge, cmd_memory_help;
/* core/admin.c */
cmd_handler cmd_cluster;
cmd_handler cmd_config_get, cmd_config_set, cmd_config_resetstat,
    cmd_config_rewrite, cmd_config_help, cmd_time, cmd_role, cmd_shutdown;
/* types/t_sort.c */
cmd_handler cmd_sort, cmd_sort_ro;
size_t sort_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap);
size_t sort_ro_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap);
/* types/t_bitops.c */
cmd_handler cmd_setbit, cmd_getbit, cmd_bitcount, cmd_bitpos, cmd_bitop, cmd_bitfield,
    cmd_bitfield_ro;
/* types/t_geo.c */
cmd_handler cmd_geoadd, cmd_geodist, cmd_geohash, cmd_geopos, cmd_georadius, cmd_georadius_ro,
    cmd_georadiusbymember, cmd_georadiusbymember_ro, cmd_geosearch, cmd_geosearchstore;
size_t georadius_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap);
/* types/t_hyperloglog.c */
cmd_handler cmd_pfadd, cmd_pfcount, cmd_pfmerge, cmd_pfdebug, cmd_pfselftest;
/* types/t_stream.c, types/t_stream_groups.c */
cmd_handler cmd_xadd, cmd_xrange, cmd_xrevrange, cmd_xlen, cmd_xdel, cmd_xtrim, cmd_xread,
    cmd_xreadgroup, cmd_xsetid, cmd_xinfo_stream, cmd_xinfo_groups, cmd_xinfo_consumers,
    cmd_xinfo_help, cmd_xgroup_create, cmd_xgroup_setid, cmd_xgroup_destroy,
    cmd_xgroup_createconsumer, cmd_xgroup_delconsumer, cmd_xgroup_help, cmd_xack, cmd_xpending,
    cmd_xclaim, cmd_xautoclaim;
size_t xread_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap);
/* persistence/snapshot.c */
cmd_handler cmd_save, cmd_bgsave, cmd_lastsave, cmd_bgrewriteaof;
/* persistence/dump.c, persistence/migrate.c */
cmd_handler cmd_dump, cmd_restore, cmd_migrate;
/* scripting/scripting.c */
cmd_handler cmd_eval, cmd_evalsha, cmd_eval_ro, cmd_evalsha_ro, cmd_script_exists,
    cmd_script_flush, cmd_script_help, cmd_script_kill, cmd_script_load;
/* scripting/functions.c */
cmd_handler cmd_lolwut, cmd_module_list, cmd_module_load, cmd_module_unload, cmd_module_help;
cmd_handler cmd_latency_doctor, cmd_latency_graph, cmd_latency_help, cmd_latency_histogram,
    cmd_latency_history, cmd_latency_latest, cmd_latency_reset;
cmd_handler cmd_function_delete, cmd_function_dump, cmd_function_flush, cmd_function_help,
    cmd_function_kill, cmd_function_list, cmd_function_load, cmd_function_restore,
    cmd_function_stats, cmd_fcall, cmd_fcall_ro;
/* core/command_info.c */
cmd_handler cmd_command, cmd_command_count, cmd_command_info, cmd_command_docs,
    cmd_command_list, cmd_command_getkeys, cmd_command_getkeysandflags, cmd_command_help;

/* For command_info.c: the table and its size. */
extern struct command command_table[];
extern const size_t command_table_len;
const struct command *command_lookup(const char *name, size_t len);
/* "container|sub" or a plain name, as COMMAND INFO and LATENCY HISTOGRAM name commands. */
const struct command *command_lookup_full_name(const resp_arg *a);

#endif
