#include "protocols/memcache.h"

#include <ctype.h>
#include <stdio.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "core/net.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/multi.h"
#include "features/notify.h"
#include "features/pause.h"
#include "features/tracking.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/snapshot.h"
#include "scripting/scripting.h"

#define KEY_MAX 250
/* A line this long without its newline closes the connection, as in memcached, unless it
 * is a retrieval line, which may name very many keys. */
#define LINE_MAX_UNTERMINATED 2048
/* exptime up to this many seconds is relative; above it is an absolute Unix time. */
#define RELATIVE_EXPTIME_MAX (60 * 60 * 24 * 30)
/* Words a command needs at most before its optional noreply (get-type lines are walked). */
#define MAX_WORDS 8

typedef struct word {
    const char *ptr;
    size_t len;
} word;

/* One command line split on spaces. */
typedef struct line {
    word w[MAX_WORDS];
    size_t n;         /* words, all of them even past MAX_WORDS */
    const char *rest; /* for retrieval: where the words after w[0] start */
    const char *end;
    int noreply;      /* the last word is "noreply": send nothing back */
} line;

static struct {
    long long cmd_get, cmd_set, cmd_flush, cmd_touch;
    long long get_hits, get_misses;
    long long delete_hits, delete_misses, incr_hits, incr_misses, decr_hits, decr_misses;
    long long cas_hits, cas_misses, cas_badval, touch_hits, touch_misses;
    long long total_items;
} stats;

/* flush_all with a delay: db 0 is emptied when the timer fires. */
static ev_timer delayed_flush;

static db *mc_db(void) { return &server.dbs[0]; }

/* ---- Replies ---- */

static void out(client *c, const char *s, size_t len) { buf_append(&c->reply, s, len); }

#define OUT_LIT(c, lit) out((c), lit, sizeof(lit) - 1)

/* A whole reply line; nothing under noreply (memcached suppresses errors there too). */
static void reply_line(client *c, const line *l, const char *text) {
    if (l->noreply) return;
    out(c, text, strlen(text));
    OUT_LIT(c, "\r\n");
}

/* A Redis error reply ("-BUSY ...", "-MISCONF ...") as memcached's SERVER_ERROR line. */
static void reply_server_error(client *c, const line *l, const char *redis_error) {
    if (l->noreply) return;
    OUT_LIT(c, "SERVER_ERROR ");
    out(c, redis_error + 1, strlen(redis_error + 1));
    OUT_LIT(c, "\r\n");
}

static void out_u64(client *c, unsigned long long v) {
    char digits[24];
    out(c, digits, ull_to_str(digits, v));
}

/* ---- Parsing ---- */

static int word_is(const word *w, const char *s) {
    size_t n = strlen(s);
    return w->len == n && memcmp(w->ptr, s, n) == 0;
}

static void split_line(line *l, const char *p, const char *end) {
    l->n = 0;
    l->rest = NULL;
    l->end = end;
    const word *last = NULL;
    word tail = {0};
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p == end) break;
        const char *start = p;
        while (p < end && *p != ' ') p++;
        word w = {start, (size_t)(p - start)};
        if (l->n == 1) l->rest = start;
        if (l->n < MAX_WORDS) {
            l->w[l->n] = w;
            last = &l->w[l->n];
        } else {
            tail = w;
            last = &tail;
        }
        l->n++;
    }
    l->noreply = last && l->n > 1 && word_is(last, "noreply");
}

/* Numbers read the way memcached's strtoul / strtol do: an optional sign, then digits to the
 * end of the word, within 64 bits. A minus sign is refused for the unsigned forms. */
