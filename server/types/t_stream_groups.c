/* Stream consumer groups: XGROUP, XACK, XPENDING, XCLAIM and XAUTOCLAIM. Deliveries by
 * XREADGROUP are in t_stream.c; the groups, consumers and pending entries in values/stream.c.
 * Checks, errors and replies follow Redis 7.0's t_stream.c in order. */
#include <limits.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/notify.h"
#include "mem.h"
#include "types/t_stream.h"

/* ---- XGROUP ---- */

struct xgroup_ctx {
    entry *e; /* the stream, NULL when absent (CREATE with MKSTREAM) */
    struct stream_group *g;
    int mkstream;
    long long entries_read;
};

/* Redis's checks before any XGROUP subcommand (but HELP) runs: the options from argv[5] on,
 * the key, and the group for those that need one. -1 after replying. */
static int xgroup_prepare(client *c, struct xgroup_ctx *x, int need_group) {
    memset(x, 0, sizeof *x);
    x->entries_read = STREAM_ENTRIES_READ_INVALID;
    int create = arg_is(&c->argv[1], "create"), setid = arg_is(&c->argv[1], "setid");
    for (size_t i = 5; i < c->argc;) {
        if (create && arg_is(&c->argv[i], "mkstream")) {
            x->mkstream = 1;
            i++;
        } else if ((create || setid) && arg_is(&c->argv[i], "entriesread") && i + 1 < c->argc) {
            if (arg_ll(c, &c->argv[i + 1], &x->entries_read) != 0) return -1;
            if (x->entries_read < 0 && x->entries_read != STREAM_ENTRIES_READ_INVALID) {
                reply_error(c, "value for ENTRIESREAD must be positive or -1");
                return -1;
            }
            i += 2;
        } else {
            reply_subcommand_syntax_error(c, "XGROUP");
            return -1;
        }
    }
    const resp_arg *key = &c->argv[2], *name = &c->argv[3];
    x->e = db_lookup_write(c->db, key->ptr, key->len);
    if (stream_not_a_stream(c, x->e)) return -1;
    if (x->mkstream) return 0;
    if (!x->e) {
        reply_error(c, "The XGROUP subcommand requires the key to exist. Note that for CREATE "
                       "you may want to use the MKSTREAM option to create an empty stream "
                       "automatically.");
        return -1;
    }
    x->g = stream_group_find(stream_of(x->e), name->ptr, name->len);
    if (!x->g && need_group) {
        reply_errorf(c, "-NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                     (int)name->len, name->ptr, (int)key->len, key->ptr);
        return -1;
    }
    return 0;
}

void cmd_xgroup_create(client *c) {
    struct xgroup_ctx x;
    if (xgroup_prepare(c, &x, 0) != 0) return;
    if (c->argc > 8) {
        reply_subcommand_syntax_error(c, "XGROUP");
        return;
    }
    stream_id id = {0, 0};
    const resp_arg *idarg = &c->argv[4];
    if (idarg->len == 1 && idarg->ptr[0] == '$') {
        if (x.e) id = stream_of(x.e)->last_id;
    } else if (stream_parse_strict_id(c, idarg, &id) != 0) {
        return;
    }
    const resp_arg *key = &c->argv[2], *name = &c->argv[3];
    if (!x.e) {
        x.e = entry_new_obj(key->ptr, key->len, OBJ_STREAM, stream_new(), -1);
        db_add(c->db, x.e);
    }
    if (stream_group_create(stream_of(x.e), name->ptr, name->len, &id, x.entries_read)) {
        reply_ok(c);
        server.dirty++;
        notify_key_arg(NOTIFY_STREAM, "xgroup-create", c, key);
    } else {
        reply_error(c, "-BUSYGROUP Consumer Group name already exists");
    }
}

void cmd_xgroup_setid(client *c) {
    struct xgroup_ctx x;
    if (xgroup_prepare(c, &x, 1) != 0) return;
    if (c->argc != 5 && c->argc != 7) {
        reply_subcommand_syntax_error(c, "XGROUP");
        return;
    }
    stream_id id;
    const resp_arg *idarg = &c->argv[4];
    if (idarg->len == 1 && idarg->ptr[0] == '$') {
        id = stream_of(x.e)->last_id;
    } else if (stream_parse_id(c, idarg, &id, 0, 0, NULL) != 0) {
        return;
    }
    x.g->last_id = id;
    x.g->entries_read = x.entries_read;
    reply_ok(c);
    server.dirty++;
    notify_key_arg(NOTIFY_STREAM, "xgroup-setid", c, &c->argv[2]);
}

void cmd_xgroup_destroy(client *c) {
    struct xgroup_ctx x;
    if (xgroup_prepare(c, &x, 0) != 0) return;
    if (!x.g) {
        reply_int(c, 0);
        return;
    }
    const resp_arg *key = &c->argv[2];
    stream_group_destroy(stream_of(x.e), c->argv[3].ptr, c->argv[3].len);
    reply_int(c, 1);
    server.dirty++;
    notify_key_arg(NOTIFY_STREAM, "xgroup-destroy", c, key);
    /* Its blocked XREADGROUP readers get -NOGROUP. */
    blocking_signal_key(c->db, key->ptr, key->len);
}

void cmd_xgroup_createconsumer(client *c) {
    struct xgroup_ctx x;
    if (xgroup_prepare(c, &x, 1) != 0) return;
    const resp_arg *name = &c->argv[4];
    if (!stream_consumer_create(x.g, name->ptr, name->len, server.now_ms)) {
        reply_int(c, 0);
        return;
    }
    server.dirty++;
    notify_key_arg(NOTIFY_STREAM, "xgroup-createconsumer", c, &c->argv[2]);
    reply_int(c, 1);
}

void cmd_xgroup_delconsumer(client *c) {
    struct xgroup_ctx x;
    if (xgroup_prepare(c, &x, 1) != 0) return;
    const resp_arg *name = &c->argv[4];
    struct stream_consumer *consumer = stream_consumer_find(x.g, name->ptr, name->len);
    long long pending = 0;
    if (consumer) {
        pending = (long long)stream_consumer_delete(x.g, consumer);
        server.dirty++;
        notify_key_arg(NOTIFY_STREAM, "xgroup-delconsumer", c, &c->argv[2]);
    }
    reply_int(c, pending);
}

void cmd_xgroup_help(client *c) {
    static const char *const help[] = {
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
        NULL,
    };
    reply_help(c, "XGROUP", help);
}

/* ---- XACK ---- */

/* Takes a pending entry out of both lists and frees it; 1 when it was pending. */
static int forget_pending(struct stream_group *g, const stream_id *id) {
    struct stream_nack *nack = idx_remove(&g->pel, id);
    if (!nack) return 0;
    if (nack->consumer) idx_remove(&nack->consumer->pel, id);
    mem_free(nack);
    return 1;
}

void cmd_xack(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (stream_not_a_stream(c, e)) return;
    struct stream_group *g =
        e ? stream_group_find(stream_of(e), c->argv[2].ptr, c->argv[2].len) : NULL;
    if (!g) {
        reply_int(c, 0);
        return;
    }
    /* All IDs are checked first: the reply cannot be an error once some were acknowledged. */
    size_t nids = c->argc - 3;
    struct stream_ids list;
    if (stream_parse_ids(c, &c->argv[3], nids, &list) != 0) return;
    long long acked = 0;
    for (size_t j = 0; j < nids; j++)
        acked += forget_pending(g, &list.ids[j]);
    server.dirty += acked;
    stream_ids_free(&list);
    reply_int(c, acked);
}

/* ---- XPENDING ---- */

/* The group named by argv[2] of the stream at argv[1]; NULL after replying why not. */
static struct stream_group *group_or_nogroup(client *c, entry **stream_entry) {
    const resp_arg *key = &c->argv[1], *name = &c->argv[2];
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    if (stream_not_a_stream(c, e)) return NULL;
    struct stream_group *g = e ? stream_group_find(stream_of(e), name->ptr, name->len) : NULL;
    if (!g) {
        reply_errorf(c, "-NOGROUP No such key '%.*s' or consumer group '%.*s'", (int)key->len,
                     key->ptr, (int)name->len, name->ptr);
        return NULL;
    }
    *stream_entry = e;
    return g;
}

static void xpending_summary(client *c, struct stream_group *g) {
    reply_array(c, 4);
    reply_int(c, (long long)idx_size(&g->pel));
    if (idx_size(&g->pel) == 0) {
        reply_nil(c);
        reply_nil(c);
        reply_nil_array(c);
        return;
    }
    idx_iter it;
    stream_id first, last;
    idx_seek(&it, &g->pel, NULL);
    idx_next(&it, &first, NULL);
    idx_last(&g->pel, &last, NULL);
    reply_stream_id(c, &first);
    reply_stream_id(c, &last);
    size_t at = reply_defer(c);
    long long n = 0;
    for (size_t k = 0; k < g->nconsumers; k++) {
        const struct stream_consumer *consumer = g->consumers[k];
        if (idx_size(&consumer->pel) == 0) continue;
        reply_array(c, 2);
        reply_bulk(c, consumer->name, consumer->namelen);
        reply_bulk_ll(c, (long long)idx_size(&consumer->pel));
        n++;
    }
    reply_deferred_array(c, at, n);
}

void cmd_xpending(client *c) {
    int summary = c->argc == 3;
    if (!summary && (c->argc < 6 || c->argc > 9)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    stream_id start = {0, 0}, end = {0, 0};
    long long count = 0, min_idle = 0;
    const resp_arg *consumer_name = NULL;
    if (!summary) {
        size_t at = 3;
        if (arg_is(&c->argv[3], "idle")) {
            if (arg_ll(c, &c->argv[4], &min_idle) != 0) return;
            if (c->argc < 8) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            at += 2;
        }
        if (arg_ll(c, &c->argv[at + 2], &count) != 0) return;
        if (count < 0) count = 0;
        if (stream_parse_range_bound(c, &c->argv[at], &start, 1) != 0) return;
        if (stream_parse_range_bound(c, &c->argv[at + 1], &end, 0) != 0) return;
        if (at + 3 < c->argc) consumer_name = &c->argv[at + 3];
    }
    entry *e;
    struct stream_group *g = group_or_nogroup(c, &e);
    if (!g) return;
    if (summary) {
        xpending_summary(c, g);
        return;
    }
    const id_index *pel = &g->pel;
    if (consumer_name) {
        struct stream_consumer *consumer =
            stream_consumer_find(g, consumer_name->ptr, consumer_name->len);
        if (!consumer) {
            reply_array(c, 0);
            return;
        }
        pel = &consumer->pel;
    }
    long long now = server.now_ms, n = 0;
    size_t at = reply_defer(c);
    idx_iter it;
    stream_id id;
    void *val;
    idx_seek(&it, pel, &start);
    while (count && idx_next(&it, &id, &val) && stream_id_cmp(&id, &end) <= 0) {
        const struct stream_nack *nack = val;
        long long idle = stream_elapsed(now, nack->delivery_time);
        if (min_idle && idle < min_idle) continue;
        n++;
        count--;
        reply_array(c, 4);
        reply_stream_id(c, &id);
        reply_bulk(c, nack->consumer->name, nack->consumer->namelen);
        reply_int(c, idle < 0 ? 0 : idle);
        reply_int(c, (long long)nack->delivery_count);
    }
    reply_deferred_array(c, at, n);
}

/* ---- XCLAIM, XAUTOCLAIM ---- */

/* The pending entry now belongs to consumer, delivered at delivery_time. */
static void hand_over(struct stream_nack *nack, struct stream_consumer *consumer,
                      const stream_id *id) {
    if (nack->consumer == consumer) return;
    if (nack->consumer) idx_remove(&nack->consumer->pel, id);
    idx_insert(&consumer->pel, id, nack);
    nack->consumer = consumer;
}

struct xclaim_opts {
    long long delivery_time; /* -1: now */
    long long retry_count;   /* -1: not given */
    int force, justid;
    stream_id last_id;
};

/* The options after the IDs, from argv[j]. -1 after replying. */
static int parse_xclaim_opts(client *c, size_t j, long long now, struct xclaim_opts *o) {
    for (; j < c->argc; j++) {
        size_t more = c->argc - 1 - j;
        const resp_arg *opt = &c->argv[j];
        if (arg_is(opt, "force")) {
            o->force = 1;
        } else if (arg_is(opt, "justid")) {
            o->justid = 1;
        } else if (arg_is(opt, "idle") && more) {
            long long idle;
            if (arg_ll_msg(c, &c->argv[++j], &idle, "Invalid IDLE option argument for XCLAIM"))
                return -1;
            o->delivery_time = stream_elapsed(now, idle);
        } else if (arg_is(opt, "time") && more) {
            if (arg_ll_msg(c, &c->argv[++j], &o->delivery_time,
                           "Invalid TIME option argument for XCLAIM"))
                return -1;
        } else if (arg_is(opt, "retrycount") && more) {
            if (arg_ll_msg(c, &c->argv[++j], &o->retry_count,
                           "Invalid RETRYCOUNT option argument for XCLAIM"))
                return -1;
        } else if (arg_is(opt, "lastid") && more) {
            if (stream_parse_strict_id(c, &c->argv[++j], &o->last_id) != 0) return -1;
        } else {
            reply_errorf(c, "Unrecognized XCLAIM option '%.*s'", (int)opt->len, opt->ptr);
            return -1;
        }
    }
    return 0;
}

void cmd_xclaim(client *c) {
    entry *e;
    struct stream_group *g = group_or_nogroup(c, &e);
    if (!g) return;
    long long min_idle;
    if (arg_ll_msg(c, &c->argv[4], &min_idle, "Invalid min-idle-time argument for XCLAIM"))
        return;
    if (min_idle < 0) min_idle = 0;
    /* The IDs run up to the first argument that is not one; the options follow. */
    size_t nids = 0;
    struct stream_ids list;
    stream_ids_init(&list, c->argc - 5);
    stream_id *ids = list.ids;
    while (5 + nids < c->argc && stream_parse_strict_id(NULL, &c->argv[5 + nids], &ids[nids]) == 0)
        nids++;
    long long now = server.now_ms;
    struct xclaim_opts o = {-1, -1, 0, 0, {0, 0}};
    if (parse_xclaim_opts(c, 5 + nids, now, &o) != 0) {
        stream_ids_free(&list);
        return;
    }
    int moved_last_id = 0;
    if (stream_id_cmp(&o.last_id, &g->last_id) > 0) {
        g->last_id = o.last_id;
        moved_last_id = 1;
    }
    if (o.delivery_time == -1 || o.delivery_time < 0 || o.delivery_time > now)
        o.delivery_time = now;
    stream *s = stream_of(e);
    struct stream_consumer *consumer = NULL;
    size_t at = reply_defer(c);
    long long n = 0;
    for (size_t k = 0; k < nids; k++) {
        const stream_id *id = &ids[k];
        struct stream_nack *nack = idx_find(&g->pel, id);
        if (!stream_entry_exists(s, id)) {
            /* Gone from the stream: it is not pending any more either (an XCLAIM of the gone
             * entry does the same on replay). */
            if (nack) {
                stream_effect_xclaim(c, &c->argv[1], g, &c->argv[2], &c->argv[5 + k], nack);
                forget_pending(g, id);
                moved_last_id = 0;
                server.dirty++;
            }
            continue;
        }
        if (o.force && !nack) {
            nack = stream_nack_new(NULL, now);
            idx_insert(&g->pel, id, nack);
        }
        if (!nack) continue;
        if (nack->consumer && min_idle && stream_elapsed(now, nack->delivery_time) < min_idle)
            continue;
        if (!consumer) consumer = stream_consumer_get(c, &c->argv[1], g, &c->argv[3]);
        nack->delivery_time = o.delivery_time;
        if (o.retry_count >= 0) {
            nack->delivery_count = (uint64_t)o.retry_count;
        } else if (!o.justid) {
            nack->delivery_count++;
        }
        hand_over(nack, consumer, id);
        if (o.justid) {
            reply_stream_id(c, id);
        } else {
            reply_stream_entry(c, s, id);
        }
        n++;
        moved_last_id = 0;
        server.dirty++;
        stream_effect_xclaim(c, &c->argv[1], g, &c->argv[2], &c->argv[5 + k], nack);
    }
    if (moved_last_id) {
        server.dirty++;
        stream_effect_group_id(c, &c->argv[1], g, &c->argv[2]);
    }
    effects_prevent(); /* what it did went out as the XCLAIM and XGROUP SETID above */
    reply_deferred_array(c, at, n);
    stream_ids_free(&list);
}

void cmd_xautoclaim(client *c) {
    long long min_idle;
    if (arg_ll_msg(c, &c->argv[4], &min_idle, "Invalid min-idle-time argument for XAUTOCLAIM"))
        return;
    if (min_idle < 0) min_idle = 0;
    stream_id start;
    if (stream_parse_range_bound(c, &c->argv[5], &start, 1) != 0) return;
    /* COUNT's ceiling keeps count * 10 attempts (and Redis's buffer) from overflowing. */
    long long count = 100;
    int justid = 0;
    for (size_t j = 6; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_range(c, &c->argv[j + 1], 1, LONG_MAX / 16, &count, "COUNT must be > 0"))
                return;
            j++;
        } else if (arg_is(&c->argv[j], "justid")) {
            justid = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    entry *e;
    struct stream_group *g = group_or_nogroup(c, &e);
    if (!g) return;
    stream *s = stream_of(e);
    struct stream_consumer *consumer = NULL;
    long long attempts = count * 10, now = server.now_ms;
    stream_id *deleted = NULL;
    size_t ndeleted = 0, deleted_cap = 0;
    reply_array(c, 3);
    size_t next_at = reply_defer(c);
    size_t at = reply_defer(c);
    long long n = 0;
    idx_iter it;
    stream_id id;
    void *val;
    idx_seek(&it, &g->pel, &start);
    while (attempts-- && count && idx_next(&it, &id, &val)) {
        struct stream_nack *nack = val;
        char text[STREAM_ID_TEXT];
        resp_arg id_arg = {text, stream_format_id(text, &id)};
        if (!stream_entry_exists(s, &id)) {
            stream_effect_xclaim(c, &c->argv[1], g, &c->argv[2], &id_arg, nack);
            forget_pending(g, &id);
            if (ndeleted == deleted_cap) {
                deleted_cap = deleted_cap ? deleted_cap * 2 : 16;
                deleted = mem_realloc(deleted, deleted_cap * sizeof *deleted);
            }
            deleted[ndeleted++] = id;
            idx_seek(&it, &g->pel, &id);
            count--;
            server.dirty++;
            continue;
        }
        if (min_idle && stream_elapsed(now, nack->delivery_time) < min_idle) continue;
        if (!consumer) consumer = stream_consumer_get(c, &c->argv[1], g, &c->argv[3]);
        nack->delivery_time = now;
        if (!justid) nack->delivery_count++;
        hand_over(nack, consumer, &id);
        if (justid) {
            reply_stream_id(c, &id);
        } else {
            reply_stream_entry(c, s, &id);
        }
        n++;
        count--;
        server.dirty++;
        stream_effect_xclaim(c, &c->argv[1], g, &c->argv[2], &id_arg, nack);
    }
    effects_prevent(); /* what it did went out as the XCLAIMs above */
    stream_id next = {0, 0};
    idx_next(&it, &next, NULL);
    reply_deferred_array(c, at, n);
    char text[STREAM_ID_TEXT];
    reply_deferred_bulk(c, next_at, text, stream_format_id(text, &next));
    reply_array(c, (long long)ndeleted);
    for (size_t k = 0; k < ndeleted; k++)
        reply_stream_id(c, &deleted[k]);
    mem_free(deleted);
}
