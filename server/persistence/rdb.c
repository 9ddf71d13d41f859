/* rill's entries in Redis's RDB format (see rdb.h). rill writes what Redis 7.0 writes for the
 * same data: listpacks for small hashes and sorted sets, intsets, quicklists of listpacks, the
 * plain forms (a count, then strings; binary doubles for scores) for big values. It reads every
 * form Redis 7.0 and the versions before it write. */
#include "persistence/rdb.h"
#include "persistence/rdb_stream.h"
#include "scripting/functions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/server.h"
#include "keyspace/evict.h"
#include "keyspace/value_limits.h"
#include "mem.h"
#include "numconv.h"
#include "packed_blobs.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/zset_value.h"

/* An AUX field rill writes before a key that carries a memcached stamp: "<flags> <cas>".
 * redis-server skips AUX fields it does not know, so the file still loads there. */
#define AUX_STAMP "rill-stamp"

/* ---- Saving ---- */

/* Quicklist nodes close at this many listpack bytes: Redis's default node size (8 KB). */
#define LIST_NODE_BYTES 8192

/* The RDB type rill writes for e: the packed forms Redis 7.0 writes for values rill also keeps
 * compact (so files are no larger, and LZF gets whole blobs to compress), the plain forms for
 * the rest. */
static uint8_t type_byte(entry *e) {
    switch (e->type) {
    case OBJ_LIST:
        return RDB_TYPE_LIST_QUICKLIST_2;
    case OBJ_SET:
        return ((set_value *)entry_obj(e))->enc == SET_INTSET ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    case OBJ_ZSET:
        return ((zset_value *)entry_obj(e))->pl ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    case OBJ_HASH:
        return ((hash_value *)entry_obj(e))->pl ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    case OBJ_STREAM:
        return RDB_TYPE_STREAM_LISTPACKS_2;
    }
    return RDB_TYPE_STRING;
}

static void put_listpack(rdb_writer *w, listpack_writer *lp) {
    listpack_finish(lp);
    rdb_put_string(w, (const char *)lp->buf, lp->len);
    mem_free(lp->buf);
}

/* A list as quicklist 2 nodes: listpacks closed once they reach LIST_NODE_BYTES. The node count
 * comes first: a first walk counts the nodes, so that only one node is held at a time. */
static void save_list(rdb_writer *w, deque *l) {
    deque_iter it;
    deque_elem el;
    size_t nodes = 0, node_bytes = LIST_NODE_BYTES;
    for (deque_iter_at(&it, l, 0, 1); deque_iter_valid(&it); deque_iter_next(&it)) {
        if (node_bytes >= LIST_NODE_BYTES) nodes++, node_bytes = 6; /* a new node's header */
        deque_iter_get(&it, &el);
        node_bytes += listpack_entry_size(el.ptr, el.len);
    }
    rdb_put_len(w, nodes);
    listpack_writer lp = {0};
    for (deque_iter_at(&it, l, 0, 1); deque_iter_valid(&it); deque_iter_next(&it)) {
        if (lp.buf && lp.len >= LIST_NODE_BYTES) {
            rdb_put_len(w, RDB_QUICKLIST_PACKED);
            put_listpack(w, &lp);
            lp.buf = NULL;
        }
        if (!lp.buf) listpack_init(&lp);
        deque_iter_get(&it, &el);
        listpack_append(&lp, el.ptr, el.len);
    }
    if (lp.buf) {
        rdb_put_len(w, RDB_QUICKLIST_PACKED);
        put_listpack(w, &lp);
    }
}

/* A score's text in a listpack: integers as integers (as Redis's d2string), a decimal with up
 * to six places when one is exactly the double (m / 10^d rounds to it, and strtod rounds the
 * same decimal the same way), else 17 significant digits. Shorter than printf's %.17g for
 * most scores, and several times faster. */