static int parse_u64(const word *w, unsigned long long *out_v) {
    const char *p = w->ptr, *end = w->ptr + w->len;
    if (p < end && *p == '+') p++;
    if (p == end) return -1;
    unsigned long long v = 0;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (~0ULL - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out_v = v;
    return 0;
}

static int parse_i64(const word *w, long long *out_v) {
    word digits = *w;
    int negative = w->len > 0 && w->ptr[0] == '-';
    if (negative) {
        digits.ptr++;
        digits.len--;
        if (digits.len && digits.ptr[0] == '+') return -1;
    }
    unsigned long long v;
    if (parse_u64(&digits, &v) != 0) return -1;
    if (v > (unsigned long long)LLONG_MAX + negative) return -1;
    *out_v = negative ? (long long)(0 - v) : (long long)v;
    return 0;
}

/* exptime as memcached reads it: a long stored into 32 bits, so 2147483648 wraps around to
 * a negative (already expired) time. */
static int parse_exptime(const word *w, long long *out_v) {
    long long v;
    if (parse_i64(w, &v) != 0) return -1;
    *out_v = (int32_t)(uint32_t)(unsigned long long)v;
    return 0;
}

/* Keys: 1 to 250 bytes, no control characters (spaces already split words). */
static int key_ok(const word *k) {
    if (k->len == 0 || k->len > KEY_MAX) return 0;
    for (size_t i = 0; i < k->len; i++)
        if ((unsigned char)k->ptr[i] < 0x20 || k->ptr[i] == 0x7f) return 0;
    return 1;
}

/* exptime to an absolute time in ms: -1 for none; *expired set when it has already passed. */
static long long expire_at(long long exptime, int *expired) {
    *expired = 0;
    if (exptime == 0) return -1;
    if (exptime < 0) {
        *expired = 1;
        return -1;
    }
    long long now_s = server.now_ms / 1000;
    if (exptime <= RELATIVE_EXPTIME_MAX) return server.now_ms + exptime * 1000;
    if (exptime <= now_s) {
        *expired = 1;
        return -1;
    }
    return exptime > LLONG_MAX / 1000 ? LLONG_MAX : exptime * 1000;
}

/* ---- Keyspace access ---- */

/* Writes change the dataset: snapshots count them, WATCH sees them, and keyspace
 * notifications announce them under the name of the Redis command that does the same. */
/* The annotation the AOF carries an item's client flags in (Redis's loader skips it). */
#define FLAGS_ANNOTATION "#memcached-flags "

/* A change's effect is the state it left: SET key value [PXAT ms] or DEL key, and the client
 * flags (when not 0) in an annotation after the SET. */
static void propagate_state(const char *key, size_t len) {
    entry *e = (entry *)dict_find(&mc_db()->keys, key, len);
    if (!e || e->type != OBJ_STRING) {
        resp_arg argv[2] = {{"DEL", 3}, {(char *)key, len}};
        effects_also(0, argv, 2);
        return;
    }
    char digits[LL_STR_SIZE], ms[LL_STR_SIZE];
    size_t vlen;
    const char *v = entry_string(e, digits, &vlen);
    long long when = entry_expire(e);
    resp_arg argv[5] = {{"SET", 3}, {(char *)key, len}, {(char *)v, vlen}, {"PXAT", 4},
                        {ms, when >= 0 ? ll_to_str(ms, when) : 0}};
    effects_also(0, argv, when >= 0 ? 5 : 3);
    uint32_t flags = entry_client_flags(e);
    if (flags) {
        char note[sizeof FLAGS_ANNOTATION + 2 * KEY_MAX + 16];
        size_t n = sizeof FLAGS_ANNOTATION - 1;
        memcpy(note, FLAGS_ANNOTATION, n);
        for (size_t i = 0; i < len; i++) n += (size_t)sprintf(note + n, "%02x", (unsigned char)key[i]);
        n += (size_t)sprintf(note + n, " %u", flags);
        effects_annotation(0, note, n);
    }
}

static void changed(const char *key, size_t len, int type, const char *event) {
    server.dirty++;
    if (db_signals_wanted()) db_signal_modified(mc_db(), key, len);
    notify_key_event(type, event, mc_db(), key, len);
    if (effects_wanted()) propagate_state(key, len);
}

/* An item is a string entry; other types are invisible to this protocol. */
static entry *lookup_item(const word *k, entry *(*lookup)(db *, const char *, size_t)) {
    entry *e = lookup(mc_db(), k->ptr, k->len);
    return e && e->type == OBJ_STRING ? e : NULL;
}

/* Deletes the key whatever it holds; returns 1 when there was one. */
static int delete_key(const word *k) {
    entry *e = db_lookup(mc_db(), k->ptr, k->len);
    if (!e) return 0;
    db_delete_entry(mc_db(), e);
    changed(k->ptr, k->len, NOTIFY_GENERIC, "del");
    return 1;
}

/* Applies exptime to a linked item: 0 clears the TTL, a past time deletes the item.
 * Returns the entry to use from now on, NULL when it was deleted. */
static entry *set_item_expiry(entry *e, long long exptime) {
    int expired;
    long long when = expire_at(exptime, &expired);
    char key[KEY_MAX];
    size_t klen = e->keylen;
    memcpy(key, entry_key(e), klen);
    const char *event;
    if (expired) {
        db_delete_entry(mc_db(), e);
        e = NULL;
        event = "del";
    } else if (when < 0) {
        e = db_persist(mc_db(), e);
        event = "persist";
    } else {
        e = db_set_expire(mc_db(), e, when);
        event = "expire";
    }
    changed(key, klen, NOTIFY_GENERIC, event);
    return e;
}

/* ---- Retrieval ---- */

static void out_value(client *c, entry *e, int with_cas) {
    char digits[LL_STR_SIZE];
    size_t len;
    const char *value = entry_string(e, digits, &len);
    OUT_LIT(c, "VALUE ");
    out(c, entry_key(e), e->keylen);
    OUT_LIT(c, " ");
    out_u64(c, entry_client_flags(e));
    OUT_LIT(c, " ");
    out_u64(c, len);
    if (with_cas) {
        OUT_LIT(c, " ");
        out_u64(c, entry_cas(e));
    }
    OUT_LIT(c, "\r\n");
    out(c, value, len);
    OUT_LIT(c, "\r\n");
}

/* get / gets <key>*, gat / gats <exptime> <key>*. */
static void cmd_retrieve(client *c, const line *l, int with_cas, int touch) {
    const char *p = l->rest, *end = l->end;
    size_t reply_start = c->reply.len;
    long long exptime = 0;
    if (touch) {
        while (p < end && *p != ' ') p++;
        word w = {l->rest, (size_t)(p - l->rest)};
        if (parse_exptime(&w, &exptime) != 0) {
            OUT_LIT(c, "CLIENT_ERROR invalid exptime argument\r\n");
            return;
        }
    }
    while (p < end) {
        while (p < end && *p == ' ') p++;
        if (p == end) break;
        word k = {p, 0};
        while (p < end && *p != ' ') p++;
        k.len = (size_t)(p - k.ptr);
        if (!key_ok(&k)) {
            /* As memcached: the values found so far are not sent. */
            c->reply.len = reply_start;
            OUT_LIT(c, "CLIENT_ERROR bad command line format\r\n");
            return;
        }
        stats.cmd_get++;
        if (touch) stats.cmd_touch++;
        entry *e = lookup_item(&k, db_lookup_read);
        if (!e) {
            stats.get_misses++;
            if (touch) stats.touch_misses++;
            continue;
        }
        stats.get_hits++;
        if (touch) {
            stats.touch_hits++;
            /* The value goes out as it was, even when the new exptime expires it. */
            if (with_cas) e = db_stamp(mc_db(), e);
            out_value(c, e, with_cas);
            set_item_expiry(e, exptime);
            continue;
        }
        if (with_cas) e = db_stamp(mc_db(), e);
        out_value(c, e, with_cas);
    }
    OUT_LIT(c, "END\r\n");
}

/* ---- Storage ---- */

enum store_op { OP_SET, OP_ADD, OP_REPLACE, OP_APPEND, OP_PREPEND, OP_CAS };

struct store_request {
    enum store_op op;
    word key;
    uint32_t flags;
    long long exptime;
    unsigned long long cas;
    const char *data;
    size_t len;
};

/* append / prepend: the item keeps its flags and TTL. */
static void concat(entry *e, const struct store_request *r) {
    db *d = mc_db();
    if (e->encoding == ENC_INT) {
        char digits[LL_STR_SIZE];
        size_t dlen = ll_to_str(digits, entry_int(e));
        entry *n = entry_new_stamped(r->key.ptr, r->key.len, NULL, dlen + r->len,
                                     entry_expire(e), entry_client_flags(e));
        char *v = entry_value(n);
        memcpy(v + (r->op == OP_APPEND ? 0 : r->len), digits, dlen);
        memcpy(v + (r->op == OP_APPEND ? dlen : 0), r->data, r->len);
        db_set(d, n);
        return;
    }
    size_t old = e->vallen;
    e = db_resize_value(d, e, old + r->len, 1);
    char *v = entry_value(e);
    if (r->op == OP_APPEND) {
        memcpy(v + old, r->data, r->len);
    } else {
        memmove(v + r->len, v, old);
        memcpy(v, r->data, r->len);
    }
}

static const char *store(const struct store_request *r) {
    db *d = mc_db();
    entry *e = r->op == OP_SET ? NULL : db_lookup(d, r->key.ptr, r->key.len);
    switch (r->op) {
    case OP_ADD:
        if (e) return "NOT_STORED";
        break;
    case OP_REPLACE:
    case OP_APPEND:
    case OP_PREPEND:
        if (!e || e->type != OBJ_STRING) return "NOT_STORED";
        break;
    case OP_CAS:
        if (!e || e->type != OBJ_STRING) {
            stats.cas_misses++;
            return "NOT_FOUND";
        }
        if (!(e->flags & ENTRY_HAS_STAMP) || entry_cas(e) != r->cas) {
            stats.cas_badval++;
            return "EXISTS";
        }
        stats.cas_hits++;
        break;
    case OP_SET: break;
    }
    stats.total_items++;
    if (r->op == OP_APPEND || r->op == OP_PREPEND) {
        if (e->flags & ENTRY_HAS_STAMP) entry_renew_cas(e);
        concat(e, r);
        changed(r->key.ptr, r->key.len, NOTIFY_STRING, r->op == OP_APPEND ? "append" : "prepend");
        return "STORED";
    }
    int expired;
    long long when = expire_at(r->exptime, &expired);
    if (expired) {
        /* Stored and gone at once: what was there is replaced by nothing. */
        delete_key(&r->key);
        return "STORED";
    }
    db_set(d, entry_new_stamped(r->key.ptr, r->key.len, r->data, r->len, when, r->flags));
    changed(r->key.ptr, r->key.len, NOTIFY_STRING, "set");
    return "STORED";
}

/* Reads a storage line into r; *block_len is the size of the data block that follows
 * (CRLF included). Returns -1 after replying when the line is refused. */
static int parse_storage_line(client *c, const line *l, enum store_op op,
                              struct store_request *r, size_t *block_len) {
    size_t words = op == OP_CAS ? 6 : 5;
    /* The optional last word may be anything; only "noreply" means something. */
    if (l->n != words && l->n != words + 1) {
        OUT_LIT(c, "ERROR\r\n");
        return -1;
    }
    long long len;
    int len_ok = parse_i64(&l->w[4], &len) == 0 && len >= 0 && len <= INT32_MAX - 2;
    unsigned long long flags;
    r->op = op;
    r->key = l->w[1];
    int ok = len_ok && key_ok(&r->key) && parse_u64(&l->w[2], &flags) == 0 &&
             parse_exptime(&l->w[3], &r->exptime) == 0 &&
             (op != OP_CAS || parse_u64(&l->w[5], &r->cas) == 0);
    if (!ok) {
        OUT_LIT(c, "CLIENT_ERROR bad command line format\r\n");
        /* Unlike memcached, skip a data block whose length is known, so that the next
         * command is read as one. */
        if (len_ok) c->mc_swallow = (size_t)len + 2;
        return -1;
    }
    r->flags = (uint32_t)flags; /* memcached keeps the low 32 bits */
    r->len = (size_t)len;
    *block_len = (size_t)len + 2;
    return 0;
}

/* Refuses a storage command before its data arrives: too large, over maxmemory, or writes
 * stopped. The block is then discarded as it comes. Returns 1 when refused. */
static int storage_refused(client *c, const line *l, const struct store_request *r) {
    if (snapshot_refuses_writes()) {
        reply_server_error(c, l, ERR_MISCONF);
    } else if (r->len > (size_t)server.cfg.memcached_max_item_size) {
        reply_line(c, l, "SERVER_ERROR object too large for cache");
    } else if (server.cfg.maxmemory && evict_to_fit()) {
        reply_line(c, l, "SERVER_ERROR out of memory storing object");
    } else {
        return 0;
    }
    /* As memcached: a failed set leaves no stale value behind. */
    if (r->op == OP_SET && !snapshot_refuses_writes()) delete_key(&r->key);
    c->mc_swallow = r->len + 2;
    return 1;
}

/* ---- Other commands ---- */

/* Reads an item's value as memcached's incr does: leading spaces, digits, then the end or
 * any whitespace. */
static int item_counter(entry *e, unsigned long long *v) {
    if (e->encoding == ENC_INT) {
        if (entry_int(e) < 0) return -1;
        *v = (unsigned long long)entry_int(e);
        return 0;
    }
    const char *p = entry_value(e), *end = p + e->vallen;
    while (p < end && isspace((unsigned char)*p)) p++;
    if (p < end && *p == '+') p++;
    const char *digits = p;
    unsigned long long n = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (n > (~0ULL - d) / 10) return -1;
        n = n * 10 + d;
    }
    if (p == digits || (p < end && !isspace((unsigned char)*p))) return -1;
    *v = n;
    return 0;
}

