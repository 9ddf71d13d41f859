/* Streams: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XREAD and XREADGROUP (blocking
 * included), XSETID and XINFO. The value is values/stream.c; consumer groups' own commands are
 * in t_stream_groups.c. Checks, errors and replies follow Redis 7.0's t_stream.c in order. */
#include "types/t_stream.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/notify.h"
#include "mem.h"
#include "numconv.h"

/* Times (new IDs, deliveries, consumers' last activity) are the running command's start, as
 * Redis 7.2 takes them: within one command or script they do not move. */

/* Entries an XREAD or XREADGROUP that blocked without COUNT gets at most, as in Redis. */
#define XREAD_BLOCKED_DEFAULT_COUNT 1000

int stream_not_a_stream(client *c, entry *e) {
    if (e && e->type != OBJ_STREAM) {
        reply_error(c, ERR_WRONGTYPE);
        return 1;
    }
    return 0;
}

/* ---- IDs ---- */

/* Redis's string2ull: a strict decimal, or else whatever strtoull takes whole ("+5", " 5",
 * and values past LLONG_MAX). */
static int parse_ull(const char *s, unsigned long long *v) {
    long long ll;
    if (str_to_ll(s, strlen(s), &ll) == 0) {
        if (ll < 0) return 0;
        *v = (unsigned long long)ll;
        return 1;
    }
    errno = 0;
    char *end = NULL;
    *v = strtoull(s, &end, 10);
    return !(errno == EINVAL || errno == ERANGE || !(*s != '\0' && *end == '\0'));
}