static size_t score_text(char *out, size_t size, double score) {
    static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    if (isinf(score)) return (size_t)snprintf(out, size, "%s", score > 0 ? "inf" : "-inf");
    if (score == 0) return (size_t)snprintf(out, size, "%s", signbit(score) ? "-0" : "0");
    if (fabs(score) < 1e9) {
        for (int d = 0; d <= 6; d++) {
            double scaled = score * pow10[d];
            long long m = llround(scaled);
            if ((double)m / pow10[d] != score) continue;
            if (d == 0) return ll_to_str(out, m);
            char digits[LL_STR_SIZE];
            unsigned long long u = (unsigned long long)(m < 0 ? -m : m);
            size_t n = ull_to_str(digits, u), len = 0;
            if (m < 0) out[len++] = '-';
            if (n <= (size_t)d) { /* 0.0ddd */
                out[len++] = '0';
                out[len++] = '.';
                for (size_t z = n; z < (size_t)d; z++)
                    out[len++] = '0';
                memcpy(out + len, digits, n);
                return len + n;
            }
            memcpy(out + len, digits, n - (size_t)d);
            len += n - (size_t)d;
            out[len++] = '.';
            memcpy(out + len, digits + n - (size_t)d, (size_t)d);
            return len + (size_t)d;
        }
    }
    if (score == (double)(long long)score && fabs(score) < 9007199254740992.0)
        return ll_to_str(out, (long long)score);
    return (size_t)snprintf(out, size, "%.17g", score);
}

/* The value as the type byte announces it. */
static void save_body(rdb_writer *w, entry *e) {
    switch (e->type) {
    case OBJ_STRING:
        if (e->encoding == ENC_INT) {
            rdb_put_ll(w, entry_int(e));
        } else {
            rdb_put_string(w, entry_value(e), e->vallen);
        }
        break;
    case OBJ_LIST:
        save_list(w, entry_obj(e));
        break;
    case OBJ_SET: {
        set_value *s = entry_obj(e);
        if (s->enc == SET_INTSET) { /* rill's intset is laid out as Redis's */
            rdb_put_string(w, (const char *)s->is, 8 + (size_t)s->is->count * s->is->width);
            break;
        }
        rdb_put_len(w, set_count(s));
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m, &len))
            rdb_put_string(w, m, len);
        set_iter_done(&it);
        break;
    }
    case OBJ_ZSET: {
        zset_value *z = entry_obj(e);
        zset_iter it;
        const char *m;
        size_t len;
        double score;
        listpack_writer lp;
        if (z->pl) {
            listpack_init(&lp);
        } else {
            rdb_put_len(w, zset_count(z));
        }
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &score)) {
            if (z->pl) {
                char text[64];
                listpack_append(&lp, m, len);
                listpack_append(&lp, text, score_text(text, sizeof text, score));
            } else {
                rdb_put_string(w, m, len);
                rdb_put_double(w, score);
            }
        }
        zset_iter_done(&it);
        if (z->pl) put_listpack(w, &lp);
        break;
    }
    case OBJ_HASH: {
        hash_value *h = entry_obj(e);
        hash_iter it;
        const char *f, *v;
        size_t flen, vlen;
        listpack_writer lp;
        if (h->pl) {
            listpack_init(&lp);
        } else {
            rdb_put_len(w, hash_count(h));
        }
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
            if (h->pl) {
                listpack_append(&lp, f, flen);
                listpack_append(&lp, v, vlen);
            } else {
                rdb_put_string(w, f, flen);
                rdb_put_string(w, v, vlen);
            }
        }
        hash_iter_done(&it);
        if (h->pl) put_listpack(w, &lp);
        break;
    }
    case OBJ_STREAM:
        rdb_save_stream(w, entry_obj(e));
        break;
    }
}

/* One key as Redis writes it: expiry, then the LRU idle time or the LFU counter when the
 * eviction policy uses one, then type, key and value. */
static void save_entry(rdb_writer *w, entry *e) {
    if (e->flags & ENTRY_HAS_STAMP) {
        char stamp[48];
        snprintf(stamp, sizeof stamp, "%u %llu", entry_client_flags(e),
                 (unsigned long long)entry_cas(e));
        rdb_put_aux(w, AUX_STAMP, stamp);
    }
    long long expire = entry_expire(e);
    if (expire >= 0) {
        rdb_put_byte(w, RDB_OP_EXPIRETIME_MS);
        rdb_put_ms(w, expire);
    }
    if (evict_policy_is_lru()) {
        rdb_put_byte(w, RDB_OP_IDLE);
        rdb_put_len(w, (uint64_t)evict_idle_seconds(e));
    } else if (evict_policy_is_lfu()) {
        rdb_put_byte(w, RDB_OP_FREQ);
        rdb_put_byte(w, (uint8_t)evict_frequency(e));
    }
    rdb_put_byte(w, type_byte(e));
    rdb_put_string(w, entry_key(e), e->keylen);
    save_body(w, e);
}

void rdb_save_value(rdb_writer *w, entry *e) {
    rdb_put_byte(w, type_byte(e));
    save_body(w, e);
}