static void cmd_arith(client *c, const line *l, int incr) {
    if (l->n != 3 && l->n != 4) {
        OUT_LIT(c, "ERROR\r\n");
        return;
    }
    if (!key_ok(&l->w[1])) return reply_line(c, l, "CLIENT_ERROR bad command line format");
    unsigned long long delta, v;
    if (parse_u64(&l->w[2], &delta) != 0)
        return reply_line(c, l, "CLIENT_ERROR invalid numeric delta argument");
    entry *e = lookup_item(&l->w[1], db_lookup_write);
    if (!e) {
        if (incr) stats.incr_misses++; else stats.decr_misses++;
        return reply_line(c, l, "NOT_FOUND");
    }
    if (item_counter(e, &v) != 0)
        return reply_line(c, l, "CLIENT_ERROR cannot increment or decrement non-numeric value");
    if (incr) stats.incr_hits++; else stats.decr_hits++;
    v = incr ? v + delta : (delta > v ? 0 : v - delta);
    char digits[24];
    size_t n = ull_to_str(digits, v);
    if (e->encoding == ENC_INT && v <= LLONG_MAX) {
        long long as_ll = (long long)v;
        memcpy(entry_value(e), &as_ll, sizeof as_ll);
    } else if (e->encoding == ENC_RAW && n <= e->vallen) {
        /* memcached rewrites in place and pads with spaces when the number got shorter. */
        memcpy(entry_value(e), digits, n);
        memset(entry_value(e) + n, ' ', e->vallen - n);
    } else {
        entry *fresh = entry_new_stamped(l->w[1].ptr, l->w[1].len, digits, n, entry_expire(e),
                                         entry_client_flags(e));
        db_set(mc_db(), fresh);
    }
    changed(l->w[1].ptr, l->w[1].len, NOTIFY_STRING, "incrby");
    if (l->noreply) return;
    out(c, digits, n);
    OUT_LIT(c, "\r\n");
}

