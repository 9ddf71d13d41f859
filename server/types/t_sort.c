/* SORT and SORT_RO: the elements of a list, set or sorted set, sorted by their own value or by
 * a pattern's keys (BY, with "*" and "->field"), numerically or ALPHA, a LIMIT window, GET
 * patterns ("#" is the element), and STORE into a list. Redis 7.0's sort.c decides every rule:
 * the window arithmetic, BY without "*" (no sort), ties broken by the bytes, the error for a
 * value that is not a number. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/multi.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "scripting/scripting.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/zset_value.h"

struct sort_item {
    char *s; /* the element (owned) */
    size_t len;
    double score;
    char *by; /* ALPHA BY: the pattern's value, owned; NULL when it has none */
    size_t by_len;
};

struct sort_opts {
    int desc, alpha, by_pattern, store;
};

/* The sort is one call: its options live here for the comparison function. */
static struct sort_opts cmp_opts;

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c ? c : (alen > blen) - (alen < blen);
}

static int item_cmp(const void *pa, const void *pb) {
    const struct sort_item *a = pa, *b = pb;
    int c;
    if (!cmp_opts.alpha) {
        c = a->score > b->score   ? 1
            : a->score < b->score ? -1
                                  : bytes_cmp(a->s, a->len, b->s, b->len);
    } else if (cmp_opts.by_pattern) {
        if (!a->by || !b->by)
            c = a->by == b->by ? 0 : !a->by ? -1 : 1;
        else
            c = bytes_cmp(a->by, a->by_len, b->by, b->by_len);
    } else {
        c = bytes_cmp(a->s, a->len, b->s, b->len);
    }
    return cmp_opts.desc ? -c : c;
}

/* Redis's lookupKeyByPattern: "#" is the element itself; else the first "*" is replaced by it,
 * and "key->field" reads a hash field. 1 with the value copied into *out (mem_free it), 0 when
 * there is none (no "*", no key, a key of another type, no field). */
static int lookup_by_pattern(db *d, const resp_arg *pattern, const char *elem, size_t elen,
                             char **out, size_t *out_len) {
    const char *p = pattern->ptr;
    size_t plen = strnlen(p, pattern->len); /* Redis reads the pattern as a C string */
    if (plen == 1 && p[0] == '#') {
        *out = mem_alloc(elen ? elen : 1);
        memcpy(*out, elem, elen);
        *out_len = elen;
        return 1;
    }
    const char *star = memchr(p, '*', plen);
    if (!star) return 0;
    const char *arrow = NULL;
    for (const char *q = star + 1; q + 2 < p + plen && !arrow; q++) /* "->" with a field */
        if (q[0] == '-' && q[1] == '>') arrow = q;
    size_t field_len = arrow ? (size_t)(p + plen - arrow - 2) : 0;
    size_t prefix = (size_t)(star - p), suffix = plen - prefix - 1 - (arrow ? field_len + 2 : 0);
    char *key = mem_alloc(prefix + elen + suffix + 1);
    memcpy(key, p, prefix);
    memcpy(key + prefix, elem, elen);
    memcpy(key + prefix + elen, star + 1, suffix);
    entry *e = db_lookup_read(d, key, prefix + elen + suffix);
    mem_free(key);
    const char *v = NULL;
    size_t vlen = 0;
    char digits[LL_STR_SIZE];
    if (!e) return 0;
    if (arrow) {
        if (e->type != OBJ_HASH || !hash_get(entry_obj(e), arrow + 2, field_len, &v, &vlen))
            return 0;
    } else {
        if (e->type != OBJ_STRING) return 0;
        v = entry_string(e, digits, &vlen);
    }
    *out = mem_alloc(vlen ? vlen : 1);
    memcpy(*out, v, vlen);
    *out_len = vlen;
    return 1;
}

static void item_set(struct sort_item *it, const char *s, size_t len) {
    memset(it, 0, sizeof *it);
    it->s = mem_alloc(len ? len : 1);
    memcpy(it->s, s, len);
    it->len = len;
}

/* The elements to sort: all of them, or (not sorting a list or sorted set) only the window,
 * from its end when DESC. */
