/* Sorted sets: members ordered by score. The value is a zset_value (zset_value.c), packed
 * while small; an emptied sorted set is deleted. Every range (by rank, score or lex) becomes
 * a range of ranks first. Checks come in Redis's order, so the same bad command gets the
 * same error. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "keyspace/scan.h"
#include "keyspace/value_limits.h"
#include "mem.h"
#include "numconv.h"
#include "values/set_value.h"
#include "values/zset_value.h"

static inline zset_value *zset_of(entry *e) { return entry_obj(e); }

/* Replies WRONGTYPE when e exists and is not a sorted set; returns 1 then. */
static int not_a_zset(client *c, entry *e) {
    if (e && e->type != OBJ_ZSET) {
        reply_error(c, ERR_WRONGTYPE);
        return 1;
    }
    return 0;
}

/* The sorted set at key; NULL when absent (nothing replied) or after WRONGTYPE (*failed set). */
static entry *lookup(client *c, const resp_arg *key, int for_write, int *failed) {
    entry *e = for_write ? db_lookup_write(c->db, key->ptr, key->len)
                         : db_lookup_read(c->db, key->ptr, key->len);
    *failed = not_a_zset(c, e);
    return *failed ? NULL : e;
}

/* Announces event on the sorted set, then deletes it if it is empty now (announced as
 * "del"). */
static void zset_changed(db *d, entry *e, const char *event) {
    notify_key_event(NOTIFY_ZSET, event, d, entry_key(e), e->keylen);
    if (zset_count(zset_of(e)) > 0) return;
    notify_key_event(NOTIFY_GENERIC, "del", d, entry_key(e), e->keylen);
    db_delete_entry(d, e);
}

static void reply_member(client *c, const char *m, size_t len, double score, int withscores) {
    reply_bulk(c, m, len);
    if (withscores) reply_double(c, score);
}

/* Stores z under dst (or deletes dst when z is empty) and replies its size, as the STORE
 * commands do; event announces the stored set. Takes z. */
static void store_result(client *c, const resp_arg *dst, zset_value *z, const char *event) {
    long long n = (long long)zset_count(z);
    if (n == 0) {
        zset_free(z);
        z = NULL;
    }
    server.dirty += db_store_result(c->db, dst->ptr, dst->len, OBJ_ZSET, z, event);
    reply_int(c, n);
}

/* ---- Ranges ---- */

struct score_range {
    double min, max;
    int minex, maxex;
};

/* One bound of a score range as Redis reads it: optional '(' then anything strtod takes whole
 * (spaces before, even nothing at all, are fine), not NaN. */
static int parse_score_bound(const resp_arg *a, double *v, int *exclusive) {
    const char *s = a->ptr;
    size_t len = a->len;
    *exclusive = len > 0 && s[0] == '(';
    if (*exclusive) {
        s++;
        len--;
    }
    char small[64];
    char *tmp = len < sizeof small ? small : mem_alloc(len + 1);
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    *v = strtod(tmp, &end);
    int ok = *end == '\0' && !isnan(*v);
    if (tmp != small) mem_free(tmp);
    return ok ? 0 : -1;
}

static int parse_score_range(client *c, const resp_arg *min, const resp_arg *max,
                             struct score_range *r) {
    if (parse_score_bound(min, &r->min, &r->minex) != 0 ||
        parse_score_bound(max, &r->max, &r->maxex) != 0) {
        reply_error(c, "min or max is not a float");
        return -1;
    }
    return 0;
}

/* A lex bound: "-" and "+" are the ends of the order, "[x" includes x, "(x" excludes it. */
struct lex_bound {
    enum { LEX_MIN_END, LEX_MAX_END, LEX_VALUE } kind;
    const char *ptr;
    size_t len;
    int exclusive;
};

struct lex_range {
    struct lex_bound min, max;
};

static int parse_lex_bound(const resp_arg *a, struct lex_bound *b) {
    b->exclusive = 0;
    b->ptr = NULL;
    b->len = 0;
    if (a->len == 0) return -1;
    switch (a->ptr[0]) {
    case '+':
    case '-':
        if (a->len != 1) return -1;
        b->kind = a->ptr[0] == '+' ? LEX_MAX_END : LEX_MIN_END;
        b->exclusive = 1; /* as Redis marks them: "- -" is an empty range */
        return 0;
    case '(':
    case '[':
        b->kind = LEX_VALUE;
        b->exclusive = a->ptr[0] == '(';
        b->ptr = a->ptr + 1;
        b->len = a->len - 1;
        return 0;
    default:
        return -1;
    }
}

static int parse_lex_range(client *c, const resp_arg *min, const resp_arg *max,
                           struct lex_range *r) {
    if (parse_lex_bound(min, &r->min) != 0 || parse_lex_bound(max, &r->max) != 0) {
        reply_error(c, "min or max not valid string range item");
        return -1;
    }
    return 0;
}

/* Compares a member with a lex bound's value (the ends compare below / above everything). */
static int lex_compare(const char *m, size_t len, const struct lex_bound *b) {
    if (b->kind == LEX_MIN_END) return 1;
    if (b->kind == LEX_MAX_END) return -1;
    size_t n = len < b->len ? len : b->len;
    int r = n ? memcmp(m, b->ptr, n) : 0;
    if (r) return r;
    return len < b->len ? -1 : len > b->len;
}