unsigned char *rdb_dump_payload(entry *e, size_t *len) {
    rdb_writer w;
    rdb_writer_init(&w, -1, server.cfg.rdbcompression);
    rdb_save_value(&w, e);
    return rdb_writer_take_dump(&w, len);
}

void rdb_save_dataset(rdb_writer *w, int aof_base, void (*after_key)(void)) {
    char num[LL_STR_SIZE];
    rdb_put_header(w);
    rdb_put_aux(w, "redis-ver", REDIS_COMPAT_VERSION);
    rdb_put_aux(w, "redis-bits", "64");
    ll_to_str(num, (long long)time(NULL));
    rdb_put_aux(w, "ctime", num);
    ll_to_str(num, (long long)mem_used());
    rdb_put_aux(w, "used-mem", num);
    rdb_put_aux(w, "aof-base", aof_base ? "1" : "0");
    functions_save(w);
    for (int i = 0; i < server.ndbs; i++) {
        db *d = &server.dbs[i];
        if (dict_size(&d->keys) == 0) continue;
        rdb_put_byte(w, RDB_OP_SELECTDB);
        rdb_put_len(w, (uint64_t)i);
        rdb_put_byte(w, RDB_OP_RESIZEDB);
        rdb_put_len(w, dict_size(&d->keys));
        rdb_put_len(w, d->heap_len);
        /* Entries in batches whose values are prefetched first: walking the keyspace is a
         * chain of cache misses otherwise (entry, value, its packed bytes). */
        dict_iter it;
        dict_iter_init(&it, &d->keys);
        entry *batch[16];
        size_t n;
        do {
            for (n = 0; n < 16 && (batch[n] = (entry *)dict_iter_next(&it)); n++)
                if (batch[n]->encoding == ENC_OBJ) __builtin_prefetch(entry_obj(batch[n]));
            for (size_t k = 0; k < n; k++) {
                save_entry(w, batch[k]);
                if (after_key) after_key();
            }
        } while (n == 16);
        dict_iter_done(&it);
    }
}

/* ---- Loading ---- */

/* Adds one element (b, blen: the value or score of pairs) to a collection being built. */
typedef int add_fn(void *obj, rdb_reader *r, const char *a, size_t alen, const char *b,
                   size_t blen);

static int add_to_list(void *obj, rdb_reader *r, const char *a, size_t alen, const char *b,
                       size_t blen) {
    (void)r, (void)b, (void)blen;
    deque_push(obj, DEQUE_TAIL, a, alen);
    return 0;
}

static int add_to_set(void *obj, rdb_reader *r, const char *a, size_t alen, const char *b,
                      size_t blen) {
    (void)b, (void)blen;
    struct set_limits lim = set_limits();
    return set_add(obj, a, alen, &lim) ? 0 : rdb_fail(r, "duplicate set member");
}

static int add_to_hash(void *obj, rdb_reader *r, const char *a, size_t alen, const char *b,
                       size_t blen) {
    struct packed_limits lim = hash_limits();
    return hash_set(obj, a, alen, b, blen, &lim) ? 0 : rdb_fail(r, "duplicate hash field");
}

static int add_scored(zset_value *z, rdb_reader *r, const char *m, size_t len, double score) {
    if (isnan(score)) return rdb_fail(r, "score is not a number");
    struct packed_limits lim = zset_limits();
    return zset_set(z, m, len, score, &lim) ? 0 : rdb_fail(r, "duplicate sorted set member");
}

/* Packed sorted sets hold the score as an element: digits, or the text of a double. 0, or -1
 * when the text is not a number. */
static int score_from_text(const char *s, size_t len, double *score) {
    char text[128];
    if (len == 0 || len >= sizeof text) return -1;
    memcpy(text, s, len);
    text[len] = '\0';
    char *end;
    *score = strtod(text, &end);
    return end == text + len ? 0 : -1;
}

static int add_to_zset(void *obj, rdb_reader *r, const char *a, size_t alen, const char *b,
                       size_t blen) {
    double score;
    if (score_from_text(b, blen, &score)) return rdb_fail(r, "bad score");
    return add_scored(obj, r, a, alen, score);
}

/* Feeds the elements of the packed blob s to add, one or two at a time. Any
 * problem, a duplicate included, is the blob's: "<what> integrity check failed", in the
 * words Redis uses for each type ("Hash ziplist", "Zset listpack", "Intset"...). */