static size_t collect(entry *e, int dontsort, int desc, long long start, long long count,
                      struct sort_item *items) {
    size_t n = 0;
    if (!e) return 0;
    if (e->type == OBJ_LIST) {
        deque *l = entry_obj(e);
        deque_iter it;
        deque_elem el;
        size_t first = dontsort ? (size_t)(desc ? (long long)l->count - start - 1 : start) : 0;
        size_t want = dontsort ? (size_t)count : l->count;
        for (deque_iter_at(&it, l, first, !(dontsort && desc)); deque_iter_valid(&it) && n < want;
             deque_iter_next(&it)) {
            deque_iter_get(&it, &el);
            item_set(&items[n++], el.ptr, el.len);
        }
    } else if (e->type == OBJ_SET) {
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, entry_obj(e));
        while (set_iter_next(&it, &m, &len))
            item_set(&items[n++], m, len);
        set_iter_done(&it);
    } else {
        zset_iter it;
        const char *m;
        size_t len;
        double score;
        size_t want = dontsort ? (size_t)count : zset_count(entry_obj(e));
        size_t total = zset_count(entry_obj(e)); /* a reverse walk starts from the top */
        size_t rank = !dontsort ? 0 : desc ? total - 1 - (size_t)start : (size_t)start;
        zset_iter_init(&it, entry_obj(e), rank, dontsort && desc);
        while (n < want && zset_iter_next(&it, &m, &len, &score))
            item_set(&items[n++], m, len);
        zset_iter_done(&it);
    }
    return n;
}

static size_t value_size(entry *e) {
    if (!e) return 0;
    if (e->type == OBJ_LIST) return ((deque *)entry_obj(e))->count;
    if (e->type == OBJ_SET) return set_count(entry_obj(e));
    return zset_count(entry_obj(e));
}

