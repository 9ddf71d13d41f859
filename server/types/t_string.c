/* Strings: SET and its option forms, GET family, counters, ranges. Values live inline in the
 * entry; values that are canonical integers are kept as 8-byte integers. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"

/* Options of SET and GETEX */
#define OPT_NX (1u << 0)
#define OPT_XX (1u << 1)
#define OPT_GET (1u << 2)
#define OPT_KEEPTTL (1u << 3)
#define OPT_PERSIST (1u << 4)
#define OPT_EX (1u << 5)
#define OPT_PX (1u << 6)
#define OPT_EXAT (1u << 7)
#define OPT_PXAT (1u << 8)
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

enum option_context { FOR_SET, FOR_GETEX };

static entry *string_entry(const resp_arg *key, const char *v, size_t len, long long expire_ms) {
    return entry_new_string(key->ptr, key->len, v, len, expire_ms);
}

/* Parses SET / GETEX options from argv[first]. Returns -1 after replying a syntax error. */
static int parse_options(client *c, size_t first, enum option_context ctx, unsigned *flags,
                         const resp_arg **expire) {
    static const struct {
        const char *word;
        unsigned flag, excludes;
    } table[] = {
        {"nx", OPT_NX, OPT_XX},
        {"xx", OPT_XX, OPT_NX},
        {"get", OPT_GET, 0},
        {"keepttl", OPT_KEEPTTL, OPT_PERSIST | OPT_ANY_EXPIRE},
        {"persist", OPT_PERSIST, OPT_KEEPTTL | OPT_ANY_EXPIRE},
        {"ex", OPT_EX, OPT_KEEPTTL | OPT_PERSIST | OPT_PX | OPT_EXAT | OPT_PXAT},
        {"px", OPT_PX, OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_EXAT | OPT_PXAT},
        {"exat", OPT_EXAT, OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_PXAT},
        {"pxat", OPT_PXAT, OPT_KEEPTTL | OPT_PERSIST | OPT_EX | OPT_PX | OPT_EXAT},
    };
    const unsigned set_only = OPT_NX | OPT_XX | OPT_GET | OPT_KEEPTTL;
    *flags = 0;
    *expire = NULL;
    for (size_t i = first; i < c->argc; i++) {
        const resp_arg *a = &c->argv[i];
        size_t k;
        for (k = 0; k < sizeof table / sizeof table[0]; k++)
            if (arg_is(a, table[k].word)) break;
        int ok = k < sizeof table / sizeof table[0];
        if (ok) {
            unsigned f = table[k].flag;
            ok = !(*flags & table[k].excludes) &&
                 (ctx == FOR_SET ? f != OPT_PERSIST : !(f & set_only));
            if (ok && (f & OPT_ANY_EXPIRE)) {
                ok = i + 1 < c->argc;
                if (ok) *expire = &c->argv[++i];
            }
            *flags |= f;
        }
        if (!ok) {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

/* Absolute expiry time in ms from an EX/PX/EXAT/PXAT argument, or -1 after replying. */
static int expire_from_arg(client *c, const resp_arg *a, unsigned flags, long long *out) {
    long long v;
    if (arg_ll(c, a, &v) != 0) return -1;
    int seconds = (flags & (OPT_EX | OPT_EXAT)) != 0;
    if (v <= 0 || (seconds && v > LLONG_MAX / 1000)) {
        reply_expire_error(c);
        return -1;
    }
    if (seconds) v *= 1000;
    if ((flags & (OPT_EX | OPT_PX)) && __builtin_add_overflow(v, server.now_ms, &v)) {
        reply_expire_error(c);
        return -1;
    }
    *out = v;
    return 0;
}

/* Replies with the string at key (nil when absent). Returns -1 after WRONGTYPE. */
static int reply_current_value(client *c, entry *e) {
    if (!e) {
        reply_nil(c);
        return 0;
    }
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return -1;
    }
    reply_entry_string(c, e);
    return 0;
}

/* What SET, SETEX, PSETEX and GETSET propagate, as Redis 7.0: with a TTL, SET key value PXAT
 * <ms> (an absolute time replays the same); else without the GET arguments. */
static void set_effect(client *c, const resp_arg *key, const resp_arg *value, unsigned flags,
                       long long expire_ms) {
    if (expire_ms != -1) {
        char ms[LL_STR_SIZE];
        resp_arg argv[5] = {{"SET", 3}, *key, *value, {"PXAT", 4}, {ms, ll_to_str(ms, expire_ms)}};
        effects_rewrite(argv, 5);
    } else if (c->argc == 3 && c->last_cmd->proc == cmd_getset) {
        resp_arg argv[3] = {{"SET", 3}, *key, *value};
        effects_rewrite(argv, 3);
    } else if (flags & OPT_GET) {
        resp_arg argv[16]; /* SET's options, each at most once but GET, fit */
        size_t n = 0;
        for (size_t i = 0; i < c->argc && n < 16; i++)
            if (i < 3 || !arg_is(&c->argv[i], "get")) argv[n++] = c->argv[i];
        effects_rewrite(argv, n);
    }
}

/* The shared core of SET, SETNX, SETEX, PSETEX and GETSET. */
static void set_generic(client *c, const resp_arg *key, const resp_arg *value, unsigned flags,
                        const resp_arg *expire) {
    long long expire_ms = -1;
    if (expire && expire_from_arg(c, expire, flags, &expire_ms) != 0) return;
    entry *old = db_lookup_write(c->db, key->ptr, key->len);
    if ((flags & OPT_GET) && reply_current_value(c, old) != 0) return;
    if (((flags & OPT_NX) && old) || ((flags & OPT_XX) && !old)) {
        if (!(flags & OPT_GET)) reply_nil(c);
        return;
    }
    if ((flags & OPT_KEEPTTL) && old) expire_ms = entry_expire(old);
    db_set(c->db, string_entry(key, value->ptr, value->len, expire_ms));
    notify_key_arg(NOTIFY_STRING, "set", c, key);
    if (expire) notify_key_arg(NOTIFY_GENERIC, "expire", c, key);
    server.dirty++;
    if (!(flags & OPT_GET)) reply_ok(c);
    if (effects_wanted()) set_effect(c, key, value, flags, expire ? expire_ms : -1);
}

void cmd_set(client *c) {
    unsigned flags;
    const resp_arg *expire;
    if (parse_options(c, 3, FOR_SET, &flags, &expire) != 0) return;
    set_generic(c, &c->argv[1], &c->argv[2], flags, expire);
}

void cmd_setnx(client *c) {
    if (db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len)) {
        reply_int(c, 0);
        return;
    }
    db_add(c->db, string_entry(&c->argv[1], c->argv[2].ptr, c->argv[2].len, -1));
    notify_key_arg(NOTIFY_STRING, "set", c, &c->argv[1]);
    server.dirty++;
    reply_int(c, 1);
}

void cmd_setex(client *c) {
    set_generic(c, &c->argv[1], &c->argv[3], OPT_EX, &c->argv[2]);
}

void cmd_psetex(client *c) {
    set_generic(c, &c->argv[1], &c->argv[3], OPT_PX, &c->argv[2]);
}

void cmd_getset(client *c) {
    set_generic(c, &c->argv[1], &c->argv[2], OPT_GET, NULL);
}

void cmd_get(client *c) {
    reply_current_value(c, db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len));
}