static int feed_blob(rdb_reader *r, const rdb_str *s, enum packed_kind kind, int pairs, add_fn *add,
                     void *obj, const char *what) {
    packed_iter it;
    int rc = packed_iter_init(&it, kind, s->ptr, s->len);
    packed_elem a, b;
    char digits_a[24], digits_b[24];
    const char *why = it.err;
    while (rc == 0) {
        int got = packed_iter_next(&it, &a);
        if (got == 0) break;
        if (got < 0 || (pairs && (got = packed_iter_next(&it, &b)) != 1)) {
            why = got < 0 ? it.err : "a key without a value";
            rc = -1;
            break;
        }
        size_t alen, blen = 0;
        const char *as = packed_elem_bytes(&a, digits_a, &alen);
        const char *bs = pairs ? packed_elem_bytes(&b, digits_b, &blen) : NULL;
        rc = add(obj, r, as, alen, bs, blen);
    }
    if (rc == 0) return 0;
    char detail[sizeof r->err];
    snprintf(detail, sizeof detail, "%s", why ? why : r->err);
    r->err[0] = '\0'; /* the add's own words become the detail */
    return rdb_fail(r, "%s integrity check failed: %s", what, detail);
}

static int add_packed(rdb_reader *r, enum packed_kind kind, int pairs, add_fn *add, void *obj,
                      const char *what) {
    rdb_str s;
    if (rdb_read_string(r, &s)) return -1;
    int rc = feed_blob(r, &s, kind, pairs, add, obj, what);
    rdb_str_free(&s);
    return rc;
}

/* count strings (or pairs of strings) one after the other. */
static int add_plain(rdb_reader *r, int pairs, add_fn *add, void *obj) {
    uint64_t n;
    if (rdb_read_count(r, &n, pairs ? 2 : 1)) return -1;
    for (uint64_t i = 0; i < n; i++) {
        rdb_str a, b = {0};
        if (rdb_read_string(r, &a)) return -1;
        int rc = pairs ? rdb_read_string(r, &b) : 0;
        if (rc == 0) rc = add(obj, r, a.ptr, a.len, b.ptr, b.len);
        rdb_str_free(&a);
        rdb_str_free(&b);
        if (rc) return -1;
    }
    return 0;
}

static int add_quicklist(rdb_reader *r, int version2, deque *l) {
    uint64_t nodes;
    if (rdb_read_count(r, &nodes, 1)) return -1;
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = RDB_QUICKLIST_PACKED;
        if (version2 && rdb_read_len(r, &container)) return -1;
        if (container == RDB_QUICKLIST_PLAIN) {
            rdb_str s;
            if (rdb_read_string(r, &s)) return -1;
            if (s.len) deque_push(l, DEQUE_TAIL, s.ptr, s.len);
            rdb_str_free(&s);
            if (!s.len) return rdb_fail(r, "Quicklist integrity check failed: an empty node");
        } else if (container != RDB_QUICKLIST_PACKED) {
            return rdb_fail(r, "Quicklist integrity check failed: unknown container %llu",
                            (unsigned long long)container);
        } else if (add_packed(r, version2 ? PACKED_LISTPACK : PACKED_ZIPLIST, 0, add_to_list, l,
                              version2 ? "Listpack" : "Ziplist")) {
            return -1;
        }
    }
    return 0;
}

static int add_zset_plain(rdb_reader *r, int binary, zset_value *z) {
    uint64_t n;
    if (rdb_read_count(r, &n, 2)) return -1;
    for (uint64_t i = 0; i < n; i++) {
        rdb_str m;
        double score;
        if (rdb_read_string(r, &m)) return -1;
        int rc = binary ? rdb_read_double(r, &score) : rdb_read_old_double(r, &score);
        if (rc == 0) rc = add_scored(z, r, m.ptr, m.len, score);
        rdb_str_free(&m);
        if (rc) return -1;
    }
    return 0;
}

static entry *load_string(rdb_reader *r, const char *key, size_t klen, long long expire_ms) {
    rdb_str s;
    if (rdb_read_string(r, &s)) return NULL;
    entry *e = entry_new_string(key, klen, s.ptr, s.len, expire_ms);
    rdb_str_free(&s);
    return e;
}

static size_t value_count(enum obj_type type, void *obj) {
    switch (type) {
    case OBJ_LIST:
        return ((deque *)obj)->count;
    case OBJ_SET:
        return set_count(obj);
    case OBJ_ZSET:
        return zset_count(obj);
    case OBJ_HASH:
        return hash_count(obj);
    default:
        return 1;
    }
}