/* Boundary predicates for zset_count_before. */
static int below_score_min(double score, const char *m, size_t len, const void *ctx) {
    (void)m, (void)len;
    const struct score_range *r = ctx;
    return r->minex ? score <= r->min : score < r->min;
}

static int within_score_max(double score, const char *m, size_t len, const void *ctx) {
    (void)m, (void)len;
    const struct score_range *r = ctx;
    return r->maxex ? score < r->max : score <= r->max;
}

static int below_lex_min(double score, const char *m, size_t len, const void *ctx) {
    (void)score;
    const struct lex_range *r = ctx;
    int cmp = lex_compare(m, len, &r->min);
    return r->min.exclusive ? cmp <= 0 : cmp < 0;
}

static int within_lex_max(double score, const char *m, size_t len, const void *ctx) {
    (void)score;
    const struct lex_range *r = ctx;
    int cmp = lex_compare(m, len, &r->max);
    return r->max.exclusive ? cmp < 0 : cmp <= 0;
}

/* Ranks [*first, *last] of the members in a score range; 0 when there are none. */
static int score_ranks(zset_value *z, const struct score_range *r, size_t *first, size_t *last) {
    if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex))) return 0;
    size_t lo = zset_count_before(z, below_score_min, r);
    size_t hi = zset_count_before(z, within_score_max, r);
    if (lo >= hi) return 0;
    *first = lo;
    *last = hi - 1;
    return 1;
}

/* Orders two lex bounds (the ends of the order compare below / above any value). */
static int lex_bounds_compare(const struct lex_bound *a, const struct lex_bound *b) {
    if (a->kind == b->kind && a->kind != LEX_VALUE) return 0;
    if (a->kind == LEX_MIN_END || b->kind == LEX_MAX_END) return -1;
    if (a->kind == LEX_MAX_END || b->kind == LEX_MIN_END) return 1;
    return -lex_compare(b->ptr, b->len, a);
}

/* The member at rank (which exists). */
static void member_at(zset_value *z, size_t rank, const char **m, size_t *len) {
    zset_iter it;
    double score;
    zset_iter_init(&it, z, rank, 0);
    zset_iter_next(&it, m, len, &score);
    zset_iter_done(&it);
}

/* Lex ranges assume equal scores; with mixed scores Redis leaves the result unspecified. These
 * are its checks: a range past either end of the set is empty. */
static int lex_ranks(zset_value *z, const struct lex_range *r, size_t *first, size_t *last) {
    int cmp = lex_bounds_compare(&r->min, &r->max);
    size_t n = zset_count(z);
    if (cmp > 0 || (cmp == 0 && (r->min.exclusive || r->max.exclusive)) || n == 0) return 0;
    const char *m;
    size_t len;
    member_at(z, n - 1, &m, &len);
    if (below_lex_min(0, m, len, r)) return 0;
    member_at(z, 0, &m, &len);
    if (!within_lex_max(0, m, len, r)) return 0;
    size_t lo = zset_count_before(z, below_lex_min, r);
    size_t hi = zset_count_before(z, within_lex_max, r);
    if (lo >= hi) return 0;
    *first = lo;
    *last = hi - 1;
    return 1;
}

/* Rank range [start, end] (negative from the end) clamped to len members; 0 when empty. */
static int clamp_ranks(long long len, long long *start, long long *end) {
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return 0;
    if (*end >= len) *end = len - 1;
    return 1;
}

/* ---- ZADD, ZINCRBY ---- */

#define ZADD_NX (1u << 0)
#define ZADD_XX (1u << 1)
#define ZADD_GT (1u << 2)
#define ZADD_LT (1u << 3)
#define ZADD_INCR (1u << 4)
#define ZADD_CH (1u << 5)

enum zadd_outcome { ZADD_ADDED, ZADD_UPDATED, ZADD_UNCHANGED, ZADD_NOP, ZADD_NAN };

/* One member of ZADD with its flags; *score becomes the member's score when it changed. */
static enum zadd_outcome zadd_one(zset_value *z, const resp_arg *m, double *score,
                                  unsigned flags) {
    struct packed_limits lim = zset_limits();
    zset_place place;
    if (zset_find(z, m->ptr, m->len, &place)) {
        double current = place.score;
        if (flags & ZADD_NX) return ZADD_NOP;
        if (flags & ZADD_INCR) {
            *score += current;
            if (isnan(*score)) return ZADD_NAN;
        }
        if (((flags & ZADD_LT) && *score >= current) || ((flags & ZADD_GT) && *score <= current))
            return ZADD_NOP;
        if (*score == current) return ZADD_UNCHANGED;
        zset_put(z, &place, m->ptr, m->len, *score, &lim);
        return ZADD_UPDATED;
    }
    if (flags & ZADD_XX) return ZADD_NOP;
    zset_put(z, &place, m->ptr, m->len, *score, &lim);
    return ZADD_ADDED;
}