void cmd_getdel(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (reply_current_value(c, e) != 0 || !e) return;
    db_delete_entry(c->db, e);
    notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[1]);
    server.dirty++;
    effects_rewrite_deletion(&c->argv[1], server.cfg.lazyfree_lazy_user_del);
}

void cmd_getex(client *c) {
    unsigned flags;
    const resp_arg *expire;
    if (parse_options(c, 2, FOR_GETEX, &flags, &expire) != 0) return;
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_nil(c);
        return;
    }
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    long long expire_ms = -1;
    if (expire && expire_from_arg(c, expire, flags, &expire_ms) != 0) return;
    reply_entry_string(c, e);
    /* Never propagated as it is: as DEL (or UNLINK), PEXPIREAT or PERSIST, as in Redis. */
    if ((flags & (OPT_EXAT | OPT_PXAT)) && db_time_passed(expire_ms)) {
        db_delete_entry(c->db, e);
        notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[1]);
        server.dirty++;
        effects_rewrite_deletion(&c->argv[1], server.cfg.lazyfree_lazy_expire);
    } else if (expire) {
        db_set_expire(c->db, e, expire_ms);
        notify_key_arg(NOTIFY_GENERIC, "expire", c, &c->argv[1]);
        server.dirty++;
        char ms[LL_STR_SIZE];
        resp_arg argv[3] = {{"PEXPIREAT", 9}, c->argv[1], {ms, ll_to_str(ms, expire_ms)}};
        effects_rewrite(argv, 3);
    } else if ((flags & OPT_PERSIST) && entry_expire(e) >= 0) {
        db_persist(c->db, e);
        notify_key_arg(NOTIFY_GENERIC, "persist", c, &c->argv[1]);
        server.dirty++;
        resp_arg argv[2] = {{"PERSIST", 7}, c->argv[1]};
        effects_rewrite(argv, 2);
    }
}

