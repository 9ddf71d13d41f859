/* DEBUG: the subcommands Redis's own test suite uses to steer a server (sleep, pause the
 * cron, stop active expiry, crash on purpose, log, error replies). Allowed only as
 * enable-debug-command says (the dispatch checks, as Redis does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/commands.h"
#include "core/crash.h"
#include "core/reply.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "persistence/rdb.h"
#include "values/deque.h"

/* The argument as a C string (atoi and strtod read it as Redis does). */
static char *arg_cstr(const resp_arg *a) {
    char *s = mem_alloc(a->len + 1);
    memcpy(s, a->ptr, a->len);
    s[a->len] = '\0';
    return s;
}

static void debug_help(client *c) {
    static const char *const lines[] = {
        "ERROR <string>",
        "    Return a Redis protocol error with <string> as message. Useful for clients",
        "    unit tests to simulate Redis errors.",
        "LOG <message>",
        "    Write <message> to the server log.",
        "OBJECT <key>",
        "    Show low level info about `key` and associated value.",
        "SEGFAULT",
        "    Crash the server with sigsegv.",
        "SET-ACTIVE-EXPIRE <0|1>",
        "    Setting it to 0 disables expiring keys in background when they are not",
        "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
        "    default.",
        "SLEEP <seconds>",
        "    Stop the server for <seconds>. Decimals allowed.",
        "PAUSE-CRON <0|1>",
        "    Stop periodic cron job processing.",
        NULL};
    reply_help(c, "DEBUG", lines);
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
    } else if (c->argc == 3 && (arg_is(sub, "pause-cron") || arg_is(sub, "set-active-expire"))) {
        char *s = arg_cstr(&c->argv[2]);
        int on = atoi(s);
        mem_free(s);
        if (arg_is(sub, "pause-cron")) {
            server.cron_paused = on;
        } else {
            server.active_expire = on;
        }
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(sub, "object")) {
        debug_object(c);
    } else if (c->argc == 3 && arg_is(sub, "log")) {
        char *s = arg_cstr(&c->argv[2]);
        server_log(LL_WARNING, "DEBUG LOG: %s", s);
        mem_free(s);
        reply_ok(c);
    } else if (c->argc == 3 && arg_is(sub, "error")) {
        /* The string is the whole error, its code included (no ERR added). */
        char *s = mem_alloc(c->argv[2].len + 2);
        s[0] = '-';
        memcpy(s + 1, c->argv[2].ptr, c->argv[2].len);
        s[c->argv[2].len + 1] = '\0';
        reply_error(c, s);
        mem_free(s);
    } else {
        reply_errorf(c, "unknown subcommand or wrong number of arguments for '%.*s'. Try DEBUG "
                        "HELP.", (int)(sub->len < 128 ? sub->len : 128), sub->ptr);
    }
}