static void zadd_generic(client *c, unsigned flags) {
    size_t first = 2;
    for (; first < c->argc; first++) {
        const resp_arg *a = &c->argv[first];
        if (arg_is(a, "nx")) {
            flags |= ZADD_NX;
        } else if (arg_is(a, "xx")) {
            flags |= ZADD_XX;
        } else if (arg_is(a, "ch")) {
            flags |= ZADD_CH;
        } else if (arg_is(a, "incr")) {
            flags |= ZADD_INCR;
        } else if (arg_is(a, "gt")) {
            flags |= ZADD_GT;
        } else if (arg_is(a, "lt")) {
            flags |= ZADD_LT;
        } else {
            break;
        }
    }
    size_t nargs = c->argc - first;
    if (nargs % 2 || nargs == 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    size_t pairs = nargs / 2;
    if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
        reply_error(c, "XX and NX options at the same time are not compatible");
        return;
    }
    if (((flags & ZADD_NX) && (flags & (ZADD_GT | ZADD_LT))) ||
        ((flags & ZADD_GT) && (flags & ZADD_LT))) {
        reply_error(c, "GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if ((flags & ZADD_INCR) && pairs > 1) {
        reply_error(c, "INCR option supports a single increment-element pair");
        return;
    }
    /* Every score is checked before anything changes: all or nothing. */
    double *scores = mem_alloc(pairs * sizeof *scores);
    for (size_t i = 0; i < pairs; i++) {
        const resp_arg *a = &c->argv[first + 2 * i];
        if (str_to_double(a->ptr, a->len, &scores[i]) != 0) {
            reply_error(c, ERR_NOT_FLOAT);
            mem_free(scores);
            return;
        }
    }
    int failed;
    entry *e = lookup(c, &c->argv[1], 1, &failed);
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (failed) goto done;
    if (!e) {
        if (flags & ZADD_XX) goto reply;
        e = entry_new_obj(c->argv[1].ptr, c->argv[1].len, OBJ_ZSET, zset_new(), -1);
        db_add(c->db, e);
    }
    for (size_t i = 0; i < pairs; i++) {
        score = scores[i];
        enum zadd_outcome o = zadd_one(zset_of(e), &c->argv[first + 2 * i + 1], &score, flags);
        if (o == ZADD_NAN) {
            reply_error(c, "resulting score is not a number (NaN)");
            goto done;
        }
        added += o == ZADD_ADDED;
        updated += o == ZADD_UPDATED;
        processed += o != ZADD_NOP;
    }
    server.dirty += added + updated;
    if (added + updated) notify_key_arg(NOTIFY_ZSET, (flags & ZADD_INCR) ? "zincr" : "zadd", c,
                                        &c->argv[1]);
reply:
    if (flags & ZADD_INCR) {
        if (processed) {
            reply_double(c, score);
        } else {
            reply_nil(c);
        }
    } else {
        reply_int(c, (flags & ZADD_CH) ? added + updated : added);
    }
done:
    mem_free(scores);
}

void cmd_zadd(client *c) { zadd_generic(c, 0); }

void cmd_zincrby(client *c) { zadd_generic(c, ZADD_INCR); }

/* ---- Members ---- */

void cmd_zrem(client *c) {
    int failed;
    entry *e = lookup(c, &c->argv[1], 1, &failed);
    if (failed) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    long long deleted = 0;
    for (size_t i = 2; i < c->argc && zset_count(zset_of(e)) > 0; i++)
        deleted += zset_delete(zset_of(e), c->argv[i].ptr, c->argv[i].len);
    server.dirty += deleted;
    if (deleted) zset_changed(c->db, e, "zrem");
    reply_int(c, deleted);
}

/* The member's score, or nil when it (or the sorted set, e NULL) is absent. */
static void reply_score(client *c, entry *e, const resp_arg *member) {
    double score;
    if (e && zset_score(zset_of(e), member->ptr, member->len, &score)) {
        reply_double(c, score);
    } else {
        reply_nil(c);
    }
}

void cmd_zscore(client *c) {
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (!failed) reply_score(c, e, &c->argv[2]);
}

void cmd_zmscore(client *c) {
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) reply_score(c, e, &c->argv[i]);
}

void cmd_zcard(client *c) {
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    reply_int(c, e ? (long long)zset_count(zset_of(e)) : 0);
}

static void rank_generic(client *c, int reverse) {
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    size_t rank;
    if (!e || !zset_rank(zset_of(e), c->argv[2].ptr, c->argv[2].len, &rank)) {
        reply_nil(c);
        return;
    }
    reply_int(c, (long long)(reverse ? zset_count(zset_of(e)) - 1 - rank : rank));
}

void cmd_zrank(client *c) { rank_generic(c, 0); }

void cmd_zrevrank(client *c) { rank_generic(c, 1); }

void cmd_zcount(client *c) {
    struct score_range r;
    if (parse_score_range(c, &c->argv[2], &c->argv[3], &r) != 0) return;
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    size_t first, last;
    reply_int(c, e && score_ranks(zset_of(e), &r, &first, &last) ? (long long)(last - first + 1)
                                                                  : 0);
}

void cmd_zlexcount(client *c) {
    struct lex_range r;
    if (parse_lex_range(c, &c->argv[2], &c->argv[3], &r) != 0) return;
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    size_t first, last;
    reply_int(c, e && lex_ranks(zset_of(e), &r, &first, &last) ? (long long)(last - first + 1) : 0);
}