void cmd_mget(client *c) {
    reply_array(c, (long long)c->argc - 1);
    for (size_t i = 1; i < c->argc; i++) {
        entry *e = db_lookup_read(c->db, c->argv[i].ptr, c->argv[i].len);
        if (e && e->type == OBJ_STRING) {
            reply_entry_string(c, e);
        } else {
            reply_nil(c);
        }
    }
}

static void mset_generic(client *c, int only_if_none) {
    if (c->argc % 2 == 0) {
        reply_arity_error(c);
        return;
    }
    if (only_if_none) {
        for (size_t i = 1; i < c->argc; i += 2) {
            if (db_lookup_write(c->db, c->argv[i].ptr, c->argv[i].len)) {
                reply_int(c, 0);
                return;
            }
        }
    }
    for (size_t i = 1; i < c->argc; i += 2) {
        db_set(c->db, string_entry(&c->argv[i], c->argv[i + 1].ptr, c->argv[i + 1].len, -1));
        notify_key_arg(NOTIFY_STRING, "set", c, &c->argv[i]);
    }
    server.dirty += (long long)(c->argc - 1) / 2;
    if (only_if_none) {
        reply_int(c, 1);
    } else {
        reply_ok(c);
    }
}

void cmd_mset(client *c) {
    mset_generic(c, 0);
}

void cmd_msetnx(client *c) {
    mset_generic(c, 1);
}