static void value_free(enum obj_type type, void *obj) {
    switch (type) {
    case OBJ_LIST:
        deque_free(obj);
        break;
    case OBJ_SET:
        set_free(obj);
        break;
    case OBJ_ZSET:
        zset_free(obj);
        break;
    case OBJ_HASH:
        hash_free(obj);
        break;
    default:
        break;
    }
}

/* The packed forms: the blob each one holds, whether its elements pair up, and the words
 * Redis's errors use for it. */
static const struct packed_form {
    int type;
    enum obj_type otype;
    enum packed_kind kind;
    int pairs;
    add_fn *add;
    const char *what;
} packed_forms[] = {
    {RDB_TYPE_LIST_ZIPLIST, OBJ_LIST, PACKED_ZIPLIST, 0, add_to_list, "List ziplist"},
    {RDB_TYPE_SET_INTSET, OBJ_SET, PACKED_INTSET, 0, add_to_set, "Intset"},
    {RDB_TYPE_ZSET_ZIPLIST, OBJ_ZSET, PACKED_ZIPLIST, 1, add_to_zset, "Zset ziplist"},
    {RDB_TYPE_ZSET_LISTPACK, OBJ_ZSET, PACKED_LISTPACK, 1, add_to_zset, "Zset listpack"},
    {RDB_TYPE_HASH_ZIPMAP, OBJ_HASH, PACKED_ZIPMAP, 1, add_to_hash, "Zipmap"},
    {RDB_TYPE_HASH_ZIPLIST, OBJ_HASH, PACKED_ZIPLIST, 1, add_to_hash, "Hash ziplist"},
    {RDB_TYPE_HASH_LISTPACK, OBJ_HASH, PACKED_LISTPACK, 1, add_to_hash, "Hash listpack"},
};

static void *value_new(enum obj_type type) {
    switch (type) {
    case OBJ_LIST:
        return deque_new();
    case OBJ_SET:
        return set_new();
    case OBJ_ZSET:
        return zset_new();
    default:
        return hash_new();
    }
}

/* The fast path for a packed value that stays packed here: one allocation for the whole value
 * (Redis's blob is already checked, sorted and within the limits) instead of an insert, and a
 * reallocation, per element. Returns 1 when *obj was replaced, 0 when the element-by-element
 * path must do it (the blob is damaged, too big to stay packed, a set of strings, unsorted),
 * -1 with *why on a duplicate or a bad score. */
static int load_packed_at_once(const struct packed_form *f, const rdb_str *s, void **obj,
                               const char **why) {
    packed_iter it;
    packed_elem el;
    char digits[24];
    size_t n = 0, maxlen = 0, len;
    long long first = 0, last = 0;
    if (f->otype == OBJ_LIST || packed_iter_init(&it, f->kind, s->ptr, s->len)) return 0;
    int got;
    while ((got = packed_iter_next(&it, &el)) == 1) {
        packed_elem_bytes(&el, digits, &len);
        if (len > maxlen) maxlen = len;
        if (n++ == 0) first = el.v;
        last = el.v;
    }
    if (got < 0 || n == 0) return 0;
    if (f->otype == OBJ_SET) {
        uint32_t width = intset_width_for(first) > intset_width_for(last) ? intset_width_for(first)
                                                                          : intset_width_for(last);
        struct set_limits lim = set_limits();
        uint32_t blob_width;
        memcpy(&blob_width, s->ptr, sizeof blob_width); /* the blob may sit unaligned */
        if (f->kind != PACKED_INTSET || n > lim.max_intset_entries || width != blob_width) return 0;
        intset *is = mem_alloc(s->len); /* Redis's intset is laid out as rill's */
        memcpy(is, s->ptr, s->len);
        set_free(*obj);
        *obj = set_from_intset(is);
        return 1;
    }
    struct packed_limits lim = f->otype == OBJ_HASH ? hash_limits() : zset_limits();
    if (n % 2 || n / 2 > lim.max_entries || maxlen > lim.max_value) return 0;
    const char **ptrs = mem_alloc(n * sizeof *ptrs);
    size_t *lens = mem_alloc(n * sizeof *lens);
    char(*ints)[24] = mem_alloc(n * sizeof *ints);
    double *scores = mem_alloc(n / 2 * sizeof *scores);
    int rc = 1;
    packed_iter_init(&it, f->kind, s->ptr, s->len);
    for (size_t i = 0; i < n && rc == 1; i++) {
        packed_iter_next(&it, &el);
        ptrs[i] = packed_elem_bytes(&el, ints[i], &lens[i]);
        if (f->otype != OBJ_ZSET || i % 2 == 0) continue;
        double *score = &scores[i / 2];
        if (el.is_int) {
            *score = (double)el.v;
        } else if (score_from_text(ptrs[i], lens[i], score)) {
            rc = -1;
        }
        if (rc == 1 && isnan(*score)) rc = -1;
        if (rc == 1 && *score == 0) *score = 0; /* no signed zero when packed, as packed_insert */
        ptrs[i] = (const char *)score, lens[i] = sizeof *score;
    }
    packlist *pl = rc == 1 ? pl_from_strings(ptrs, lens, n) : NULL;
    if (rc != 1) {
        *why = "bad score";
    } else if (pl_has_duplicates(pl, 2)) {
        *why = f->otype == OBJ_HASH ? "duplicate hash field" : "duplicate sorted set member";
        rc = -1;
    } else if (f->otype == OBJ_HASH) {
        hash_free(*obj);
        *obj = hash_from_packed(pl);
        pl = NULL;
    } else {
        zset_value *z = zset_from_packed(pl);
        if (z) {
            zset_free(*obj);
            *obj = z;
            pl = NULL;
        } else {
            rc = 0; /* out of order: inserted one by one, which sorts */
        }
    }
    if (pl) pl_free(pl);
    mem_free(ptrs);
    mem_free(lens);
    mem_free(ints);
    mem_free(scores);
    return rc;
}