int stream_parse_id(client *c, const resp_arg *a, stream_id *id, uint64_t missing_seq,
                    int strict, int *seq_given) {
    char buf[128];
    if (a->len > sizeof buf - 1) goto invalid;
    /* As in Redis the text ends at its first NUL. */
    memcpy(buf, a->ptr, a->len);
    buf[a->len] = '\0';
    if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') goto invalid;
    if (seq_given) *seq_given = 1;
    if (buf[0] == '-' && buf[1] == '\0') {
        id->ms = id->seq = 0;
        return 0;
    }
    if (buf[0] == '+' && buf[1] == '\0') {
        id->ms = id->seq = UINT64_MAX;
        return 0;
    }
    unsigned long long ms, seq;
    char *dash = strchr(buf, '-');
    if (dash) *dash = '\0';
    if (!parse_ull(buf, &ms)) goto invalid;
    if (dash) {
        if (seq_given && dash[1] == '*' && dash[2] == '\0') {
            seq = 0;
            *seq_given = 0;
        } else if (!parse_ull(dash + 1, &seq)) {
            goto invalid;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return 0;
invalid:
    if (c) reply_error(c, "Invalid stream ID specified as stream command argument");
    return -1;
}

void stream_ids_init(struct stream_ids *l, size_t n) {
    l->ids = n <= STREAM_IDS_LOCAL ? l->local : mem_alloc(n * sizeof *l->ids);
}

void stream_ids_free(struct stream_ids *l) {
    if (l->ids != l->local) mem_free(l->ids);
}

int stream_parse_ids(client *c, const resp_arg *a, size_t n, struct stream_ids *l) {
    stream_ids_init(l, n);
    for (size_t j = 0; j < n; j++) {
        if (stream_parse_strict_id(c, &a[j], &l->ids[j]) != 0) {
            stream_ids_free(l);
            return -1;
        }
    }
    return 0;
}

int stream_parse_range_bound(client *c, const resp_arg *a, stream_id *id, int start) {
    uint64_t missing_seq = start ? 0 : UINT64_MAX;
    if (a->len > 1 && a->ptr[0] == '(') {
        resp_arg rest = {a->ptr + 1, a->len - 1};
        if (stream_parse_id(c, &rest, id, missing_seq, 1, NULL) != 0) return -1;
        if ((start ? stream_id_incr(id) : stream_id_decr(id)) != 0) {
            reply_error(c, start ? "invalid start ID for the interval"
                                 : "invalid end ID for the interval");
            return -1;
        }
        return 0;
    }
    return stream_parse_id(c, a, id, missing_seq, 0, NULL);
}

size_t stream_format_id(char *out, const stream_id *id) {
    size_t n = ull_to_str(out, id->ms);
    out[n++] = '-';
    return n + ull_to_str(out + n, id->seq);
}

void reply_stream_id(client *c, const stream_id *id) {
    char text[STREAM_ID_TEXT];
    reply_bulk(c, text, stream_format_id(text, id));
}

/* ---- Replying with entries ---- */

struct stream_consumer *stream_consumer_get(client *c, const resp_arg *key,
                                            struct stream_group *g, const resp_arg *name) {
    long long now = server.now_ms;
    struct stream_consumer *consumer = stream_consumer_find(g, name->ptr, name->len);
    if (consumer) {
        consumer->seen_time = now;
        return consumer;
    }
    consumer = stream_consumer_create(g, name->ptr, name->len, now);
    server.dirty++;
    notify_key_arg(NOTIFY_STREAM, "xgroup-createconsumer", c, key);
    return consumer;
}

/* The entry is pending for consumer now: a new pending entry, or one taken over from whoever
 * had it (XGROUP SETID can make a group deliver an entry twice). */
static struct stream_nack *make_pending(struct stream_group *g, struct stream_consumer *consumer,
                                        const stream_id *id) {
    long long now = server.now_ms;
    struct stream_nack *nack = idx_find(&g->pel, id);
    if (!nack) {
        nack = stream_nack_new(consumer, now);
        idx_insert(&g->pel, id, nack);
        idx_insert(&consumer->pel, id, nack);
        return nack;
    }
    if (nack->consumer) idx_remove(&nack->consumer->pel, id);
    nack->consumer = consumer;
    nack->delivery_time = now;
    nack->delivery_count = 1;
    idx_insert(&consumer->pel, id, nack);
    return nack;
}

/* A consumer's history: its pending entries from start on, each delivered again (an entry
 * deleted since is its ID with a nil). */
static size_t reply_history(client *c, stream *s, const stream_id *start, size_t count,
                            struct stream_consumer *consumer) {
    size_t at = reply_defer(c), n = 0;
    idx_iter it;
    stream_id id;
    void *val;
    idx_seek(&it, &consumer->pel, start);
    while ((!count || n < count) && idx_next(&it, &id, &val)) {
        if (!reply_stream_entry(c, s, &id)) {
            reply_array(c, 2);
            reply_stream_id(c, &id);
            reply_nil_array(c);
        } else {
            struct stream_nack *nack = val;
            nack->delivery_time = server.now_ms;
            nack->delivery_count++;
        }
        n++;
    }
    reply_deferred_array(c, at, (long long)n);
    return n;
}

void stream_effect_xclaim(client *c, const resp_arg *key, const struct stream_group *g,
                          const resp_arg *group, const resp_arg *id, const struct stream_nack *nack) {
    if (!effects_wanted()) return;
    char time_text[LL_STR_SIZE], count_text[LL_STR_SIZE], last_text[STREAM_ID_TEXT];
    resp_arg argv[14] = {{"XCLAIM", 6}, *key, *group,
                         {(char *)nack->consumer->name, nack->consumer->namelen}, {"0", 1}, *id,
                         {"TIME", 4}, {time_text, ll_to_str(time_text, nack->delivery_time)},
                         {"RETRYCOUNT", 10}, {count_text, ull_to_str(count_text, nack->delivery_count)},
                         {"FORCE", 5}, {"JUSTID", 6}, {"LASTID", 6},
                         {last_text, stream_format_id(last_text, &g->last_id)}};
    effects_also(c->db_index, argv, 14);
}

void stream_effect_group_id(client *c, const resp_arg *key, const struct stream_group *g,
                            const resp_arg *group) {
    if (!effects_wanted()) return;
    char last_text[STREAM_ID_TEXT], read_text[LL_STR_SIZE];
    resp_arg argv[7] = {{"XGROUP", 6}, {"SETID", 5}, *key, *group,
                        {last_text, stream_format_id(last_text, &g->last_id)}, {"ENTRIESREAD", 11},
                        {read_text, ll_to_str(read_text, g->entries_read)}};
    effects_also(c->db_index, argv, 7);
}

size_t reply_stream_range(client *c, stream *s, const stream_id *start, const stream_id *end,
                          size_t count, int rev, const struct stream_delivery *to, int flags) {
    struct stream_group *g = to ? to->g : NULL;
    if (g && (flags & RANGE_HISTORY)) return reply_history(c, s, start, count, to->consumer);
    size_t at = reply_defer(c), n = 0;
    stream_iter it;
    stream_id id;
    int64_t nfields;
    int moved = 0;
    stream_iter_start(&it, s, start, end, rev);
    while (stream_iter_next(&it, &id, &nfields)) {
        if (g && stream_id_cmp(&id, &g->last_id) > 0) {
            stream_group_advance(s, g, &id);
            moved = 1;
        }
        reply_array(c, 2);
        reply_stream_id(c, &id);
        reply_array(c, nfields * 2);
        while (nfields--) {
            const char *f, *v;
            size_t flen, vlen;
            stream_iter_field(&it, &f, &flen, &v, &vlen);
            reply_bulk(c, f, flen);
            reply_bulk(c, v, vlen);
        }
        if (g && !(flags & RANGE_NOACK)) {
            /* Propagated as the XCLAIM that makes it pending, the last ID with it. */
            struct stream_nack *nack = make_pending(g, to->consumer, &id);
            char text[STREAM_ID_TEXT];
            resp_arg id_arg = {text, stream_format_id(text, &id)};
            stream_effect_xclaim(c, to->key, g, to->group, &id_arg, nack);
        }
        n++;
        if (count && n == count) break;
    }
    /* NOACK leaves no XCLAIM to carry the last ID: it goes on its own. */
    if (g && moved && (flags & RANGE_NOACK)) stream_effect_group_id(c, to->key, g, to->group);
    if (!(flags & RANGE_RAW)) reply_deferred_array(c, at, (long long)n);
    return n;
}

int reply_stream_entry(client *c, stream *s, const stream_id *id) {
    return reply_stream_range(c, s, id, id, 1, 0, NULL, RANGE_RAW) == 1;
}

/* ---- XADD, XTRIM ---- */

struct add_trim_args {
    stream_id id;
    int id_given, seq_given, no_mkstream;
    struct stream_trim trim;
    size_t trim_arg; /* the MAXLEN count's or MINID id's position */
};

/* Redis's streamParseAddOrTrimArgsOrReply: the options from argv[2] on; for XADD, returns
 * the position of the ID. -1 after replying an error. */
static long parse_add_trim(client *c, struct add_trim_args *a, int xadd) {
    memset(a, 0, sizeof *a);
    size_t i = 2;
    int limit_given = 0;
    for (; i < c->argc; i++) {
        size_t more = c->argc - 1 - i;
        const resp_arg *opt = &c->argv[i];
        int maxlen = arg_is(opt, "maxlen"), minid = arg_is(opt, "minid");
        if (xadd && opt->len == 1 && opt->ptr[0] == '*') {
            break;
        } else if ((maxlen || minid) && more) {
            if (a->trim.strategy != STREAM_TRIM_NONE) {
                reply_error(c, "syntax error, MAXLEN and MINID options at the same time are not "
                               "compatible");
                return -1;
            }
            a->trim.approx = 0;
            const resp_arg *next = &c->argv[i + 1];
            if (more >= 2 && next->len == 1 && (next->ptr[0] == '~' || next->ptr[0] == '=')) {
                a->trim.approx = next->ptr[0] == '~';
                i++;
            }
            a->trim_arg = i + 1;
            if (maxlen) {
                if (arg_ll(c, &c->argv[i + 1], &a->trim.maxlen) != 0) return -1;
                if (a->trim.maxlen < 0) {
                    reply_error(c, "The MAXLEN argument must be >= 0.");
                    return -1;
                }
            } else if (stream_parse_strict_id(c, &c->argv[i + 1], &a->trim.minid) != 0) {
                return -1;
            }
            i++;
            a->trim.strategy = maxlen ? STREAM_TRIM_MAXLEN : STREAM_TRIM_MINID;
        } else if (arg_is(opt, "limit") && more) {
            if (arg_ll(c, &c->argv[i + 1], &a->trim.limit) != 0) return -1;
            if (a->trim.limit < 0) {
                reply_error(c, "The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = 1;
            i++;
        } else if (xadd && arg_is(opt, "nomkstream")) {
            a->no_mkstream = 1;
        } else if (xadd) {
            if (stream_parse_id(c, opt, &a->id, 0, 1, &a->seq_given) != 0) return -1;
            a->id_given = 1;
            break;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->trim.limit && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, "syntax error, LIMIT cannot be used without specifying a trimming "
                       "strategy");
        return -1;
    }
    if (!xadd && a->trim.strategy == STREAM_TRIM_NONE) {
        reply_error(c, "syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (c->flags & CLIENT_REPLAYING) {
        /* Its trim was made exact when it was propagated: no cap on the work. */
        a->trim.limit = 0;
    } else if (limit_given) {
        if (!a->trim.approx) {
            reply_error(c, "syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
    } else if (a->trim.approx) {
        /* At most 100 nodes' worth of work, as Redis caps it. */
        long long per_node = server.cfg.stream_node_max_entries;
        a->trim.limit = per_node <= 0 ? 10000 : per_node > 10000 ? 1000000 : 100 * per_node;
    } else {
        a->trim.limit = 0;
    }
    return (long)i;
}

/* XADD and XTRIM propagate what they did: the ID made for * or <ms>-*, and an approximate
 * trim as the exact one it came to (MAXLEN = length, MINID = first ID), as Redis does. */
static void add_trim_effect(client *c, const struct add_trim_args *a, stream *s, long idpos,
                            const stream_id *added) {
    int new_id = added && (!a->id_given || !a->seq_given);
    if (!effects_wanted() || (!a->trim.approx && !new_id)) return;
    resp_arg *argv = mem_alloc(c->argc * sizeof *argv);
    memcpy(argv, c->argv, c->argc * sizeof *argv);
    char id_text[STREAM_ID_TEXT], trim_text[STREAM_ID_TEXT];
    if (a->trim.approx) {
        argv[a->trim_arg - 1] = (resp_arg){"=", 1};
        size_t n;
        if (a->trim.strategy == STREAM_TRIM_MAXLEN) {
            n = ull_to_str(trim_text, s->length);
        } else {
            stream_id first = s->length ? s->first_id : (stream_id){UINT64_MAX, UINT64_MAX};
            n = stream_format_id(trim_text, &first);
        }
        argv[a->trim_arg] = (resp_arg){trim_text, n};
    }
    if (new_id) argv[idpos] = (resp_arg){id_text, stream_format_id(id_text, added)};
    effects_rewrite(argv, c->argc);
    mem_free(argv);
}

static struct stream_limits node_limits(void) {
    struct stream_limits lim = {(size_t)server.cfg.stream_node_max_bytes,
                                server.cfg.stream_node_max_entries};
    return lim;
}

void cmd_xadd(client *c) {
    struct add_trim_args a;
    long idpos = parse_add_trim(c, &a, 1);
    if (idpos < 0) return;
    size_t field_pos = (size_t)idpos + 1;
    if (c->argc < field_pos + 2 || (c->argc - field_pos) % 2 == 1) {
        reply_arity_error(c);
        return;
    }
    if (a.id_given && a.seq_given && stream_id_is_zero(&a.id)) {
        reply_error(c, "The ID specified in XADD must be greater than 0-0");
        return;
    }
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (stream_not_a_stream(c, e)) return;
    if (!e) {
        if (a.no_mkstream) {
            reply_nil(c);
            return;
        }
        e = entry_new_obj(key->ptr, key->len, OBJ_STREAM, stream_new(), -1);
        db_add(c->db, e);
    }
    stream *s = stream_of(e);
    if (s->last_id.ms == UINT64_MAX && s->last_id.seq == UINT64_MAX) {
        reply_error(c, "The stream has exhausted the last possible ID, unable to add more items");
        return;
    }
    struct stream_limits lim = node_limits();
    stream_id id;
    int rc = stream_append(s, &c->argv[field_pos], (c->argc - field_pos) / 2,
                           a.id_given ? &a.id : NULL, a.seq_given, server.now_ms, &lim, &id);
    if (rc != 0) {
        reply_error(c, rc == -1 ? "The ID specified in XADD is equal or smaller than the target "
                                  "stream top item"
                                : "Elements are too large to be stored");
        return;
    }
    reply_stream_id(c, &id);
    notify_key_arg(NOTIFY_STREAM, "xadd", c, key);
    server.dirty++;
    if (a.trim.strategy != STREAM_TRIM_NONE && stream_trim(s, &a.trim))
        notify_key_arg(NOTIFY_STREAM, "xtrim", c, key);
    add_trim_effect(c, &a, s, idpos, &id);
    blocking_signal_key(c->db, key->ptr, key->len);
}

void cmd_xtrim(client *c) {
    struct add_trim_args a;
    if (parse_add_trim(c, &a, 0) < 0) return;
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (stream_not_a_stream(c, e)) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    long long deleted = stream_trim(stream_of(e), &a.trim);
    if (deleted) {
        notify_key_arg(NOTIFY_STREAM, "xtrim", c, key);
        server.dirty += deleted;
        add_trim_effect(c, &a, stream_of(e), 0, NULL);
    }
    reply_int(c, deleted);
}

/* ---- XRANGE, XREVRANGE, XLEN ---- */

static void xrange_generic(client *c, int rev) {
    const resp_arg *start_arg = &c->argv[rev ? 3 : 2], *end_arg = &c->argv[rev ? 2 : 3];
    stream_id start, end;
    if (stream_parse_range_bound(c, start_arg, &start, 1) != 0) return;
    if (stream_parse_range_bound(c, end_arg, &end, 0) != 0) return;
    long long count = -1;
    for (size_t j = 4; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "count") && j + 1 < c->argc) {
            if (arg_ll(c, &c->argv[j + 1], &count) != 0) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_array(c, 0);
        return;
    }
    if (stream_not_a_stream(c, e)) return;
    if (count == 0) {
        reply_nil_array(c);
        return;
    }
    reply_stream_range(c, stream_of(e), &start, &end, count == -1 ? 0 : (size_t)count, rev, NULL, 0);
}

void cmd_xrange(client *c) { xrange_generic(c, 0); }

void cmd_xrevrange(client *c) { xrange_generic(c, 1); }

void cmd_xlen(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (stream_not_a_stream(c, e)) return;
    reply_int(c, e ? (long long)stream_of(e)->length : 0);
}

/* ---- XDEL ---- */

void cmd_xdel(client *c) {
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (stream_not_a_stream(c, e)) return;
    size_t nids = c->argc - 2;
    struct stream_ids list;
    if (stream_parse_ids(c, &c->argv[2], nids, &list) != 0) return;
    const stream_id *ids = list.ids;
    stream *s = stream_of(e);
    long long deleted = 0;
    int first_entry = 0;
    for (size_t j = 0; j < nids; j++) {
        if (!stream_delete(s, &ids[j])) continue;
        if (stream_id_cmp(&ids[j], &s->first_id) == 0) first_entry = 1;
        if (stream_id_cmp(&ids[j], &s->max_deleted_id) > 0) s->max_deleted_id = ids[j];
        deleted++;
    }
    stream_ids_free(&list);
    if (deleted) {
        if (s->length == 0) {
            s->first_id.ms = s->first_id.seq = 0;
        } else if (first_entry) {
            stream_edge_id(s, 1, 1, &s->first_id);
        }
        notify_key_arg(NOTIFY_STREAM, "xdel", c, key);
        server.dirty += deleted;
    }
    reply_int(c, deleted);
}

/* ---- XREAD, XREADGROUP ---- */

struct xread_args {
    int group;          /* XREADGROUP */
    long long deadline; /* -1 without BLOCK, 0 forever */
    long long count;
    int noack;
    const resp_arg *group_name, *consumer;
    size_t streams_arg, nstreams;
};

static int parse_xread(client *c, struct xread_args *a) {
    memset(a, 0, sizeof *a);
    a->group = c->argv[0].len == 10;
    a->deadline = -1;
    for (size_t i = 1; i < c->argc; i++) {
        size_t more = c->argc - i - 1;
        const resp_arg *o = &c->argv[i];
        if (arg_is(o, "block") && more) {
            if (c->flags & CLIENT_SCRIPT) {
                reply_errorf(c, "%.*s command is not allowed with BLOCK option from scripts",
                             (int)c->argv[0].len, c->argv[0].ptr);
                return -1;
            }
            i++;
            long long ms;
            if (arg_ll_msg(c, &c->argv[i], &ms, "timeout is not an integer or out of range"))
                return -1;
            if (ms < 0) {
                reply_error(c, "timeout is negative");
                return -1;
            }
            if (ms > 0) ms = ms > LLONG_MAX - server.now_ms ? LLONG_MAX : ms + server.now_ms;
            a->deadline = ms;
        } else if (arg_is(o, "count") && more) {
            i++;
            if (arg_ll(c, &c->argv[i], &a->count) != 0) return -1;
            if (a->count < 0) a->count = 0;
        } else if (arg_is(o, "streams") && more) {
            a->streams_arg = i + 1;
            size_t n = c->argc - a->streams_arg;
            if (n % 2) {
                reply_error(c, "Unbalanced XREAD list of streams: for each stream key an ID or "
                               "'$' must be specified.");
                return -1;
            }
            a->nstreams = n / 2;
            break;
        } else if (arg_is(o, "group") && more >= 2) {
            if (!a->group) {
                reply_error(c, "The GROUP option is only supported by XREADGROUP. You called "
                               "XREAD instead.");
                return -1;
            }
            a->group_name = &c->argv[i + 1];
            a->consumer = &c->argv[i + 2];
            i += 2;
        } else if (arg_is(o, "noack")) {
            if (!a->group) {
                reply_error(c, "The NOACK option is only supported by XREADGROUP. You called "
                               "XREAD instead.");
                return -1;
            }
            a->noack = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (a->streams_arg == 0) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    if (a->group && !a->group_name) {
        reply_error(c, "Missing GROUP option for XREADGROUP");
        return -1;
    }
    return 0;
}

static int is_word(const resp_arg *a, char ch) { return a->len == 1 && a->ptr[0] == ch; }

/* The key and ID for stream i. */
static const resp_arg *xread_key(client *c, const struct xread_args *a, size_t i) {
    return &c->argv[a->streams_arg + i];
}
static const resp_arg *xread_id(client *c, const struct xread_args *a, size_t i) {
    return &c->argv[a->streams_arg + a->nstreams + i];
}

/* One stream's entries after gt, as [key, entries], for a read or a group delivery. */
static void reply_stream_read(client *c, const struct xread_args *a, const resp_arg *key,
                              stream *s, struct stream_group *g, const stream_id *gt,
                              size_t count, int history) {
    stream_id start = *gt;
    stream_id_incr(&start);
    reply_array(c, 2);
    reply_bulk(c, key->ptr, key->len);
    struct stream_delivery to = {g, NULL, key, a->group_name};
    if (g) {
        int existed = stream_consumer_find(g, a->consumer->ptr, a->consumer->len) != NULL;
        to.consumer = stream_consumer_get(c, key, g, a->consumer);
        /* With NOACK no XCLAIM would make the consumer on replay. */
        if (!existed && a->noack && effects_wanted()) {
            resp_arg argv[5] = {{"XGROUP", 6}, {"CREATECONSUMER", 14}, *key, *a->group_name, *a->consumer};
            effects_also(c->db_index, argv, 5);
        }
    }
    int flags = (a->noack ? RANGE_NOACK : 0) | (history ? RANGE_HISTORY : 0);
    reply_stream_range(c, s, &start, NULL, count, 0, g ? &to : NULL, flags);
    if (g) server.dirty++;
}

/* Waits on the streams, with each "$" replaced by the ID it stands for now. */
static void xread_block(client *c, const struct xread_args *a, const stream_id *ids) {
    resp_arg *argv = mem_alloc(c->argc * sizeof *argv);
    memcpy(argv, c->argv, c->argc * sizeof *argv);
    char *text = mem_alloc(a->nstreams * STREAM_ID_TEXT);
    for (size_t i = 0; i < a->nstreams; i++) {
        resp_arg *id = &argv[a->streams_arg + a->nstreams + i];
        if (!is_word(id, '$')) continue;
        id->ptr = text + STREAM_ID_TEXT * i;
        id->len = stream_format_id(id->ptr, &ids[i]);
    }
    blocking_block_as(c, argv, a->streams_arg, a->nstreams, a->deadline, OBJ_STREAM);
    mem_free(text);
    mem_free(argv);
}

/* A blocked XREAD or XREADGROUP runs again because key changed: it is served from that key
 * alone, or keeps waiting. */
static void xread_serve_blocked(client *c, const struct xread_args *a, const resp_arg *key) {
    size_t i = 0;
    while (i < a->nstreams && !(xread_key(c, a, i)->len == key->len &&
                                memcmp(xread_key(c, a, i)->ptr, key->ptr, key->len) == 0))
        i++;
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    if (!e || e->type != OBJ_STREAM) {
        if (a->group) {
            reply_error(c, "-UNBLOCKED the stream key no longer exists");
        } else {
            blocking_block(c, a->streams_arg, a->nstreams, a->deadline, OBJ_STREAM);
        }
        return;
    }
    stream *s = stream_of(e);
    struct stream_group *g = NULL;
    stream_id gt;
    if (a->group) {
        g = stream_group_find(s, a->group_name->ptr, a->group_name->len);
        if (!g) {
            reply_error(c, "-NOGROUP the consumer group this client was blocked on no longer "
                           "exists");
            return;
        }
        gt = g->last_id;
    } else {
        stream_parse_strict_id(NULL, xread_id(c, a, i), &gt);
    }
    if (stream_id_cmp(&s->last_id, &gt) <= 0) {
        blocking_block(c, a->streams_arg, a->nstreams, a->deadline, OBJ_STREAM);
        return;
    }
    reply_array(c, 1);
    size_t count = a->count ? (size_t)a->count : XREAD_BLOCKED_DEFAULT_COUNT;
    reply_stream_read(c, a, key, s, g, &gt, count, 0);
}

static void xread_generic(client *c) {
    struct xread_args a;
    /* Group deliveries propagate as XCLAIM and XGROUP commands, never as the read. */
    effects_prevent();
    if (parse_xread(c, &a) != 0) return;
    resp_arg woken_by;
    if (blocking_serving_key(c, &woken_by)) {
        xread_serve_blocked(c, &a, &woken_by);
        return;
    }
    struct stream_ids list;
    stream_ids_init(&list, a.nstreams);
    stream_id *ids = list.ids;
    struct stream_group *local_groups[STREAM_IDS_LOCAL];
    struct stream_group **groups = NULL;
    if (a.group)
        groups = a.nstreams <= STREAM_IDS_LOCAL ? local_groups
                                                : mem_alloc(a.nstreams * sizeof *groups);
    for (size_t i = 0; i < a.nstreams; i++) {
        const resp_arg *key = xread_key(c, &a, i), *idarg = xread_id(c, &a, i);
        entry *e = db_lookup_read(c->db, key->ptr, key->len);
        if (stream_not_a_stream(c, e)) goto done;
        if (a.group) {
            groups[i] = e ? stream_group_find(stream_of(e), a.group_name->ptr, a.group_name->len)
                          : NULL;
            if (!groups[i]) {
                reply_errorf(c,
                             "-NOGROUP No such key '%.*s' or consumer group '%.*s' in "
                             "XREADGROUP with GROUP option",
                             (int)key->len, key->ptr, (int)a.group_name->len, a.group_name->ptr);
                goto done;
            }
        }
        if (is_word(idarg, '$')) {
            if (a.group) {
                reply_error(c, "The $ ID is meaningless in the context of XREADGROUP: you want "
                               "to read the history of this consumer by specifying a proper ID, "
                               "or use the > ID to get new messages. The $ ID would just return "
                               "an empty result set.");
                goto done;
            }
            ids[i] = e ? stream_of(e)->last_id : (stream_id){0, 0};
        } else if (is_word(idarg, '>')) {
            if (!a.group) {
                reply_error(c, "The > ID can be specified only when calling XREADGROUP using "
                               "the GROUP <group> <consumer> option.");
                goto done;
            }
            /* The largest ID stands for ">": served from the group's last ID. */
            ids[i].ms = ids[i].seq = UINT64_MAX;
        } else if (stream_parse_strict_id(c, idarg, &ids[i]) != 0) {
            goto done;
        }
    }

    size_t served = 0, at = 0;
    for (size_t i = 0; i < a.nstreams; i++) {
        const resp_arg *key = xread_key(c, &a, i);
        entry *e = db_lookup_read(c->db, key->ptr, key->len);
        if (!e) continue;
        stream *s = stream_of(e);
        stream_id gt = ids[i];
        int now = 0, history = 0;
        if (groups) {
            if (gt.ms != UINT64_MAX || gt.seq != UINT64_MAX) {
                now = history = 1;
            } else if (s->length) {
                stream_id last;
                stream_edge_id(s, 0, 1, &last);
                if (stream_id_cmp(&last, &groups[i]->last_id) > 0) {
                    now = 1;
                    gt = groups[i]->last_id;
                }
            }
        } else if (s->length) {
            stream_id last;
            stream_edge_id(s, 0, 1, &last);
            now = stream_id_cmp(&last, &gt) > 0;
        }
        if (!now) continue;
        if (served++ == 0) at = reply_defer(c);
        reply_stream_read(c, &a, key, s, groups ? groups[i] : NULL, &gt, (size_t)a.count,
                          history);
    }
    if (served) {
        reply_deferred_array(c, at, (long long)served);
    } else if (a.deadline != -1 && blocking_allowed(c)) {
        xread_block(c, &a, ids);
    } else {
        reply_nil_array(c);
    }
done:
    stream_ids_free(&list);
    if (groups != local_groups) mem_free(groups);
}

void cmd_xread(client *c) { xread_generic(c); }

void cmd_xreadgroup(client *c) { xread_generic(c); }

/* ---- XSETID ---- */

void cmd_xsetid(client *c) {
    stream_id id, max_deleted = {0, 0};
    long long entries_added = -1;
    if (stream_parse_strict_id(c, &c->argv[2], &id) != 0) return;
    for (size_t i = 3; i < c->argc; i += 2) {
        size_t more = c->argc - 1 - i;
        if (arg_is(&c->argv[i], "entriesadded") && more) {
            if (arg_ll(c, &c->argv[i + 1], &entries_added) != 0) return;
            if (entries_added < 0) {
                reply_error(c, "entries_added must be positive");
                return;
            }
        } else if (arg_is(&c->argv[i], "maxdeletedid") && more) {
            if (stream_parse_strict_id(c, &c->argv[i + 1], &max_deleted) != 0) return;
            if (stream_id_cmp(&id, &max_deleted) < 0) {
                reply_error(c, "The ID specified in XSETID is smaller than the provided "
                               "max_deleted_entry_id");
                return;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    if (stream_not_a_stream(c, e)) return;
    stream *s = stream_of(e);
    if (s->length > 0) {
        stream_id last;
        stream_edge_id(s, 0, 1, &last);
        if (stream_id_cmp(&id, &last) < 0) {
            reply_error(c, "The ID specified in XSETID is smaller than the target stream top "
                           "item");
            return;
        }
        if (entries_added != -1 && s->length > (uint64_t)entries_added) {
            reply_error(c, "The entries_added specified in XSETID is smaller than the target "
                           "stream length");
            return;
        }
    }
    s->last_id = id;
    if (entries_added != -1) s->entries_added = (uint64_t)entries_added;
    if (!stream_id_is_zero(&max_deleted)) s->max_deleted_id = max_deleted;
    reply_ok(c);
    server.dirty++;
    notify_key_arg(NOTIFY_STREAM, "xsetid", c, key);
}

/* ---- XINFO ---- */

static void reply_lag(client *c, const stream *s, const struct stream_group *g) {
    long long lag;
    if (stream_group_lag(s, g, &lag)) {
        reply_int(c, lag);
    } else {
        reply_nil(c);
    }
}

static void reply_entries_read(client *c, const struct stream_group *g) {
    if (g->entries_read == STREAM_ENTRIES_READ_INVALID) {
        reply_nil(c);
    } else {
        reply_int(c, g->entries_read);
    }
}

/* At most count items of a PEL (0: all), each [id, (consumer,) delivery time, count]. */
static void reply_pel(client *c, const id_index *pel, long long count, int with_consumer) {
    size_t at = reply_defer(c);
    long long n = 0;
    idx_iter it;
    stream_id id;
    void *val;
    idx_seek(&it, pel, NULL);
    while ((!count || n < count) && idx_next(&it, &id, &val)) {
        const struct stream_nack *nack = val;
        reply_array(c, with_consumer ? 4 : 3);
        reply_stream_id(c, &id);
        if (with_consumer) reply_bulk(c, nack->consumer->name, nack->consumer->namelen);
        reply_int(c, nack->delivery_time);
        reply_int(c, (long long)nack->delivery_count);
        n++;
    }
    reply_deferred_array(c, at, n);
}

static void reply_full_groups(client *c, stream *s, long long count) {
    reply_array(c, (long long)s->ngroups);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        reply_array(c, 14);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, g->name, g->namelen);
        reply_bulk_cstr(c, "last-delivered-id");
        reply_stream_id(c, &g->last_id);
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c, "lag");
        reply_lag(c, s, g);
        reply_bulk_cstr(c, "pel-count");
        reply_int(c, (long long)idx_size(&g->pel));
        reply_bulk_cstr(c, "pending");
        reply_pel(c, &g->pel, count, 1);
        reply_bulk_cstr(c, "consumers");
        reply_array(c, (long long)g->nconsumers);
        for (size_t k = 0; k < g->nconsumers; k++) {
            const struct stream_consumer *consumer = g->consumers[k];
            reply_array(c, 8);
            reply_bulk_cstr(c, "name");
            reply_bulk(c, consumer->name, consumer->namelen);
            reply_bulk_cstr(c, "seen-time");
            reply_int(c, consumer->seen_time);
            reply_bulk_cstr(c, "pel-count");
            reply_int(c, (long long)idx_size(&consumer->pel));
            reply_bulk_cstr(c, "pending");
            reply_pel(c, &consumer->pel, count, 0);
        }
    }
}

static void xinfo_stream(client *c, stream *s) {
    int full = 0;
    long long count = 10;
    size_t optc = c->argc - 3;
    if (optc) {
        if ((optc != 1 && optc != 3) || !arg_is(&c->argv[3], "full") ||
            (optc == 3 && !arg_is(&c->argv[4], "count"))) {
            reply_subcommand_syntax_error(c, "XINFO");
            return;
        }
        full = 1;
        if (optc == 3) {
            if (arg_ll(c, &c->argv[5], &count) != 0) return;
            if (count < 0) count = 10;
        }
    }
    reply_array(c, full ? 18 : 20);
    reply_bulk_cstr(c, "length");
    reply_int(c, (long long)s->length);
    reply_bulk_cstr(c, "radix-tree-keys");
    reply_int(c, (long long)s->nnodes);
    reply_bulk_cstr(c, "radix-tree-nodes");
    reply_int(c, stream_radix_nodes(s));
    reply_bulk_cstr(c, "last-generated-id");
    reply_stream_id(c, &s->last_id);
    reply_bulk_cstr(c, "max-deleted-entry-id");
    reply_stream_id(c, &s->max_deleted_id);
    reply_bulk_cstr(c, "entries-added");
    reply_int(c, (long long)s->entries_added);
    reply_bulk_cstr(c, "recorded-first-entry-id");
    reply_stream_id(c, &s->first_id);
    if (!full) {
        stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
        reply_bulk_cstr(c, "groups");
        reply_int(c, (long long)s->ngroups);
        reply_bulk_cstr(c, "first-entry");
        if (!reply_stream_range(c, s, &lo, &hi, 1, 0, NULL, RANGE_RAW)) reply_nil(c);
        reply_bulk_cstr(c, "last-entry");
        if (!reply_stream_range(c, s, &lo, &hi, 1, 1, NULL, RANGE_RAW)) reply_nil(c);
        return;
    }
    reply_bulk_cstr(c, "entries");
    reply_stream_range(c, s, NULL, NULL, (size_t)count, 0, NULL, 0);
    reply_bulk_cstr(c, "groups");
    reply_full_groups(c, s, count);
}

static void xinfo_consumers(client *c, const resp_arg *key, stream *s) {
    const resp_arg *name = &c->argv[3];
    struct stream_group *g = stream_group_find(s, name->ptr, name->len);
    if (!g) {
        reply_errorf(c, "-NOGROUP No such consumer group '%.*s' for key name '%.*s'",
                     (int)name->len, name->ptr, (int)key->len, key->ptr);
        return;
    }
    long long now = server.now_ms;
    reply_array(c, (long long)g->nconsumers);
    for (size_t k = 0; k < g->nconsumers; k++) {
        const struct stream_consumer *consumer = g->consumers[k];
        long long idle = stream_elapsed(now, consumer->seen_time);
        reply_array(c, 6);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, consumer->name, consumer->namelen);
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)idx_size(&consumer->pel));
        reply_bulk_cstr(c, "idle");
        reply_int(c, idle < 0 ? 0 : idle);
    }
}

static void xinfo_groups(client *c, stream *s) {
    reply_array(c, (long long)s->ngroups);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        reply_array(c, 12);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, g->name, g->namelen);
        reply_bulk_cstr(c, "consumers");
        reply_int(c, (long long)g->nconsumers);
        reply_bulk_cstr(c, "pending");
        reply_int(c, (long long)idx_size(&g->pel));
        reply_bulk_cstr(c, "last-delivered-id");
        reply_stream_id(c, &g->last_id);
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, g);
        reply_bulk_cstr(c, "lag");
        reply_lag(c, s, g);
    }
}

/* The stream at argv[2] for XINFO; NULL after replying why not. */
static entry *xinfo_lookup(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return NULL;
    }
    return stream_not_a_stream(c, e) ? NULL : e;
}

void cmd_xinfo_stream(client *c) {
    entry *e = xinfo_lookup(c);
    if (e) xinfo_stream(c, stream_of(e));
}

void cmd_xinfo_groups(client *c) {
    entry *e = xinfo_lookup(c);
    if (e) xinfo_groups(c, stream_of(e));
}

void cmd_xinfo_consumers(client *c) {
    entry *e = xinfo_lookup(c);
    if (e) xinfo_consumers(c, &c->argv[2], stream_of(e));
}

void cmd_xinfo_help(client *c) {
    static const char *const help[] = {
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
        NULL,
    };
    reply_help(c, "XINFO", help);
}

size_t xread_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap) {
    /* As Redis's xreadGetKeys: the options are skipped up to STREAMS (a group or a key may be
     * called "streams" too); the keys are the first half of what follows it. */
    size_t streams = 0;
    for (size_t i = 1; i < argc; i++) {
        if (arg_is(&argv[i], "block") || arg_is(&argv[i], "count")) {
            i++;
        } else if (arg_is(&argv[i], "group")) {
            i += 2;
        } else if (arg_is(&argv[i], "noack")) {
            continue;
        } else {
            if (arg_is(&argv[i], "streams")) streams = i;
            break;
        }
    }
    size_t n = streams ? argc - streams - 1 : 0;
    if (n == 0 || n % 2) return 0;
    n /= 2;
    for (size_t k = 0; k < n && k < cap; k++)
        index[k] = streams + 1 + k;
    return n;
}