void cmd_strlen(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (e && e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    reply_int(c, e ? (long long)entry_string_len(e) : 0);
}

/* Refuses a string of size + append bytes past proto-max-bulk-len (or past what an entry's
 * 32-bit length holds), sum overflow included, as Redis's checkStringLength. */
static int check_string_length(client *c, long long size, long long append) {
    long long total = (long long)((unsigned long long)size + (unsigned long long)append);
    if (total < size || total < append || total > server.cfg.proto_max_bulk_len ||
        total > (long long)UINT32_MAX) {
        reply_error(c, ERR_STRING_TOO_BIG);
        return -1;
    }
    return 0;
}

void cmd_append(client *c) {
    const resp_arg *key = &c->argv[1], *value = &c->argv[2];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (!e) {
        db_add(c->db, string_entry(key, value->ptr, value->len, -1));
        notify_key_arg(NOTIFY_STRING, "append", c, key);
        server.dirty++;
        reply_int(c, (long long)value->len);
        return;
    }
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    size_t old = entry_string_len(e);
    if (check_string_length(c, (long long)old, (long long)value->len) != 0) return;
    e = db_string_to_raw(c->db, e);
    e = db_resize_value(c->db, e, old + value->len, 1);
    memcpy(entry_value(e) + old, value->ptr, value->len);
    notify_key_arg(NOTIFY_STRING, "append", c, key);
    server.dirty++;
    reply_int(c, (long long)e->vallen);
}

void cmd_setrange(client *c) {
    const resp_arg *key = &c->argv[1], *value = &c->argv[3];
    long long offset;
    if (arg_ll(c, &c->argv[2], &offset) != 0) return;
    if (offset < 0) {
        reply_error(c, "offset is out of range");
        return;
    }
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (e && e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    size_t old = e ? entry_string_len(e) : 0;
    if (value->len == 0) {
        reply_int(c, (long long)old);
        return;
    }
    if (check_string_length(c, offset, (long long)value->len) != 0) return;
    size_t end = (size_t)offset + value->len;
    if (!e) {
        e = entry_new_raw(key->ptr, key->len, NULL, end, -1);
        memset(entry_value(e), 0, (size_t)offset);
        db_add(c->db, e);
    } else {
        e = db_string_to_raw(c->db, e);
        if (end > old) {
            e = db_resize_value(c->db, e, end, 0);
            memset(entry_value(e) + old, 0, end - old);
        }
    }
    memcpy(entry_value(e) + offset, value->ptr, value->len);
    e->flags |= ENTRY_GROWN; /* edited in place: Redis's raw encoding, whatever the length */
    notify_key_arg(NOTIFY_STRING, "setrange", c, key);
    server.dirty++;
    reply_int(c, (long long)e->vallen);
}

void cmd_getrange(client *c) {
    long long start, end;
    if (arg_ll(c, &c->argv[2], &start) != 0 || arg_ll(c, &c->argv[3], &end) != 0) return;
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_bulk(c, "", 0);
        return;
    }
    if (e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    char digits[LL_STR_SIZE];
    size_t len;
    const char *s = entry_string(e, digits, &len);
    long long n = (long long)len;
    if (start < 0 && end < 0 && start > end) {
        reply_bulk(c, "", 0);
        return;
    }
    if (start < 0) start += n;
    if (end < 0) end += n;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= n) end = n - 1;
    if (start > end || n == 0) {
        reply_bulk(c, "", 0);
        return;
    }
    reply_bulk(c, s + start, (size_t)(end - start + 1));
}

/* The shared core of INCR, DECR, INCRBY and DECRBY. */
static void incr_generic(client *c, long long by) {
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    long long v = 0;
    if (e) {
        if (e->type != OBJ_STRING) {
            reply_error(c, ERR_WRONGTYPE);
            return;
        }
        if (e->encoding == ENC_INT) {
            v = entry_int(e);
        } else if (str_to_ll(entry_value(e), e->vallen, &v) != 0) {
            reply_error(c, ERR_NOT_INTEGER);
            return;
        }
    }
    if (__builtin_add_overflow(v, by, &v)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    if (e && e->encoding == ENC_INT) {
        memcpy(entry_value(e), &v, sizeof v);
    } else {
        db_set(c->db, entry_new_int(key->ptr, key->len, v, e ? entry_expire(e) : -1));
    }
    notify_key_arg(NOTIFY_STRING, "incrby", c, key);
    server.dirty++;
    reply_int(c, v);
}

void cmd_incr(client *c) {
    incr_generic(c, 1);
}

void cmd_decr(client *c) {
    incr_generic(c, -1);
}

void cmd_incrby(client *c) {
    long long by;
    if (arg_ll(c, &c->argv[2], &by) == 0) incr_generic(c, by);
}

void cmd_decrby(client *c) {
    long long by;
    if (arg_ll(c, &c->argv[2], &by) != 0) return;
    if (by == LLONG_MIN) {
        reply_error(c, "decrement would overflow");
        return;
    }
    incr_generic(c, -by);
}

void cmd_incrbyfloat(client *c) {
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    long double v = 0, by;
    if (e && e->type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        return;
    }
    if (e) {
        char digits[LL_STR_SIZE];
        size_t len;
        const char *s = entry_string(e, digits, &len);
        if (str_to_ld(s, len, &v) != 0) {
            reply_error(c, ERR_NOT_FLOAT);
            return;
        }
    }
    if (str_to_ld(c->argv[2].ptr, c->argv[2].len, &by) != 0) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "increment would produce NaN or Infinity");
        return;
    }
    char out[LD_STR_SIZE];
    size_t n = ld_to_str(out, v);
    db_set(c->db, string_entry(key, out, n, e ? entry_expire(e) : -1));
    notify_key_arg(NOTIFY_STRING, "incrbyfloat", c, key);
    server.dirty++;
    reply_bulk(c, out, n);
    /* The result, not the increment: float formatting must not differ on replay. */
    resp_arg argv[4] = {{"SET", 3}, *key, {out, n}, {"KEEPTTL", 7}};
    effects_rewrite(argv, 4);
}

/* ---- LCS ---- */

struct lcs_match {
    uint32_t a_start, a_end, b_start, b_end;
};

/* LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence
 * by Redis's dynamic programming table, whose size proto-max-bulk-len bounds; the matches are
 * walked back from the end as Redis walks them, so IDX lists the same ranges. */
