/* DEBUG: the subcommands Redis's own test suite uses to steer a server (sleep, pause the
 * cron, stop active expiry, crash on purpose, log, error replies). Allowed only as
 * enable-debug-command says (the dispatch checks, as Redis does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/commands.h"
#include "core/crash.h"
#include "core/info.h"
#include "core/reply.h"
#include "keyspace/db.h"
#include "keyspace/digest.h"
#include "keyspace/evict.h"
#include "glob.h"
#include "mem.h"
#include "persistence/rdb.h"
#include "persistence/aof.h"
#include "persistence/snapshot.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/zset_value.h"

/* The argument as a C string (atoi and strtod read it as Redis does). */
static char *arg_cstr(const resp_arg *a) {
    char *s = mem_alloc(a->len + 1);
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';
    return s;
}

static void debug_help(client *c) {
    static const char *const lines[] = {
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "CHANGE-REPL-ID",
        "    Change the replication IDs of the instance.",
        "    Dangerous: should be used only for testing the replication subsystem.",
        "DIGEST",
        "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LISTPACK <key>",
        "    Show low level info about the listpack encoding of <key>.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "LOADAOF",
        "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys not belonging to the",
        "    current node can be created in cluster mode.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
        "    * MERGE: conflicting keys will be loaded from RDB.",
        "    * NOFLUSH: the existing database will not be removed before load, but",
        "      conflicting keys will generate an exception and kill the server.",
        "    * NOSAVE: the database will be loaded from an existing RDB file.",
        "    Examples:",
        "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
        "      the database.",
        "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
        "      existing RDB file.",
        "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
        "      file to the database.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
        "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "STRINGMATCH-TEST",
        "    Run a fuzz tester against the stringmatchlen() function.",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        NULL};
    reply_help(c, "DEBUG", lines);
}

/* Redis's stringmatchlen_fuzz_test: ten million random patterns against random strings,
 * which must neither crash nor hang the matcher; the count of matches goes to stdout. */
static void stringmatch_test(void) {
    char str[32], pat[32];
    long long matches = 0;
    for (int cycles = 10000000; cycles > 0; cycles--) {
        size_t slen = (size_t)(rand() % (int)sizeof str), plen = (size_t)(rand() % (int)sizeof pat);
        for (size_t j = 0; j < slen; j++) str[j] = (char)(rand() % 128);
        for (size_t j = 0; j < plen; j++) pat[j] = (char)(rand() % 128);
        matches += glob_match(pat, plen, str, slen, 0);
    }
    printf("%lld\n", matches);
    fflush(stdout);
}