static int load_packed(rdb_reader *r, const struct packed_form *f, void **obj) {
    rdb_str s;
    if (rdb_read_string(r, &s)) return -1;
    const char *why = NULL;
    int rc = load_packed_at_once(f, &s, obj, &why);
    if (rc == 0)
        rc = feed_blob(r, &s, f->kind, f->pairs, f->add, *obj, f->what);
    else
        rc = rc == 1 ? 0 : rdb_fail(r, "%s integrity check failed: %s", f->what, why);
    rdb_str_free(&s);
    return rc;
}

/* Reads the value of a collection type into *obj (which the fast path may replace); -1 with
 * r->err. */
static int load_collection(rdb_reader *r, int type, void **obj) {
    for (size_t i = 0; i < sizeof packed_forms / sizeof packed_forms[0]; i++)
        if (packed_forms[i].type == type) return load_packed(r, &packed_forms[i], obj);
    switch (type) {
    case RDB_TYPE_LIST:
        return add_plain(r, 0, add_to_list, *obj);
    case RDB_TYPE_LIST_QUICKLIST:
        return add_quicklist(r, 0, *obj);
    case RDB_TYPE_LIST_QUICKLIST_2:
        return add_quicklist(r, 1, *obj);
    case RDB_TYPE_SET:
        return add_plain(r, 0, add_to_set, *obj);
    case RDB_TYPE_ZSET:
        return add_zset_plain(r, 0, *obj);
    case RDB_TYPE_ZSET_2:
        return add_zset_plain(r, 1, *obj);
    default:
        return add_plain(r, 1, add_to_hash, *obj); /* RDB_TYPE_HASH */
    }
}

/* The kind of collection an RDB type holds; -1 for those rill cannot load (modules). */
static int obj_type_of(int type) {
    switch (type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_LIST_ZIPLIST:
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        return OBJ_LIST;
    case RDB_TYPE_SET:
    case RDB_TYPE_SET_INTSET:
        return OBJ_SET;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_ZSET_ZIPLIST:
    case RDB_TYPE_ZSET_LISTPACK:
        return OBJ_ZSET;
    case RDB_TYPE_HASH:
    case RDB_TYPE_HASH_ZIPMAP:
    case RDB_TYPE_HASH_ZIPLIST:
    case RDB_TYPE_HASH_LISTPACK:
        return OBJ_HASH;
    }
    return -1;
}

entry *rdb_load_value(rdb_reader *r, int type, const char *key, size_t klen, long long expire_ms,
                      int *empty) {
    *empty = 0;
    if (type == RDB_TYPE_STRING) return load_string(r, key, klen, expire_ms);
    if (type == RDB_TYPE_STREAM_LISTPACKS || type == RDB_TYPE_STREAM_LISTPACKS_2) {
        stream *s;
        if (rdb_load_stream(r, type, &s) == 0)
            return entry_new_obj(key, klen, OBJ_STREAM, s, expire_ms);
        stream_free(s);
        return NULL;
    }
    int otype = obj_type_of(type);
    if (otype < 0) { /* the skip says why the type cannot be loaded; the key is added */
        rdb_skip_value(r, type);
        char why[sizeof r->err];
        snprintf(why, sizeof why, "%s", r->err);
        r->err[0] = '\0';
        rdb_fail(r, "key '%.*s': %s", (int)(klen < 64 ? klen : 64), key, why);
        return NULL;
    }
    void *obj = value_new(otype);
    int rc = load_collection(r, type, &obj);
    if (rc != 0 || value_count(otype, obj) == 0) {
        *empty = rc == 0;
        value_free(otype, obj);
        return NULL;
    }
    return entry_new_obj(key, klen, otype, obj, expire_ms);
}