static void cmd_delete(client *c, const line *l) {
    if (l->n < 2 || l->n > 4) {
        OUT_LIT(c, "ERROR\r\n");
        return;
    }
    if (l->n > 2) {
        int zero = word_is(&l->w[2], "0");
        if (!((l->n == 3 && (zero || l->noreply)) || (l->n == 4 && zero && l->noreply)))
            return reply_line(c, l, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
    }
    if (!key_ok(&l->w[1])) return reply_line(c, l, "CLIENT_ERROR bad command line format");
    if (!delete_key(&l->w[1])) {
        stats.delete_misses++;
        return reply_line(c, l, "NOT_FOUND");
    }
    stats.delete_hits++;
    reply_line(c, l, "DELETED");
}

static void cmd_touch(client *c, const line *l) {
    if (l->n != 3 && l->n != 4) {
        OUT_LIT(c, "ERROR\r\n");
        return;
    }
    if (!key_ok(&l->w[1])) return reply_line(c, l, "CLIENT_ERROR bad command line format");
    long long exptime;
    if (parse_exptime(&l->w[2], &exptime) != 0)
        return reply_line(c, l, "CLIENT_ERROR invalid exptime argument");
    stats.cmd_touch++;
    entry *e = lookup_item(&l->w[1], db_lookup);
    if (!e) {
        stats.touch_misses++;
        return reply_line(c, l, "NOT_FOUND");
    }
    stats.touch_hits++;
    set_item_expiry(e, exptime);
    reply_line(c, l, "TOUCHED");
}

static void flush_now(void) {
    multi_touch_db(mc_db(), NULL);
    tracking_invalidate_all();
    server.dirty += db_flush(mc_db());
    resp_arg argv[1] = {{"FLUSHDB", 7}};
    effects_also(0, argv, 1);
}

static void on_delayed_flush(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)revents;
    /* Never in the middle of a script running past its time limit. */
    if (scripting_running()) {
        ev_timer_set(w, 0.01, 0);
        ev_timer_start(loop, w);
        return;
    }
    server.now_ms = time_ms();
    flush_now();
}