/* ---- ZRANGE and its older forms ---- */

enum range_kind { RANGE_AUTO, RANGE_RANK, RANGE_SCORE, RANGE_LEX };
enum range_direction { DIR_AUTO, DIR_FORWARD, DIR_REVERSE };

/* Replies (or stores under dst) ranks [first, last] of z, walked from first (forward) or
 * from last (reverse), skipping offset and taking up to limit (-1: all) members. */
static void emit_ranks(client *c, zset_value *z, size_t first, size_t last, int reverse,
                       long long offset, long long limit, int withscores, const resp_arg *dst) {
    size_t n = last - first + 1;
    if ((unsigned long long)offset >= n) {
        n = 0;
    } else {
        n -= (size_t)offset;
        if (limit >= 0 && (unsigned long long)limit < n) n = (size_t)limit;
    }
    zset_value *out = dst ? zset_new() : NULL;
    struct packed_limits lim = zset_limits();
    if (!dst) reply_array(c, (long long)n * (withscores ? 2 : 1));
    if (n > 0) {
        zset_iter it;
        const char *m;
        size_t len;
        double score;
        zset_iter_init(&it, z, reverse ? last - (size_t)offset : first + (size_t)offset, reverse);
        for (size_t i = 0; i < n && zset_iter_next(&it, &m, &len, &score); i++) {
            if (out) {
                zset_set(out, m, len, score, &lim);
            } else {
                reply_member(c, m, len, score, withscores);
            }
        }
        zset_iter_done(&it);
    }
    if (dst) store_result(c, dst, out, "zrangestore");
}