struct stamp {
    int pending;
    uint32_t flags;
    uint64_t cas;
};

static void read_stamp(struct stamp *st, const rdb_str *value) {
    char text[48];
    size_t n = value->len < sizeof text - 1 ? value->len : sizeof text - 1;
    memcpy(text, value->ptr, n);
    text[n] = '\0';
    unsigned flags;
    unsigned long long cas;
    st->pending = sscanf(text, "%u %llu", &flags, &cas) == 2;
    st->flags = flags;
    st->cas = cas;
}

/* A string key that had a memcached stamp gets it back, its CAS unique included; e is not
 * linked yet, so the stamped copy simply takes its place. */
static entry *restore_stamp(entry *e, struct stamp *st) {
    if (!st->pending || e->type != OBJ_STRING) return e;
    st->pending = 0;
    char digits[LL_STR_SIZE];
    size_t len;
    const char *value = entry_string(e, digits, &len);
    entry *stamped =
        entry_new_stamped(entry_key(e), e->keylen, value, len, entry_expire(e), st->flags);
    stamped->lru = e->lru;
    stamped->lfu = e->lfu;
    entry_free(e);
    memcpy(entry_after_ttl(stamped), &st->cas, sizeof st->cas);
    if (st->cas > server.last_cas) server.last_cas = st->cas;
    return stamped;
}

/* Keys are linked in batches: each one's bucket is prefetched when it is read, and the first
 * node of each chain before the batch is linked, so that the table (far bigger than the caches
 * for a big file) costs misses in parallel rather than one after another per key. */
#define LINK_BATCH 16
struct link_batch {
    db *d[LINK_BATCH];
    entry *e[LINK_BATCH];
    uint64_t hash[LINK_BATCH];
    int n;
};

/* Links the batch's keys; a key already there is an error. */
static int link_batch_flush(struct link_batch *b, rdb_reader *r, struct rdb_load_stats *st) {
    int rc = 0;
    for (int i = 0; i < b->n; i++)
        dict_prefetch_chain(&b->d[i]->keys, b->hash[i]);
    for (int i = 0; i < b->n; i++) {
        if (rc == 0 && db_add_if_absent(b->d[i], b->e[i]) == 0) {
            st->loaded++;
            continue;
        }
        if (rc == 0)
            rc = rdb_fail(r, "duplicate key '%.*s' in database %d", (int)b->e[i]->keylen,
                          entry_key(b->e[i]), b->d[i]->id);
        entry_free(b->e[i]);
    }
    b->n = 0;
    return rc;
}

static void log_aux(const rdb_record *rec, struct rdb_load_stats *st) {
    const rdb_str *k = &rec->key, *v = &rec->str;
    if (k->len == 9 && memcmp(k->ptr, "redis-ver", 9) == 0) {
        server_log(LL_NOTICE, "Loading RDB produced by version %.*s", (int)v->len, v->ptr);
    } else if (k->len == 5 && memcmp(k->ptr, "ctime", 5) == 0) {
        long long ctime;
        if (str_to_ll(v->ptr, v->len, &ctime) == 0) {
            long long age = (long long)time(NULL) - ctime;
            server_log(LL_NOTICE, "RDB age %lld seconds", age < 0 ? 0 : age);
        }
    } else if (k->len == 8 && memcmp(k->ptr, "used-mem", 8) == 0) {
        long long used;
        if (str_to_ll(v->ptr, v->len, &used) == 0) {
            server_log(LL_NOTICE, "RDB memory usage when created %.2f Mb",
                       (double)used / (1024 * 1024));
            st->rdb_used_mem = used;
        }
    } else {
        server_log(LL_DEBUG, "Unrecognized RDB AUX field: '%.*s'", (int)k->len, k->ptr);
    }
}

static void log_progress(const rdb_reader *r, long long *next_log_us) {
    long long now = time_us();
    if (now < *next_log_us) return;
    *next_log_us = now + 2000000;
    size_t done = (size_t)(r->p - r->base);
    server_log(LL_NOTICE, "Loading RDB: %zu of %zu MB (%d%%)", done >> 20, r->len >> 20,
               (int)(done * 100 / r->len));
}