static void cmd_flush_all(client *c, const line *l) {
    if (l->n > 3) {
        OUT_LIT(c, "ERROR\r\n");
        return;
    }
    long long delay = 0;
    if (l->n - (size_t)l->noreply > 1 && parse_exptime(&l->w[1], &delay) != 0)
        return reply_line(c, l, "CLIENT_ERROR invalid exptime argument");
    stats.cmd_flush++;
    ev_timer_stop(server.loop, &delayed_flush);
    int expired;
    long long when = delay > 0 ? expire_at(delay, &expired) : -1;
    if (when < 0) {
        flush_now();
    } else {
        ev_timer_init(&delayed_flush, on_delayed_flush, (double)(when - server.now_ms) / 1000.0, 0);
        ev_timer_start(server.loop, &delayed_flush);
    }
    reply_line(c, l, "OK");
}

static void stat_ll(client *c, const char *name, long long v) {
    OUT_LIT(c, "STAT ");
    out(c, name, strlen(name));
    OUT_LIT(c, " ");
    char digits[LL_STR_SIZE];
    out(c, digits, ll_to_str(digits, v));
    OUT_LIT(c, "\r\n");
}

static void cmd_stats(client *c, const line *l) {
    if (l->n == 2 && word_is(&l->w[1], "reset")) {
        memset(&stats, 0, sizeof stats);
        OUT_LIT(c, "RESET\r\n");
        return;
    }
    if (l->n != 1) {
        OUT_LIT(c, "ERROR\r\n");
        return;
    }
    stat_ll(c, "pid", (long long)server.pid);
    stat_ll(c, "uptime", (long long)(time(NULL) - server.start_time));
    stat_ll(c, "time", (long long)time(NULL));
    OUT_LIT(c, "STAT version " MEMCACHED_COMPAT_VERSION "\r\n");
    stat_ll(c, "pointer_size", (long long)(8 * sizeof(void *)));
    stat_ll(c, "curr_connections", (long long)server.nmemcache_clients);
    stat_ll(c, "cmd_get", stats.cmd_get);
    stat_ll(c, "cmd_set", stats.cmd_set);
    stat_ll(c, "cmd_flush", stats.cmd_flush);
    stat_ll(c, "cmd_touch", stats.cmd_touch);
    stat_ll(c, "get_hits", stats.get_hits);
    stat_ll(c, "get_misses", stats.get_misses);
    stat_ll(c, "delete_misses", stats.delete_misses);
    stat_ll(c, "delete_hits", stats.delete_hits);
    stat_ll(c, "incr_misses", stats.incr_misses);
    stat_ll(c, "incr_hits", stats.incr_hits);
    stat_ll(c, "decr_misses", stats.decr_misses);
    stat_ll(c, "decr_hits", stats.decr_hits);
    stat_ll(c, "cas_misses", stats.cas_misses);
    stat_ll(c, "cas_hits", stats.cas_hits);
    stat_ll(c, "cas_badval", stats.cas_badval);
    stat_ll(c, "touch_hits", stats.touch_hits);
    stat_ll(c, "touch_misses", stats.touch_misses);
    stat_ll(c, "threads", 1);
    stat_ll(c, "bytes", (long long)mem_used());
    stat_ll(c, "curr_items", (long long)dict_size(&mc_db()->keys));
    stat_ll(c, "total_items", stats.total_items);
    stat_ll(c, "evictions", evict_stat_evicted_keys());
    stat_ll(c, "limit_maxbytes", server.cfg.maxmemory);
    OUT_LIT(c, "END\r\n");
}