/* Z[REV]RANGE[BYSCORE|BYLEX] and ZRANGESTORE: key at argv[src], range after it. */
static void zrange_generic(client *c, size_t src, const resp_arg *dst, enum range_kind kind,
                           enum range_direction dir) {
    size_t minidx = src + 1, maxidx = src + 2;
    long long offset = 0, limit = -1;
    int withscores = 0, has_limit = 0;
    for (size_t j = src + 3; j < c->argc; j++) {
        size_t left = c->argc - j - 1;
        const resp_arg *a = &c->argv[j];
        if (!dst && arg_is(a, "withscores")) {
            withscores = 1;
        } else if (arg_is(a, "limit") && left >= 2) {
            if (arg_ll(c, &c->argv[j + 1], &offset) != 0 || arg_ll(c, &c->argv[j + 2], &limit) != 0)
                return;
            has_limit = 1;
            j += 2;
        } else if (dir == DIR_AUTO && arg_is(a, "rev")) {
            dir = DIR_REVERSE;
        } else if (kind == RANGE_AUTO && arg_is(a, "bylex")) {
            kind = RANGE_LEX;
        } else if (kind == RANGE_AUTO && arg_is(a, "byscore")) {
            kind = RANGE_SCORE;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (dir == DIR_AUTO) dir = DIR_FORWARD;
    if (kind == RANGE_AUTO) kind = RANGE_RANK;
    if (has_limit && kind == RANGE_RANK) {
        reply_error(c, "syntax error, LIMIT is only supported in combination with either "
                       "BYSCORE or BYLEX");
        return;
    }
    if (withscores && kind == RANGE_LEX) {
        reply_error(c, "syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    int reverse = dir == DIR_REVERSE;
    if (reverse && kind != RANGE_RANK) {
        /* Reverse score and lex ranges are written max first. */
        size_t t = minidx;
        minidx = maxidx;
        maxidx = t;
    }
    long long start = 0, end = 0;
    struct score_range sr;
    struct lex_range lr;
    if (kind == RANGE_RANK) {
        if (arg_ll(c, &c->argv[minidx], &start) != 0 || arg_ll(c, &c->argv[maxidx], &end) != 0)
            return;
    } else if (kind == RANGE_SCORE) {
        if (parse_score_range(c, &c->argv[minidx], &c->argv[maxidx], &sr) != 0) return;
    } else if (parse_lex_range(c, &c->argv[minidx], &c->argv[maxidx], &lr) != 0) {
        return;
    }
    int failed;
    entry *e = lookup(c, &c->argv[src], 0, &failed);
    if (failed) return;
    if (!e) {
        if (dst) {
            store_result(c, dst, zset_new(), "zrangestore");
        } else {
            reply_array(c, 0);
        }
        return;
    }
    zset_value *z = zset_of(e);
    size_t first = 0, last = 0;
    int any;
    if (kind == RANGE_RANK) {
        long long len = (long long)zset_count(z);
        any = clamp_ranks(len, &start, &end);
        if (any && reverse) {
            /* Ranks counted from the top. */
            long long s = len - 1 - end, t = len - 1 - start;
            start = s;
            end = t;
        }
        first = (size_t)start;
        last = (size_t)end;
    } else {
        any = kind == RANGE_SCORE ? score_ranks(z, &sr, &first, &last)
                                  : lex_ranks(z, &lr, &first, &last);
        /* A negative offset selects nothing, as in Redis. */
        if (offset < 0) any = 0;
    }
    if (!any) {
        if (dst) {
            store_result(c, dst, zset_new(), "zrangestore");
        } else {
            reply_array(c, 0);
        }
        return;
    }
    emit_ranks(c, z, first, last, reverse, offset, limit, withscores, dst);
}

void cmd_zrange(client *c) { zrange_generic(c, 1, NULL, RANGE_AUTO, DIR_AUTO); }

void cmd_zrangestore(client *c) { zrange_generic(c, 2, &c->argv[1], RANGE_AUTO, DIR_AUTO); }

void cmd_zrevrange(client *c) { zrange_generic(c, 1, NULL, RANGE_RANK, DIR_REVERSE); }

void cmd_zrangebyscore(client *c) { zrange_generic(c, 1, NULL, RANGE_SCORE, DIR_FORWARD); }

void cmd_zrevrangebyscore(client *c) { zrange_generic(c, 1, NULL, RANGE_SCORE, DIR_REVERSE); }

void cmd_zrangebylex(client *c) { zrange_generic(c, 1, NULL, RANGE_LEX, DIR_FORWARD); }

void cmd_zrevrangebylex(client *c) { zrange_generic(c, 1, NULL, RANGE_LEX, DIR_REVERSE); }

/* ---- Removing ranges ---- */

static void zremrange_generic(client *c, enum range_kind kind) {
    long long start = 0, end = 0;
    struct score_range sr;
    struct lex_range lr;
    if (kind == RANGE_RANK) {
        if (arg_ll(c, &c->argv[2], &start) != 0 || arg_ll(c, &c->argv[3], &end) != 0) return;
    } else if (kind == RANGE_SCORE) {
        if (parse_score_range(c, &c->argv[2], &c->argv[3], &sr) != 0) return;
    } else if (parse_lex_range(c, &c->argv[2], &c->argv[3], &lr) != 0) {
        return;
    }
    int failed;
    entry *e = lookup(c, &c->argv[1], 1, &failed);
    if (failed) return;
    if (!e) {
        reply_int(c, 0);
        return;
    }
    zset_value *z = zset_of(e);
    size_t first = 0, last = 0;
    int any;
    if (kind == RANGE_RANK) {
        any = clamp_ranks((long long)zset_count(z), &start, &end);
        first = (size_t)start;
        last = (size_t)end;
    } else {
        any = kind == RANGE_SCORE ? score_ranks(z, &sr, &first, &last)
                                  : lex_ranks(z, &lr, &first, &last);
    }
    if (!any) {
        reply_int(c, 0);
        return;
    }
    zset_delete_ranks(z, first, last);
    server.dirty += (long long)(last - first + 1);
    static const char *const events[] = {"zremrangebyrank", "zremrangebyscore", "zremrangebylex"};
    zset_changed(c->db, e, events[kind - RANGE_RANK]);
    reply_int(c, (long long)(last - first + 1));
}

void cmd_zremrangebyrank(client *c) { zremrange_generic(c, RANGE_RANK); }

void cmd_zremrangebyscore(client *c) { zremrange_generic(c, RANGE_SCORE); }

void cmd_zremrangebylex(client *c) { zremrange_generic(c, RANGE_LEX); }

/* ---- Pops ---- */

/* Pops up to count members from the low (min) or high end of z, replying them as a flat
 * array (member, score, ...) or as pairs. */
static void pop_reply(client *c, zset_value *z, int min, long long count, int pairs) {
    size_t n = zset_count(z);
    size_t take = (unsigned long long)count < n ? (size_t)count : n;
    size_t first = min ? 0 : n - take;
    reply_array(c, (long long)take * (pairs ? 1 : 2));
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, z, min ? first : n - 1, !min);
    for (size_t i = 0; i < take && zset_iter_next(&it, &m, &len, &score); i++) {
        if (pairs) reply_array(c, 2);
        reply_member(c, m, len, score, 1);
    }
    zset_iter_done(&it);
    zset_delete_ranks(z, first, first + take - 1);
    server.dirty += (long long)take;
}

/* Pops from the first non-empty sorted set among nkeys keys. Returns 1 when it replied
 * (members or WRONGTYPE), 0 when every key was empty. with_key: the reply is [key, members]
 * (BZPOP*, ZMPOP); pairs: members as [member, score] pairs (ZMPOP). */
static int pop_first(client *c, const resp_arg *keys, size_t nkeys, int min, long long count,
                     int with_key, int pairs) {
    for (size_t i = 0; i < nkeys; i++) {
        int failed;
        entry *e = lookup(c, &keys[i], 1, &failed);
        if (failed) return 1;
        if (!e) continue;
        if (count == 0) {
            reply_array(c, 0);
            return 1;
        }
        if (with_key && pairs) {
            reply_array(c, 2);
            reply_bulk(c, keys[i].ptr, keys[i].len);
        } else if (with_key) {
            /* BZPOPMIN: [key, member, score] in one array. */
            reply_array(c, 3);
            reply_bulk(c, keys[i].ptr, keys[i].len);
            zset_value *z = zset_of(e);
            zset_iter it;
            const char *m;
            size_t len;
            double score;
            size_t rank = min ? 0 : zset_count(z) - 1;
            zset_iter_init(&it, z, rank, 0);
            zset_iter_next(&it, &m, &len, &score);
            reply_member(c, m, len, score, 1);
            zset_iter_done(&it);
            zset_delete_ranks(z, rank, rank);
            server.dirty++;
            zset_changed(c->db, e, min ? "zpopmin" : "zpopmax");
            resp_arg argv[2] = {{min ? "ZPOPMIN" : "ZPOPMAX", 7}, keys[i]};
            effects_rewrite(argv, 2); /* as the pop it became */
            return 1;
        }
        if (with_key) { /* ZMPOP and BZMPOP: as ZPOPMIN/ZPOPMAX key count */
            size_t n = zset_count(zset_of(e));
            char num[LL_STR_SIZE];
            size_t len = ll_to_str(num, (unsigned long long)count < n ? count : (long long)n);
            resp_arg argv[3] = {{min ? "ZPOPMIN" : "ZPOPMAX", 7}, keys[i], {num, len}};
            effects_rewrite(argv, 3);
        }
        pop_reply(c, zset_of(e), min, count, pairs);
        zset_changed(c->db, e, min ? "zpopmin" : "zpopmax");
        return 1;
    }
    return 0;
}

static void zpop_generic(client *c, int min) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    long long count = 1;
    if (c->argc == 3 && arg_positive(c, &c->argv[2], &count, NULL) != 0) return;
    if (!pop_first(c, &c->argv[1], 1, min, count, 0, 0)) reply_array(c, 0);
}

void cmd_zpopmin(client *c) { zpop_generic(c, 1); }

void cmd_zpopmax(client *c) { zpop_generic(c, 0); }

static void bzpop_generic(client *c, int min) {
    long long deadline;
    if (blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) != 0) return;
    if (pop_first(c, &c->argv[1], c->argc - 2, min, 1, 1, 0)) return;
    if (blocking_allowed(c)) {
        blocking_block(c, 1, c->argc - 2, deadline, OBJ_ZSET);
    } else {
        reply_nil_array(c);
    }
}

void cmd_bzpopmin(client *c) { bzpop_generic(c, 1); }

void cmd_bzpopmax(client *c) { bzpop_generic(c, 0); }

void cmd_zmpop(client *c) {
    struct mpop_args a;
    if (arg_mpop(c, 1, "min", "max", &a) != 0) return;
    if (!pop_first(c, &c->argv[a.first_key], a.nkeys, a.first_end, a.count, 1, 1)) reply_nil_array(c);
}

void cmd_bzmpop(client *c) {
    struct mpop_args a;
    if (arg_mpop(c, 2, "min", "max", &a) != 0) return;
    long long deadline;
    if (blocking_parse_timeout(c, &c->argv[1], &deadline) != 0) return;
    if (pop_first(c, &c->argv[a.first_key], a.nkeys, a.first_end, a.count, 1, 1)) return;
    if (blocking_allowed(c)) {
        blocking_block(c, a.first_key, a.nkeys, deadline, OBJ_ZSET);
    } else {
        reply_nil_array(c);
    }
}

/* ---- Random members ---- */

static void zrandmember_with_count(client *c, int withscores) {
    long long count;
    if (arg_range(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, &count, NULL) != 0) return;
    /* Member and score for each: the reply length must not overflow. */
    if (withscores && (count > LLONG_MAX / 2 || count < -LLONG_MAX / 2)) {
        reply_error(c, "value is out of range");
        return;
    }
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    if (!e || count == 0) {
        reply_array(c, 0);
        return;
    }
    zset_value *z = zset_of(e);
    size_t n = zset_count(z);
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    if (count < 0) {
        size_t start = c->reply.len;
        reply_array(c, -count * (withscores ? 2 : 1));
        for (long long i = 0; i < -count; i++) {
            if (!reply_draw_fits(c, i, -count, withscores ? 13 : 6, start)) return;
            zset_iter_init(&it, z, (size_t)random() % n, 0);
            zset_iter_next(&it, &m, &len, &score);
            reply_member(c, m, len, score, withscores);
            zset_iter_done(&it);
        }
        return;
    }
    if ((unsigned long long)count >= n) {
        /* The whole set, from the top down as Redis walks it. */
        reply_array(c, (long long)n * (withscores ? 2 : 1));
        zset_iter_init(&it, z, n - 1, 1);
        while (zset_iter_next(&it, &m, &len, &score)) reply_member(c, m, len, score, withscores);
        zset_iter_done(&it);
        return;
    }
    size_t want = (size_t)count;
    reply_array(c, (long long)want * (withscores ? 2 : 1));
    size_t *picks = mem_alloc(want * sizeof *picks);
    pl_sample_indices(n, want, picks);
    /* One walk in rank order visits the (increasing) picks. */
    zset_iter_init(&it, z, 0, 0);
    for (size_t rank = 0, i = 0; i < want && zset_iter_next(&it, &m, &len, &score); rank++) {
        if (rank != picks[i]) continue;
        reply_member(c, m, len, score, withscores);
        i++;
    }
    zset_iter_done(&it);
    mem_free(picks);
}

void cmd_zrandmember(client *c) {
    if (c->argc >= 3) {
        int withscores = c->argc == 4 && arg_is(&c->argv[3], "withscores");
        if (c->argc >= 4 && !withscores) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        zrandmember_with_count(c, withscores);
        return;
    }
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    if (!e) {
        reply_nil(c);
        return;
    }
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, zset_of(e), (size_t)random() % zset_count(zset_of(e)), 0);
    zset_iter_next(&it, &m, &len, &score);
    reply_bulk(c, m, len);
    zset_iter_done(&it);
}