static void sort_generic(client *c, int readonly) {
    struct sort_opts o = {0};
    long long limit_start = 0, limit_count = -1;
    const resp_arg *by = NULL, *store = NULL;
    int dontsort = 0;
    size_t ngets = 0, *gets = mem_alloc(c->argc * sizeof *gets);
    for (size_t j = 2; j < c->argc; j++) {
        size_t more = c->argc - j - 1;
        if (arg_is(&c->argv[j], "asc")) {
            o.desc = 0;
        } else if (arg_is(&c->argv[j], "desc")) {
            o.desc = 1;
        } else if (arg_is(&c->argv[j], "alpha")) {
            o.alpha = 1;
        } else if (arg_is(&c->argv[j], "limit") && more >= 2) {
            if (arg_ll(c, &c->argv[j + 1], &limit_start) != 0 ||
                arg_ll(c, &c->argv[j + 2], &limit_count) != 0)
                goto done;
            j += 2;
        } else if (!readonly && arg_is(&c->argv[j], "store") && more >= 1) {
            store = &c->argv[++j];
        } else if (arg_is(&c->argv[j], "by") && more >= 1) {
            by = &c->argv[++j];
            if (!memchr(by->ptr, '*', strnlen(by->ptr, by->len))) dontsort = 1;
        } else if (arg_is(&c->argv[j], "get") && more >= 1) {
            gets[ngets++] = ++j;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e && e->type != OBJ_SET && e->type != OBJ_LIST && e->type != OBJ_ZSET) {
        reply_error(c, ERR_WRONGTYPE);
        goto done;
    }
    /* A set has no order of its own: stored or in a script it is sorted, so that the result
     * does not depend on the hash table (as Redis). */
    if (dontsort && e && e->type == OBJ_SET && (store || scripting_running())) {
        dontsort = 0;
        o.alpha = 1;
        by = NULL;
    }
    long long n = (long long)value_size(e);
    long long start = limit_start < 0 ? 0 : limit_start > n ? n : limit_start;
    long long count = limit_count < -1 ? -1 : limit_count > n ? n : limit_count;
    long long end = count < 0 ? n - 1 : start + count - 1;
    if (start >= n) {
        start = n - 1;
        end = n - 2;
    }
    if (end >= n) end = n - 1;
    int window_only = e && e->type != OBJ_SET && dontsort && (start != 0 || end != n - 1);
    size_t cap = (size_t)(window_only ? (end >= start ? end - start + 1 : 0) : n);
    struct sort_item *items = mem_calloc(cap ? cap : 1, sizeof *items);
    size_t got = window_only
                     ? (end >= start ? collect(e, 1, o.desc, start, end - start + 1, items) : 0)
                     : collect(e, dontsort && e && e->type != OBJ_SET, o.desc, 0, n, items);
    if (window_only) {
        end -= start;
        start = 0;
    }
    int not_a_number = 0;
    if (!dontsort) {
        for (size_t i = 0; i < got; i++) {
            struct sort_item *it = &items[i];
            char *v = it->s;
            size_t vlen = it->len;
            int has = 1;
            if (by) has = lookup_by_pattern(c->db, by, it->s, it->len, &v, &vlen);
            if (!has) continue;
            if (o.alpha) {
                if (by) it->by = v, it->by_len = vlen, v = NULL;
            } else {
                char text[512], *endp;
                char *heap = vlen >= sizeof text ? mem_alloc(vlen + 1) : NULL;
                char *buf = heap ? heap : text;
                memcpy(buf, v, vlen);
                buf[vlen] = '\0';
                errno = 0;
                it->score = strtod(buf, &endp);
                if (*endp != '\0' || errno == ERANGE || isnan(it->score)) not_a_number = 1;
                mem_free(heap);
            }
            if (by && v) mem_free(v);
        }
        o.by_pattern = by != NULL;
        o.store = store != NULL;
        cmp_opts = o;
        qsort(items, got, sizeof *items, item_cmp);
    }
    long long rows = end >= start ? end - start + 1 : 0;
    long long outputlen = ngets ? (long long)ngets * rows : rows;
    if (not_a_number) {
        reply_error(c, "One or more scores can't be converted into double");
    } else if (!store) {
        reply_array(c, outputlen);
        for (long long j = start; j <= end; j++) {
            if (!ngets) reply_bulk(c, items[j].s, items[j].len);
            for (size_t g = 0; g < ngets; g++) {
                char *v;
                size_t vlen;
                if (lookup_by_pattern(c->db, &c->argv[gets[g]], items[j].s, items[j].len, &v,
                                      &vlen)) {
                    reply_bulk(c, v, vlen);
                    mem_free(v);
                } else {
                    reply_nil(c);
                }
            }
        }
    } else {
        deque *l = deque_new();
        for (long long j = start; j <= end; j++) {
            if (!ngets) deque_push(l, DEQUE_TAIL, items[j].s, items[j].len);
            for (size_t g = 0; g < ngets; g++) {
                char *v;
                size_t vlen;
                if (lookup_by_pattern(c->db, &c->argv[gets[g]], items[j].s, items[j].len, &v,
                                      &vlen)) {
                    deque_push(l, DEQUE_TAIL, v, vlen);
                    mem_free(v);
                } else {
                    deque_push(l, DEQUE_TAIL, "", 0);
                }
            }
        }
        /* Only the destination changed: the source's watchers are left alone. */
        db_signal_modified(c->db, store->ptr, store->len);
        multi_keys_touched_by_handler();
        if (outputlen) {
            db_set(c->db, entry_new_obj(store->ptr, store->len, OBJ_LIST, l, -1));
            notify_key_arg(NOTIFY_LIST, "sortstore", c, store);
            server.dirty += outputlen;
        } else {
            deque_free(l);
            entry *old = db_lookup_write(c->db, store->ptr, store->len);
            if (old) {
                db_delete_entry(c->db, old);
                notify_key_arg(NOTIFY_GENERIC, "del", c, store);
                server.dirty++;
            }
        }
        reply_int(c, outputlen);
    }
    for (size_t i = 0; i < got; i++) {
        mem_free(items[i].s);
        mem_free(items[i].by);
    }
    mem_free(items);
done:
    mem_free(gets);
}

/* SORT and SORT_RO keys: the sorted key, and STORE's destination (Redis's sortGetKeys). */
size_t sort_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap) {
    size_t n = 0;
    if (cap > 0) index[n++] = 1;
    size_t store = 0;
    for (size_t i = 2; i < argc; i++) {
        if (arg_is(&argv[i], "limit"))
            i += 2;
        else if (arg_is(&argv[i], "get") || arg_is(&argv[i], "by"))
            i += 1;
        else if (arg_is(&argv[i], "store") && i + 1 < argc)
            store = i + 1; /* the last wins */
    }
    if (store && n < cap) index[n++] = store;
    return n;
}

void cmd_sort(client *c) {
    sort_generic(c, 0);
}
void cmd_sort_ro(client *c) {
    sort_generic(c, 1);
}

/* SORT_RO reads its one key (Redis's sortROGetKeys; flagged movable as Redis flags it). */
size_t sort_ro_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap) {
    (void)argv, (void)argc;
    if (cap == 0) return 0;
    index[0] = 1;
    return 1;
}