/* ---- Authentication (requirepass): memcached's ASCII form, a first `set` whose data is
 * "<user> <password>"; rill's only user is "default". ---- */

static int auth_required(const client *c) {
    return server.cfg.requirepass[0] && !(c->flags & CLIENT_AUTHENTICATED);
}

static void authenticate(client *c, const char *data, size_t len) {
    const char *space = memchr(data, ' ', len);
    if (!space) {
        OUT_LIT(c, "CLIENT_ERROR bad authentication token format\r\n");
        return;
    }
    size_t ulen = (size_t)(space - data), plen = len - ulen - 1;
    const char *pass = space + 1;
    size_t want = strlen(server.cfg.requirepass);
    if (ulen == 7 && memcmp(data, "default", 7) == 0 && plen == want &&
        memcmp(pass, server.cfg.requirepass, want) == 0) {
        c->flags |= CLIENT_AUTHENTICATED;
        OUT_LIT(c, "STORED\r\n");
        return;
    }
    OUT_LIT(c, "CLIENT_ERROR authentication failure\r\n");
}

/* ---- Dispatch ---- */

static enum store_op storage_op(const word *w, int *found) {
    static const struct {
        const char *name;
        enum store_op op;
    } ops[] = {{"set", OP_SET},         {"add", OP_ADD},         {"replace", OP_REPLACE},
               {"append", OP_APPEND},   {"prepend", OP_PREPEND}, {"cas", OP_CAS}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (word_is(w, ops[i].name)) {
            *found = 1;
            return ops[i].op;
        }
    }
    *found = 0;
    return OP_SET;
}