/* ---- Union, intersection, difference ---- */

enum zset_op { ZOP_UNION, ZOP_INTER, ZOP_DIFF };
enum aggregate { AGG_SUM, AGG_MIN, AGG_MAX };

/* An input of the algebra: a sorted set, or a plain set whose members score 1. */
struct zsource {
    zset_value *z;
    set_value *s;
    double weight;
};

static size_t source_count(const struct zsource *src) {
    return src->z ? zset_count(src->z) : src->s ? set_count(src->s) : 0;
}

static int source_score(struct zsource *src, const char *m, size_t len, double *score) {
    if (src->z) return zset_score(src->z, m, len, score);
    *score = 1.0;
    return src->s && set_contains(src->s, m, len);
}

static int by_source_count(const void *a, const void *b) {
    size_t x = source_count(a), y = source_count(b);
    return x < y ? -1 : x > y;
}

static void aggregate(double *target, double v, enum aggregate agg) {
    if (agg == AGG_SUM) {
        *target += v;
        /* inf + -inf is NaN; Redis makes it 0. */
        if (isnan(*target)) *target = 0.0;
    } else if (agg == AGG_MIN) {
        *target = v < *target ? v : *target;
    } else {
        *target = v > *target ? v : *target;
    }
}

/* Calls fn on every member of a source with its score. */
typedef void source_visit_fn(const char *m, size_t len, double score, void *ctx);