/* DEBUG LISTPACK: the packed elements of a small hash or sorted set, on stdout. */
static void debug_listpack(client *c) {
    entry *e = db_lookup(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    if (strcmp(entry_encoding_name(e), "listpack") != 0) {
        reply_error(c, "Not a listpack encoded object.");
        return;
    }
    const packlist *pl = e->type == OBJ_ZSET ? ((zset_value *)entry_obj(e))->pl : ((hash_value *)entry_obj(e))->pl;
    printf("{total bytes %zu} {num entries %u}\n{\n", pl_bytes(pl), pl->count);
    size_t index = 0;
    for (size_t off = 0; off < pl->used; off = pl_next(pl, off), index++) {
        size_t len;
        const char *s = pl_get(pl, off, &len);
        printf("\tindex: %zu, offset: %zu, bytes: %zu\n\t[str]%.*s\n", index, off, len, (int)len, s);
    }
    printf("}\n{end}\n\n");
    fflush(stdout);
    reply_status(c, "Listpack structure printed on stdout");
}

/* DEBUG OBJECT: Redis's line about a value; serializedlength is its size in an RDB file. The
 * ql_ fields describe rill's list chunks where Redis has its quicklist nodes; chunks are
 * never compressed and have no listpack size limit, so ql_listpack_max is left out. */
static void debug_object(client *c) {
    entry *e = db_lookup(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    rdb_writer w;
    rdb_writer_init(&w, -1, server.cfg.rdbcompression);
    rdb_save_value(&w, e);
    size_t serialized = w.len - 1; /* without the type byte */
    rdb_writer_abort(&w);
    char extra[200] = "";
    if (e->type == OBJ_LIST) {
        deque *l = entry_obj(e);
        snprintf(extra, sizeof extra,
                 " ql_nodes:%zu ql_avg_node:%.2f ql_compressed:0 ql_uncompressed_size:%zu",
                 l->nchunks, l->nchunks ? (double)l->count / (double)l->nchunks : 0.0,
                 deque_bytes(l));
    }
    char line[400];
    snprintf(line, sizeof line,
             "Value at:%p refcount:%d encoding:%s serializedlength:%zu lru:%u lru_seconds_idle:%lld%s",
             (void *)e, entry_refcount(e), entry_encoding_name(e), serialized, e->lru & 0xffffff,
             evict_idle_seconds(e), extra);
    reply_status(c, line);
}

static void reply_digest(client *c, const unsigned char digest[20]) {
    char hex[41];
    for (int i = 0; i < 20; i++) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    reply_status(c, hex);
}

/* DEBUG DIGEST-VALUE key...: expired keys count too (no lookup deletes them). */
static void debug_digest_value(client *c) {
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) {
        unsigned char digest[20] = {0};
        entry *e = (entry *)dict_find(&c->db->keys, c->argv[i].ptr, c->argv[i].len);
        if (e) digest_value(e, digest);
        reply_digest(c, digest);
    }
}

/* DEBUG POPULATE count [prefix] [size]: keys prefix:N (key:N) holding value:N, cut or padded
 * with zero bytes to size; keys already there are left alone. */
static void debug_populate(client *c) {
    long long count, size = 0;
    if (arg_positive(c, &c->argv[2], &count, NULL) != 0) return;
    if (c->argc == 5 && arg_positive(c, &c->argv[4], &size, NULL) != 0) return;
    if (size > server.cfg.proto_max_bulk_len) {
        reply_error(c, ERR_STRING_TOO_BIG);
        return;
    }
    char prefix[128] = "key";
    if (c->argc >= 4) snprintf(prefix, sizeof prefix, "%.*s", (int)c->argv[3].len, c->argv[3].ptr);
    for (long long j = 0; j < count; j++) {
        char key[128], value[64];
        int klen = snprintf(key, sizeof key, "%s:%lld", prefix, j);
        size_t kl = klen < (int)sizeof key ? (size_t)klen : sizeof key - 1;
        if (db_lookup_write(c->db, key, kl)) continue;
        size_t vlen = (size_t)snprintf(value, sizeof value, "value:%lld", j);
        entry *e;
        if (size == 0) {
            e = entry_new_raw(key, kl, value, vlen, -1);
        } else {
            e = entry_new_raw(key, kl, NULL, (size_t)size, -1);
            memset(entry_value(e), 0, (size_t)size);
            memcpy(entry_value(e), value, vlen < (size_t)size ? vlen : (size_t)size);
        }
        db_add(c->db, e);
    }
    reply_ok(c);
}

/* DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE] */
static void debug_reload(client *c) {
    int save = 1, flush = 1, merge = 0;
    for (size_t i = 2; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "merge")) {
            merge = 1;
        } else if (arg_is(&c->argv[i], "noflush")) {
            flush = 0;
        } else if (arg_is(&c->argv[i], "nosave")) {
            save = 0;
        } else {
            reply_error(c, "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    int rc = snapshot_debug_reload(save, flush, merge);
    if (rc == -1) {
        reply_error(c, "-ERR");
    } else if (rc == -2) {
        reply_error(c, "Error trying to load the RDB dump, check server logs.");
    } else {
        reply_ok(c);
    }
}

/* CONFIG REWRITE writing every setting, defaults too. */
static void debug_config_rewrite_force_all(client *c) {
    if (!server.config_file) {
        reply_error(c, "The server is running without a config file");
        return;
    }
    buf_t err;
    buf_init(&err);
    if (config_rewrite(server.config_file, 1, &err) == 0)
        reply_ok(c);
    else
        reply_errorf(c, "CONFIG-REWRITE-FORCE-ALL failed: %.*s", (int)err.len, err.data);
    buf_free(&err);
}

void cmd_debug(client *c) {
    const resp_arg *sub = &c->argv[1];
    if (c->argc == 2 && arg_is(sub, "help")) {
        debug_help(c);
    } else if (c->argc == 2 && arg_is(sub, "segfault")) {
        crash_segfault();
    } else if (c->argc == 3 && arg_is(sub, "sleep")) {
        char *s = arg_cstr(&c->argv[2]);
        double seconds = strtod(s, NULL);
        mem_free(s);
        /* Bounded before the conversion (a huge or NaN double has no long long). */
        long long usec = seconds > 0 ? (long long)(seconds < 1e12 ? seconds * 1e6 : 1e18) : 0;
        struct timespec ts = {usec / 1000000, (usec % 1000000) * 1000};
        if (usec > 0) nanosleep(&ts, NULL);
        reply_ok(c);
    } else if (c->argc == 3 && (arg_is(sub, "pause-cron") || arg_is(sub, "set-active-expire") ||
                                arg_is(sub, "set-skip-checksum-validation"))) {
        char *s = arg_cstr(&c->argv[2]);
        int on = atoi(s);
        mem_free(s);
        if (arg_is(sub, "pause-cron")) {
            server.cron_paused = on;
        } else if (arg_is(sub, "set-active-expire")) {
            server.active_expire = on;
        } else {
            server.skip_checksum_validation = on;
        }
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(sub, "object")) {
        debug_object(c);
    } else if (c->argc == 2 && arg_is(sub, "digest")) {
        unsigned char digest[20];
        digest_dataset(digest);
        reply_digest(c, digest);
    } else if (arg_is(sub, "digest-value")) {
        debug_digest_value(c);
    } else if (server.loading && (arg_is(sub, "populate") || arg_is(sub, "reload"))) {
        reply_error(c, ERR_LOADING); /* the keyspace belongs to the loader until it is done */
    } else if (c->argc >= 3 && c->argc <= 5 && arg_is(sub, "populate")) {
        debug_populate(c);
    } else if (arg_is(sub, "reload")) {
        debug_reload(c);
    } else if (c->argc == 2 && arg_is(sub, "loadaof")) {
        /* As Redis: a file that cannot be loaded again ends the server. */
        if (aof_debug_reload() != 0) exit(1);
        server.dirty = 0;
        server_log(LL_WARNING, "Append Only File loaded by DEBUG LOADAOF");
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(sub, "aof-flush-sleep")) {
        char *s = arg_cstr(&c->argv[2]);
        aof_set_flush_sleep(atoi(s));
        mem_free(s);
        reply_ok(c);
    } else if (c->argc == 2 && arg_is(sub, "config-rewrite-force-all")) {
        debug_config_rewrite_force_all(c);
    } else if (c->argc == 3 && arg_is(sub, "log")) {
        char *s = arg_cstr(&c->argv[2]);
        server_log(LL_WARNING, "DEBUG LOG: %s", s);
        mem_free(s);
        reply_ok(c);
    } else if (c->argc == 2 && arg_is(sub, "change-repl-id")) {
        server_log(LL_WARNING, "Changing replication IDs after receiving DEBUG change-repl-id");
        info_change_replid();
        reply_ok(c);
    } else if (c->argc == 2 && arg_is(sub, "stringmatch-test")) {
        stringmatch_test();
        reply_status(c, "Apparently Redis did not crash: test passed");
    } else if (c->argc == 3 && arg_is(sub, "listpack")) {
        debug_listpack(c);
    } else if (c->argc == 3 && arg_is(sub, "error")) {
        /* The string is the whole error, its code included (no ERR added). */
        char *s = mem_alloc(c->argv[2].len + 2);
        s[0] = '-';
        memcpy(s + 1, c->argv[2].ptr, c->argv[2].len);
        s[c->argv[2].len + 1] = '\0';
        reply_error(c, s);
        mem_free(s);
    } else {
        reply_subcommand_syntax_error(c, "DEBUG");
    }
}