/* Commands other than storage ones that change the dataset (gat and gats set TTLs). */
static int is_write(const word *cmd) {
    static const char *const writes[] = {"incr", "decr", "delete", "touch", "flush_all", "gat", "gats"};
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        if (word_is(cmd, writes[i])) return 1;
    return 0;
}

/* Runs the command on [p, nl) (nl is the newline). Returns the bytes it used from p, or 0
 * when its data block has not fully arrived. */
static size_t run_line(client *c, const char *p, const char *nl, const char *avail_end) {
    const char *end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
    size_t used = (size_t)(nl + 1 - p);
    line l;
    split_line(&l, p, end);
    if (l.n == 0) {
        OUT_LIT(c, "ERROR\r\n");
        return used;
    }
    int is_storage;
    enum store_op op = storage_op(&l.w[0], &is_storage);
    /* CLIENT PAUSE holds this port's writes (and under ALL, everything) as it holds RESP's:
     * the line stays in the buffer until the pause ends. */
    if (pause_holds_kind(is_storage || is_write(&l.w[0]))) {
        pause_postpone(c);
        return 0;
    }
    if (auth_required(c)) {
        unsigned long long len;
        if (!is_storage || l.n < 5 || parse_u64(&l.w[4], &len) != 0 || len > 1024) {
            OUT_LIT(c, "CLIENT_ERROR unauthenticated\r\n");
            return used;
        }
        if ((size_t)(avail_end - (nl + 1)) < len + 2) return 0;
        const char *data = nl + 1;
        if (memcmp(data + len, "\r\n", 2) != 0)
            OUT_LIT(c, "CLIENT_ERROR bad command line termination\r\n");
        else
            authenticate(c, data, (size_t)len);
        return used + (size_t)len + 2;
    }
    if (is_storage) {
        struct store_request r;
        size_t block;
        if (parse_storage_line(c, &l, op, &r, &block) != 0) return used;
        if (scripting_timed_out() || server.loading) {
            reply_server_error(c, &l, server.loading ? ERR_LOADING : scripting_busy_error());
            c->mc_swallow = block;
            return used;
        }
        if ((size_t)(avail_end - (nl + 1)) < block) {
            /* Not here yet: check the limits once, before any of it is kept. */
            if (c->parser.need == 0 && storage_refused(c, &l, &r)) return used;
            c->parser.need = used + block;
            return 0;
        }
        if (c->parser.need == 0 && storage_refused(c, &l, &r)) return used;
        c->parser.need = 0;
        stats.cmd_set++;
        r.data = nl + 1;
        if (memcmp(r.data + r.len, "\r\n", 2) != 0) {
            /* As memcached: the announced bytes and two more are dropped, nothing stored. */
            reply_line(c, &l, "CLIENT_ERROR bad data chunk");
        } else {
            reply_line(c, &l, store(&r));
        }
        return used + block;
    }
    const word *cmd = &l.w[0];
    /* The keyspace is the loader's until it is done: only quit and version meanwhile. */
    int waits = (scripting_timed_out() || server.loading) && !word_is(cmd, "quit") &&
                !word_is(cmd, "version");
    if (waits) {
        reply_server_error(c, &l, server.loading ? ERR_LOADING : scripting_busy_error());
    } else if (is_write(cmd) && snapshot_refuses_writes()) {
        reply_server_error(c, &l, ERR_MISCONF);
    } else if (word_is(cmd, "get") || word_is(cmd, "gets")) {
        if (l.n < 2) OUT_LIT(c, "ERROR\r\n");
        else cmd_retrieve(c, &l, cmd->len == 4, 0);
    } else if (word_is(cmd, "gat") || word_is(cmd, "gats")) {
        if (l.n < 2) OUT_LIT(c, "ERROR\r\n");
        else cmd_retrieve(c, &l, cmd->len == 4, 1);
    } else if (word_is(cmd, "incr") || word_is(cmd, "decr")) {
        cmd_arith(c, &l, cmd->ptr[0] == 'i');
    } else if (word_is(cmd, "delete")) {
        cmd_delete(c, &l);
    } else if (word_is(cmd, "touch")) {
        cmd_touch(c, &l);
    } else if (word_is(cmd, "flush_all")) {
        cmd_flush_all(c, &l);
    } else if (word_is(cmd, "stats")) {
        cmd_stats(c, &l);
    } else if (word_is(cmd, "version") && l.n == 1) {
        OUT_LIT(c, "VERSION " MEMCACHED_COMPAT_VERSION "\r\n");
    } else if (word_is(cmd, "verbosity") && (l.n == 2 || l.n == 3)) {
        unsigned long long level;
        reply_line(c, &l, parse_u64(&l.w[1], &level) == 0 ? "OK" : "CLIENT_ERROR bad command line format");
    } else if (word_is(cmd, "quit") && l.n == 1) {
        c->flags |= CLIENT_CLOSE_AFTER_REPLY;
    } else {
        OUT_LIT(c, "ERROR\r\n");
    }
    return used;
}

static int is_retrieval(const char *p, const char *end) {
    while (p < end && *p == ' ') p++;
    size_t n = (size_t)(end - p);
    return (n >= 4 && (memcmp(p, "get ", 4) == 0 || memcmp(p, "gat ", 4) == 0)) ||
           (n >= 5 && (memcmp(p, "gets ", 5) == 0 || memcmp(p, "gats ", 5) == 0));
}

size_t memcache_process_input(client *c) {
    size_t pos = 0;
    while (pos < c->query.len &&
           !(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_POSTPONED))) {
        if (c->mc_swallow) {
            size_t n = c->query.len - pos < c->mc_swallow ? c->query.len - pos : c->mc_swallow;
            c->mc_swallow -= n;
            pos += n;
            continue;
        }
        const char *p = c->query.data + pos, *end = c->query.data + c->query.len;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            if ((size_t)(end - p) > LINE_MAX_UNTERMINATED && !is_retrieval(p, end))
                client_close_async(c);
            break;
        }
        server.current = c;
        server.now_ms = time_ms();
        size_t used = run_line(c, p, nl, end);
        server.current = NULL;
        if (used == 0 || (c->flags & CLIENT_POSTPONED)) break;
        server.stat_commands++;
        pos += used;
    }
    return pos;
}