static void source_foreach(struct zsource *src, source_visit_fn *fn, void *ctx) {
    if (src->z) {
        zset_iter it;
        const char *m;
        size_t len;
        double score;
        zset_iter_init(&it, src->z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &score)) fn(m, len, score, ctx);
        zset_iter_done(&it);
    } else if (src->s) {
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, src->s);
        while (set_iter_next(&it, &m, &len)) fn(m, len, 1.0, ctx);
        set_iter_done(&it);
    }
}

struct algebra {
    struct zsource *srcs;
    size_t n, current;
    enum aggregate agg;
    zset_value *out;
    long long limit, found; /* ZINTERCARD */
    struct packed_limits lim;
};

static double weighted(double score, double weight) {
    double v = score * weight;
    return isnan(v) ? 0.0 : v;
}

static void union_visit(const char *m, size_t len, double score, void *ctx) {
    struct algebra *a = ctx;
    double v = weighted(score, a->srcs[a->current].weight);
    zset_place place;
    if (zset_find(a->out, m, len, &place)) {
        double total = place.score;
        aggregate(&total, v, a->agg);
        v = total;
    }
    zset_put(a->out, &place, m, len, v, &a->lim);
}

static void inter_visit(const char *m, size_t len, double score, void *ctx) {
    struct algebra *a = ctx;
    if (a->limit && a->found >= a->limit) return;
    double total = weighted(score, a->srcs[0].weight);
    for (size_t j = 1; j < a->n; j++) {
        double v;
        if (!source_score(&a->srcs[j], m, len, &v)) return;
        /* Redis turns a NaN product into 0 for the first input only. */
        aggregate(&total, v * a->srcs[j].weight, a->agg);
    }
    a->found++;
    if (a->out) zset_set(a->out, m, len, total, &a->lim);
}

static void diff_visit(const char *m, size_t len, double score, void *ctx) {
    struct algebra *a = ctx;
    double v;
    for (size_t j = 1; j < a->n; j++)
        if (source_score(&a->srcs[j], m, len, &v)) return;
    zset_set(a->out, m, len, score, &a->lim);
}