/* One key record: loaded (into the batch, or at once when merging), or counted as expired or
 * empty. */
static int load_key(rdb_reader *r, db *d, const rdb_record *rec, struct stamp *stamp,
                    struct rdb_load_stats *st, long long now, unsigned flags, struct link_batch *b) {
    if (rec->expire_ms != -1 && rec->expire_ms < now && !(flags & RDB_LOAD_KEEP_EXPIRED)) { /* expired while the server was down */
        stamp->pending = 0;
        st->expired++;
        return rdb_skip_value(r, rec->type);
    }
    int empty;
    entry *e = rdb_load_value(r, rec->type, rec->key.ptr, rec->key.len, rec->expire_ms, &empty);
    if (!e && !empty) return -1;
    if (!e) {
        if (st->empty++ < 10)
            server_log(LL_WARNING, "rdbLoadObject skipping empty key: %.*s", (int)rec->key.len,
                       rec->key.ptr);
        stamp->pending = 0;
        return 0;
    }
    evict_set_access(e, rec->idle, rec->freq);
    e = restore_stamp(e, stamp);
    if (flags & RDB_LOAD_MERGE) {
        db_set(d, e);
        st->loaded++;
        return 0;
    }
    b->hash[b->n] = dict_hash(entry_key(e), e->keylen);
    dict_prefetch(&d->keys, b->hash[b->n]);
    b->d[b->n] = d;
    b->e[b->n++] = e;
    return b->n == LINK_BATCH ? link_batch_flush(b, r, st) : 0;
}

int rdb_load_dataset(rdb_reader *r, struct rdb_load_stats *st, unsigned flags,
                     int (*after_key)(const rdb_reader *r)) {
    int merge = (flags & RDB_LOAD_MERGE) != 0;
    db *d = &server.dbs[0]; /* keys before any SELECTDB belong to database 0 */
    long long now = time_ms(), next_log_us = time_us() + 2000000;
    struct stamp stamp = {0};
    struct link_batch batch = {.n = 0};
    rdb_record rec;
    rdb_record_init(&rec);
    int rc = 0;
    for (uint64_t n = 1; rc == 0; n++) {
        if ((n & 0xffff) == 0) log_progress(r, &next_log_us);
        switch (rdb_next(r, &rec)) {
        case RDB_REC_ERROR:
            rc = -1;
            break;
        case RDB_REC_EOF:
            rc = link_batch_flush(&batch, r, st);
            if (rc == 0 && r->p != r->end && !r->preamble)
                rc = rdb_fail(r, "data after the EOF opcode");
            rdb_record_free(&rec);
            return rc;
        case RDB_REC_SELECTDB:
            if (rec.db >= (uint64_t)server.ndbs) {
                rc = rdb_fail(r, "database %llu does not exist here (databases is %d)",
                              (unsigned long long)rec.db, server.ndbs);
            } else {
                d = &server.dbs[rec.db];
            }
            break;
        case RDB_REC_RESIZEDB:
            rc = link_batch_flush(&batch, r, st); /* the table may be resized */
            /* A key takes three bytes at least: a damaged hint cannot ask for more. */
            dict_reserve(&d->keys, rec.db_size < (uint64_t)(r->end - r->p) / 3
                                       ? rec.db_size
                                       : (uint64_t)(r->end - r->p) / 3);
            break;
        case RDB_REC_AUX:
            if (rec.key.len == strlen(AUX_STAMP) &&
                memcmp(rec.key.ptr, AUX_STAMP, rec.key.len) == 0)
                read_stamp(&stamp, &rec.str);
            else
                log_aux(&rec, st);
            break;
        case RDB_REC_FUNCTION: {
            buf_t why;
            buf_init(&why);
            if (functions_load_library(rec.str.ptr, rec.str.len, merge, &why) != 0)
                rc = rdb_fail(r, "Failed loading library, %.*s", (int)why.len, why.data);
            buf_free(&why);
            break;
        }
        case RDB_REC_KEY:
            rc = load_key(r, d, &rec, &stamp, st, now, flags, &batch);
            if (rc == 0 && after_key && after_key(r)) rc = rdb_fail(r, "loading stopped");
            break;
        }
    }
    link_batch_flush(&batch, r, st); /* frees what was not linked: the first error stands */
    rdb_record_free(&rec);
    return -1;
}
