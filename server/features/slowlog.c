#include "features/slowlog.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include "core/commands.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "mem.h"

#define MAX_ARGS 32    /* Redis's SLOWLOG_ENTRY_MAX_ARGC */
#define MAX_STRING 128 /* Redis's SLOWLOG_ENTRY_MAX_STRING */

struct slowlog_entry {
    struct slowlog_entry *next, *prev;
    long long id, time, duration;
    size_t argc;
    buf_t *argv;
    char *peer, *name;
};

static struct {
    struct slowlog_entry *newest, *oldest;
    size_t len;
    long long next_id;
} slow;

static void entry_free(struct slowlog_entry *e) {
    for (size_t i = 0; i < e->argc; i++) buf_free(&e->argv[i]);
    mem_free(e->argv);
    mem_free(e->peer);
    mem_free(e->name);
    mem_free(e);
}

static void drop_oldest(void) {
    struct slowlog_entry *e = slow.oldest;
    slow.oldest = e->prev;
    if (slow.oldest)
        slow.oldest->next = NULL;
    else
        slow.newest = NULL;
    slow.len--;
    entry_free(e);
}

static struct slowlog_entry *entry_new(client *c, long long duration) {
    struct slowlog_entry *e = mem_calloc(1, sizeof *e);
    e->argc = c->argc > MAX_ARGS ? MAX_ARGS : c->argc;
    e->argv = mem_calloc(e->argc, sizeof *e->argv);
    for (size_t i = 0; i < e->argc; i++) {
        buf_t *a = &e->argv[i];
        const resp_arg *arg = &c->argv[i];
        if (e->argc != c->argc && i == e->argc - 1) {
            /* The last slot tells how many arguments were left out. */
            buf_printf(a, "... (%zu more arguments)", c->argc - e->argc + 1);
        } else if (command_arg_redacted(i)) {
            buf_append_str(a, "(redacted)");
        } else if (arg->len > MAX_STRING) {
            buf_append(a, arg->ptr, MAX_STRING);
            buf_printf(a, "... (%zu more bytes)", arg->len - MAX_STRING);
        } else {
            buf_append(a, arg->ptr, arg->len);
        }
    }
    e->id = slow.next_id++;
    e->time = (long long)time(NULL);
    e->duration = duration;
    e->peer = mem_strdup(c->addr[0] ? c->addr : "?:0"); /* a script's client: Redis's "?:0" */
    e->name = mem_strdup(c->name ? c->name : "");
    return e;
}

void slowlog_record(client *c, const struct command *cmd, long long duration_us) {
    long long threshold = server.cfg.slowlog_log_slower_than;
    if (threshold < 0 || blocking_is_waiting(c) || (cmd->flags & CMD_SKIP_SLOWLOG)) return;
    if (duration_us >= threshold) {
        struct slowlog_entry *e = entry_new(c, duration_us);
        e->next = slow.newest;
        if (slow.newest) slow.newest->prev = e;
        slow.newest = e;
        if (!slow.oldest) slow.oldest = e;
        slow.len++;
    }
    while (slow.len > (size_t)server.cfg.slowlog_max_len) drop_oldest();
}

/* ---- SLOWLOG ---- */

void cmd_slowlog_get(client *c) {
    long long count = 10;
    if (c->argc == 3 && arg_range(c, &c->argv[2], -1, LLONG_MAX, &count,
                                  "count should be greater than or equal to -1") != 0)
        return;
    if (count == -1 || (unsigned long long)count > slow.len) count = (long long)slow.len;
    reply_array(c, count);
    struct slowlog_entry *e = slow.newest;
    for (long long n = 0; n < count; n++, e = e->next) {
        reply_array(c, 6);
        reply_int(c, e->id);
        reply_int(c, e->time);
        reply_int(c, e->duration);
        reply_array(c, (long long)e->argc);
        for (size_t i = 0; i < e->argc; i++)
            reply_bulk(c, e->argv[i].data ? e->argv[i].data : "", e->argv[i].len);
        reply_bulk_cstr(c, e->peer);
        reply_bulk_cstr(c, e->name);
    }
}

void cmd_slowlog_len(client *c) { reply_int(c, (long long)slow.len); }

void cmd_slowlog_reset(client *c) {
    while (slow.len) drop_oldest();
    reply_ok(c);
}

void cmd_slowlog_help(client *c) {
    static const char *const lines[] = {
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        NULL};
    reply_help(c, "SLOWLOG", lines);
}