/* ZUNION, ZINTER, ZDIFF, their STORE forms (dst) and ZINTERCARD (cardinality). */
static void algebra_generic(client *c, size_t numkeys_index, const resp_arg *dst, enum zset_op op,
                            int cardinality) {
    long long numkeys;
    if (arg_ll(c, &c->argv[numkeys_index], &numkeys) != 0) return;
    if (numkeys < 1) {
        reply_errorf(c, "at least 1 input key is needed for '%s' command",
                     command_fullname(c->last_cmd));
        return;
    }
    if ((unsigned long long)numkeys > c->argc - numkeys_index - 1) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    size_t n = (size_t)numkeys;
    struct zsource *srcs = mem_calloc(n, sizeof *srcs);
    size_t j = numkeys_index + 1;
    for (size_t i = 0; i < n; i++, j++) {
        entry *e = db_lookup_read(c->db, c->argv[j].ptr, c->argv[j].len);
        if (e && e->type != OBJ_ZSET && e->type != OBJ_SET) {
            reply_error(c, ERR_WRONGTYPE);
            goto done;
        }
        if (e && e->type == OBJ_ZSET) srcs[i].z = zset_of(e);
        if (e && e->type == OBJ_SET) srcs[i].s = entry_obj(e);
        srcs[i].weight = 1.0;
    }
    enum aggregate agg = AGG_SUM;
    int withscores = 0;
    long long limit = 0;
    while (j < c->argc) {
        size_t remaining = c->argc - j;
        const resp_arg *a = &c->argv[j];
        if (op != ZOP_DIFF && !cardinality && remaining >= n + 1 && arg_is(a, "weights")) {
            j++;
            for (size_t i = 0; i < n; i++, j++) {
                if (str_to_double(c->argv[j].ptr, c->argv[j].len, &srcs[i].weight) != 0) {
                    reply_error(c, "weight value is not a float");
                    goto done;
                }
            }
        } else if (op != ZOP_DIFF && !cardinality && remaining >= 2 && arg_is(a, "aggregate")) {
            const resp_arg *how = &c->argv[j + 1];
            if (arg_is(how, "sum")) {
                agg = AGG_SUM;
            } else if (arg_is(how, "min")) {
                agg = AGG_MIN;
            } else if (arg_is(how, "max")) {
                agg = AGG_MAX;
            } else {
                reply_error(c, ERR_SYNTAX);
                goto done;
            }
            j += 2;
        } else if (!dst && !cardinality && arg_is(a, "withscores")) {
            withscores = 1;
            j++;
        } else if (cardinality && remaining >= 2 && arg_is(a, "limit")) {
            if (arg_positive(c, &c->argv[j + 1], &limit, "LIMIT can't be negative") != 0)
                goto done;
            j += 2;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    /* Smallest inputs first: intersections walk the smallest one. */
    if (op != ZOP_DIFF) qsort(srcs, n, sizeof *srcs, by_source_count);
    struct algebra a = {srcs, n, 0, agg, cardinality ? NULL : zset_new(), limit, 0, zset_limits()};
    if (op == ZOP_UNION) {
        for (a.current = 0; a.current < n; a.current++) source_foreach(&srcs[a.current], union_visit, &a);
    } else if (op == ZOP_INTER) {
        int any_empty = 0;
        for (size_t i = 0; i < n; i++) any_empty |= source_count(&srcs[i]) == 0;
        if (!any_empty) source_foreach(&srcs[0], inter_visit, &a);
    } else {
        source_foreach(&srcs[0], diff_visit, &a);
    }
    if (cardinality) {
        reply_int(c, a.found);
    } else if (dst) {
        static const char *const events[] = {"zunionstore", "zinterstore", "zdiffstore"};
        store_result(c, dst, a.out, events[op]);
    } else {
        size_t count = zset_count(a.out);
        if (count) {
            emit_ranks(c, a.out, 0, count - 1, 0, 0, -1, withscores, NULL);
        } else {
            reply_array(c, 0);
        }
        zset_free(a.out);
    }
done:
    mem_free(srcs);
}

void cmd_zunionstore(client *c) { algebra_generic(c, 2, &c->argv[1], ZOP_UNION, 0); }

void cmd_zinterstore(client *c) { algebra_generic(c, 2, &c->argv[1], ZOP_INTER, 0); }

void cmd_zdiffstore(client *c) { algebra_generic(c, 2, &c->argv[1], ZOP_DIFF, 0); }

void cmd_zunion(client *c) { algebra_generic(c, 1, NULL, ZOP_UNION, 0); }

void cmd_zinter(client *c) { algebra_generic(c, 1, NULL, ZOP_INTER, 0); }

void cmd_zdiff(client *c) { algebra_generic(c, 1, NULL, ZOP_DIFF, 0); }

void cmd_zintercard(client *c) { algebra_generic(c, 1, NULL, ZOP_INTER, 1); }

/* ---- ZSCAN ---- */

void cmd_zscan(client *c) {
    unsigned long cursor;
    if (scan_parse_cursor(c, &c->argv[2], &cursor) != 0) return;
    int failed;
    entry *e = lookup(c, &c->argv[1], 0, &failed);
    if (failed) return;
    if (!e) {
        scan_reply_cursor(c, 0);
        reply_array(c, 0);
        return;
    }
    struct scan_options o;
    if (scan_parse_options(c, 3, 0, &o) != 0) return;
    zset_value *z = zset_of(e);
    if (z->pl) {
        /* Small sorted sets come whole, with cursor 0. */
        zset_iter it;
        const char *m;
        size_t len, matches = 0;
        double score;
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &score)) matches += scan_matches(&o, m, len);
        zset_iter_done(&it);
        scan_reply_cursor(c, 0);
        reply_array(c, (long long)matches * 2);
        zset_iter_init(&it, z, 0, 0);
        while (zset_iter_next(&it, &m, &len, &score))
            if (scan_matches(&o, m, len)) reply_member(c, m, len, score, 1);
        zset_iter_done(&it);
        return;
    }
    dict_node **found;
    size_t n, live = 0;
    cursor = scan_dict(&z->members, cursor, o.count, &found, &n);
    for (size_t i = 0; i < n; i++) {
        struct zsl_node *zn = (struct zsl_node *)found[i];
        if (scan_matches(&o, zsl_member(zn), zn->len)) found[live++] = found[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array(c, (long long)live * 2);
    for (size_t i = 0; i < live; i++) {
        struct zsl_node *zn = (struct zsl_node *)found[i];
        reply_member(c, zsl_member(zn), zn->len, zn->score, 1);
    }
    mem_free(found);
}