void cmd_lcs(client *c) {
    char digits_a[LL_STR_SIZE], digits_b[LL_STR_SIZE];
    const char *a = "", *b = "";
    size_t alen = 0, blen = 0;
    entry *ea = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    entry *eb = db_lookup_read(c->db, c->argv[2].ptr, c->argv[2].len);
    if ((ea && ea->type != OBJ_STRING) || (eb && eb->type != OBJ_STRING)) {
        reply_error(c, "The specified keys must contain string values");
        return;
    }
    if (ea) a = entry_string(ea, digits_a, &alen);
    if (eb) b = entry_string(eb, digits_b, &blen);
    int getlen = 0, getidx = 0, withmatchlen = 0;
    long long minmatchlen = 0;
    for (size_t j = 3; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "idx")) {
            getidx = 1;
        } else if (arg_is(&c->argv[j], "len")) {
            getlen = 1;
        } else if (arg_is(&c->argv[j], "withmatchlen")) {
            withmatchlen = 1;
        } else if (arg_is(&c->argv[j], "minmatchlen") && j + 1 < c->argc) {
            if (arg_ll(c, &c->argv[++j], &minmatchlen) != 0) return;
            if (minmatchlen < 0) minmatchlen = 0;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (getlen && getidx) {
        reply_error(c, "If you want both the length and indexes, please just use IDX.");
        return;
    }
    if (alen >= UINT32_MAX - 1 || blen >= UINT32_MAX - 1) {
        reply_error(c, "String too long for LCS");
        return;
    }
    unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
    if (cells * sizeof(uint32_t) > (unsigned long long)server.cfg.proto_max_bulk_len) {
        reply_error(c, "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    /* Transient and possibly large: plain malloc, so that a failure is an error reply. */
    uint32_t *table = malloc((size_t)cells * sizeof *table);
    if (!table) {
        reply_error(c, "Insufficient memory, failed allocating transient memory for LCS");
        return;
    }
#define LCS_AT(i, j) table[(size_t)(j) + (size_t)(i) * (blen + 1)]
    for (size_t i = 0; i <= alen; i++) {
        for (size_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                LCS_AT(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                LCS_AT(i, j) = LCS_AT(i - 1, j - 1) + 1;
            else
                LCS_AT(i, j) =
                    LCS_AT(i - 1, j) > LCS_AT(i, j - 1) ? LCS_AT(i - 1, j) : LCS_AT(i, j - 1);
        }
    }
    uint32_t length = LCS_AT(alen, blen), idx = length;
    char *result = getlen && !getidx ? NULL : mem_alloc(length ? length : 1);
    struct lcs_match *matches = NULL, cur = {(uint32_t)alen, 0, 0, 0}; /* a_start alen: none */
    size_t nmatches = 0, cap = 0;
    size_t i = alen, j = blen;
    while (result && i > 0 && j > 0) {
        int emit = 0;
        if (a[i - 1] == b[j - 1]) {
            result[idx - 1] = a[i - 1];
            if (cur.a_start == alen) {
                cur = (struct lcs_match){(uint32_t)i - 1, (uint32_t)i - 1, (uint32_t)j - 1,
                                         (uint32_t)j - 1};
            } else if (cur.a_start == i && cur.b_start == j) { /* contiguous: extend backward */
                cur.a_start--, cur.b_start--;
            } else {
                emit = 1;
            }
            if (cur.a_start == 0 || cur.b_start == 0) emit = 1;
            idx--, i--, j--;
        } else {
            if (LCS_AT(i - 1, j) > LCS_AT(i, j - 1))
                i--;
            else
                j--;
            if (cur.a_start != alen) emit = 1;
        }
        if (emit) {
            uint32_t match_len = cur.a_end - cur.a_start + 1;
            if (getidx && (minmatchlen == 0 || match_len >= minmatchlen)) {
                if (nmatches == cap)
                    matches = mem_realloc(matches, (cap = cap ? cap * 2 : 8) * sizeof *matches);
                matches[nmatches++] = cur;
            }
            cur.a_start = (uint32_t)alen; /* the next match starts a new range */
        }
    }
#undef LCS_AT
    free(table);
    if (getidx) {
        reply_array(c, 4); /* a map in RESP3 */
        reply_bulk_cstr(c, "matches");
        reply_array(c, (long long)nmatches);
        for (size_t k = 0; k < nmatches; k++) {
            const struct lcs_match *m = &matches[k];
            reply_array(c, 2 + withmatchlen);
            reply_array(c, 2);
            reply_int(c, m->a_start);
            reply_int(c, m->a_end);
            reply_array(c, 2);
            reply_int(c, m->b_start);
            reply_int(c, m->b_end);
            if (withmatchlen) reply_int(c, m->a_end - m->a_start + 1);
        }
        reply_bulk_cstr(c, "len");
        reply_int(c, length);
    } else if (getlen) {
        reply_int(c, length);
    } else {
        reply_bulk(c, result, length);
    }
    mem_free(result);
    mem_free(matches);
}
