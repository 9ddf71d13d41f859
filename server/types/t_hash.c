/* Hashes: fields and values under one key. The value is a hash_value (hash_value.c), packed
 * while small; an emptied hash is deleted. Checks come in Redis's order, so the same bad
 * command gets the same error. */
#include <limits.h>
#include <math.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "keyspace/scan.h"
#include "keyspace/value_limits.h"
#include "mem.h"
#include "numconv.h"
#include "values/hash_value.h"
#include "values/packlist.h"

static inline hash_value *hash_of(entry *e) { return entry_obj(e); }

/* Replies WRONGTYPE when e exists and is not a hash; returns 1 then. */
static int not_a_hash(client *c, entry *e) {
    if (e && e->type != OBJ_HASH) {
        reply_error(c, ERR_WRONGTYPE);
        return 1;
    }
    return 0;
}

/* The hash at key for a write, created when absent; NULL after a WRONGTYPE reply. */
static entry *lookup_or_create(client *c, const resp_arg *key) {
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (not_a_hash(c, e)) return NULL;
    if (!e) {
        e = entry_new_obj(key->ptr, key->len, OBJ_HASH, hash_new(), -1);
        db_add(c->db, e);
    }
    return e;
}

/* The hash at key for a read; NULL when absent (nothing replied) or after WRONGTYPE (*failed
 * set). */
static entry *lookup_read(client *c, const resp_arg *key, int *failed) {
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    *failed = not_a_hash(c, e);
    return *failed ? NULL : e;
}

/* ---- Writes ---- */

static void hset_generic(client *c, int reply_count) {
    if (c->argc % 2 != 0) {
        reply_arity_error(c);
        return;
    }
    entry *e = lookup_or_create(c, &c->argv[1]);
    if (!e) return;
    struct packed_limits lim = hash_limits();
    long long created = 0;
    for (size_t i = 2; i < c->argc; i += 2)
        created += hash_set(hash_of(e), c->argv[i].ptr, c->argv[i].len, c->argv[i + 1].ptr,
                            c->argv[i + 1].len, &lim);
    notify_key_arg(NOTIFY_HASH, "hset", c, &c->argv[1]);
    server.dirty += (long long)(c->argc - 2) / 2;
    if (reply_count) {
        reply_int(c, created);
    } else {
        reply_ok(c);
    }
}

void cmd_hset(client *c) { hset_generic(c, 1); }

void cmd_hmset(client *c) { hset_generic(c, 0); }

void cmd_hsetnx(client *c) {
    entry *e = lookup_or_create(c, &c->argv[1]);
    if (!e) return;
    const char *v;
    size_t vlen;
    if (hash_get(hash_of(e), c->argv[2].ptr, c->argv[2].len, &v, &vlen)) {
        reply_int(c, 0);
        return;
    }
    struct packed_limits lim = hash_limits();
    hash_set(hash_of(e), c->argv[2].ptr, c->argv[2].len, c->argv[3].ptr, c->argv[3].len, &lim);
    notify_key_arg(NOTIFY_HASH, "hset", c, &c->argv[1]);
    server.dirty++;
    reply_int(c, 1);
}

void cmd_hdel(client *c) {
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (not_a_hash(c, e)) return;
    long long deleted = 0;
    for (size_t i = 2; i < c->argc && hash_count(hash_of(e)) > 0; i++)
        deleted += hash_delete(hash_of(e), c->argv[i].ptr, c->argv[i].len);
    server.dirty += deleted;
    if (deleted) {
        notify_key_arg(NOTIFY_HASH, "hdel", c, &c->argv[1]);
        if (hash_count(hash_of(e)) == 0) {
            db_delete_entry(c->db, e);
            notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[1]);
        }
    }
    reply_int(c, deleted);
}

void cmd_hincrby(client *c) {
    long long by, v = 0;
    if (arg_ll(c, &c->argv[3], &by) != 0) return;
    entry *e = lookup_or_create(c, &c->argv[1]);
    if (!e) return;
    const char *old;
    size_t oldlen;
    if (hash_get(hash_of(e), c->argv[2].ptr, c->argv[2].len, &old, &oldlen) &&
        str_to_ll(old, oldlen, &v) != 0) {
        reply_error(c, "hash value is not an integer");
        return;
    }
    if ((by < 0 && v < 0 && by < LLONG_MIN - v) || (by > 0 && v > 0 && by > LLONG_MAX - v)) {
        reply_error(c, ERR_OVERFLOW);
        return;
    }
    v += by;
    char out[LL_STR_SIZE];
    struct packed_limits lim = hash_limits();
    hash_set(hash_of(e), c->argv[2].ptr, c->argv[2].len, out, ll_to_str(out, v), &lim);
    notify_key_arg(NOTIFY_HASH, "hincrby", c, &c->argv[1]);
    server.dirty++;
    reply_int(c, v);
}

void cmd_hincrbyfloat(client *c) {
    long double by, v = 0;
    if (str_to_ld(c->argv[3].ptr, c->argv[3].len, &by) != 0) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    if (isnan(by) || isinf(by)) {
        reply_error(c, "value is NaN or Infinity");
        return;
    }
    entry *e = lookup_or_create(c, &c->argv[1]);
    if (!e) return;
    const char *old;
    size_t oldlen;
    if (hash_get(hash_of(e), c->argv[2].ptr, c->argv[2].len, &old, &oldlen) &&
        str_to_ld(old, oldlen, &v) != 0) {
        reply_error(c, "hash value is not a float");
        return;
    }
    v += by;
    if (isnan(v) || isinf(v)) {
        reply_error(c, "increment would produce NaN or Infinity");
        return;
    }
    char out[LD_STR_SIZE];
    size_t n = ld_to_str(out, v);
    struct packed_limits lim = hash_limits();
    hash_set(hash_of(e), c->argv[2].ptr, c->argv[2].len, out, n, &lim);
    notify_key_arg(NOTIFY_HASH, "hincrbyfloat", c, &c->argv[1]);
    server.dirty++;
    reply_bulk(c, out, n);
    /* As HSET with the result: float formatting must not differ on replay. */
    resp_arg argv[4] = {{"HSET", 4}, c->argv[1], c->argv[2], {out, n}};
    effects_rewrite(argv, 4);
}

/* ---- Reads ---- */

/* The field's value, or nil when it (or the hash, e NULL) is absent. */
static void reply_value(client *c, entry *e, const resp_arg *field) {
    const char *v;
    size_t vlen;
    if (e && hash_get(hash_of(e), field->ptr, field->len, &v, &vlen)) {
        reply_bulk(c, v, vlen);
    } else {
        reply_nil(c);
    }
}

void cmd_hget(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (!failed) reply_value(c, e, &c->argv[2]);
}

void cmd_hmget(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) reply_value(c, e, &c->argv[i]);
}

void cmd_hexists(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    const char *v;
    size_t vlen;
    reply_int(c, e && hash_get(hash_of(e), c->argv[2].ptr, c->argv[2].len, &v, &vlen));
}

void cmd_hstrlen(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    const char *v;
    size_t vlen;
    if (e && hash_get(hash_of(e), c->argv[2].ptr, c->argv[2].len, &v, &vlen)) {
        reply_int(c, (long long)vlen);
    } else {
        reply_int(c, 0);
    }
}

void cmd_hlen(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    reply_int(c, e ? (long long)hash_count(hash_of(e)) : 0);
}

#define WITH_FIELDS 1
#define WITH_VALUES 2

static void reply_all(client *c, unsigned what) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e) {
        reply_array(c, 0);
        return;
    }
    hash_value *h = hash_of(e);
    reply_array(c, (long long)hash_count(h) * (what == (WITH_FIELDS | WITH_VALUES) ? 2 : 1));
    hash_iter it;
    const char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) {
        if (what & WITH_FIELDS) reply_bulk(c, f, flen);
        if (what & WITH_VALUES) reply_bulk(c, v, vlen);
    }
    hash_iter_done(&it);
}

void cmd_hgetall(client *c) { reply_all(c, WITH_FIELDS | WITH_VALUES); }

void cmd_hkeys(client *c) { reply_all(c, WITH_FIELDS); }

void cmd_hvals(client *c) { reply_all(c, WITH_VALUES); }

/* ---- Random fields ---- */

static void reply_field(client *c, const char *f, size_t flen, const char *v, size_t vlen,
                        int withvalues) {
    reply_bulk(c, f, flen);
    if (withvalues) reply_bulk(c, v, vlen);
}

/* count distinct fields at random (count < the hash's size). */
static void reply_distinct_fields(client *c, hash_value *h, size_t count, int withvalues) {
    const char *f, *v;
    size_t flen, vlen;
    if (h->pl) {
        size_t *picks = mem_alloc(count * sizeof *picks);
        pl_sample_indices(hash_count(h), count, picks);
        size_t off = 0, index = 0;
        for (size_t i = 0; i < count; i++) {
            for (; index < picks[i]; index++) off = pl_next(h->pl, pl_next(h->pl, off));
            f = pl_get(h->pl, off, &flen);
            v = pl_get(h->pl, pl_next(h->pl, off), &vlen);
            reply_field(c, f, flen, v, vlen, withvalues);
        }
        mem_free(picks);
        return;
    }
    dict_node **picks = mem_alloc(count * sizeof *picks);
    dict_random_distinct(&h->table, count, picks);
    for (size_t i = 0; i < count; i++) {
        struct hash_field *hf = (struct hash_field *)picks[i];
        reply_field(c, hf->data, hf->flen, hf->data + hf->flen, hf->vlen, withvalues);
    }
    mem_free(picks);
}

static void hrandfield_with_count(client *c, int withvalues) {
    long long count;
    if (arg_range(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, &count, NULL) != 0) return;
    /* Field and value for each: the reply length must not overflow. */
    if (withvalues && (count > LLONG_MAX / 2 || count < -LLONG_MAX / 2)) {
        reply_error(c, "value is out of range");
        return;
    }
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e || count == 0) {
        reply_array(c, 0);
        return;
    }
    hash_value *h = hash_of(e);
    const char *f, *v;
    size_t flen, vlen;
    if (count < 0) {
        /* Repetitions allowed: -count independent draws. */
        size_t start = c->reply.len;
        reply_array(c, -count * (withvalues ? 2 : 1));
        for (long long i = 0; i < -count; i++) {
            if (!reply_draw_fits(c, i, -count, withvalues ? 12 : 6, start)) return;
            hash_random(h, &f, &flen, &v, &vlen);
            reply_field(c, f, flen, v, vlen, withvalues);
        }
        return;
    }
    size_t n = hash_count(h);
    size_t want = (unsigned long long)count < n ? (size_t)count : n;
    reply_array(c, (long long)want * (withvalues ? 2 : 1));
    if (want < n) {
        reply_distinct_fields(c, h, want, withvalues);
        return;
    }
    hash_iter it;
    hash_iter_init(&it, h);
    while (hash_iter_next(&it, &f, &flen, &v, &vlen)) reply_field(c, f, flen, v, vlen, withvalues);
    hash_iter_done(&it);
}

void cmd_hrandfield(client *c) {
    if (c->argc >= 3) {
        int withvalues = c->argc == 4 && arg_is(&c->argv[3], "withvalues");
        if (c->argc >= 4 && !withvalues) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        hrandfield_with_count(c, withvalues);
        return;
    }
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e) {
        reply_nil(c);
        return;
    }
    const char *f, *v;
    size_t flen, vlen;
    hash_random(hash_of(e), &f, &flen, &v, &vlen);
    reply_bulk(c, f, flen);
}

/* ---- HSCAN ---- */

void cmd_hscan(client *c) {
    unsigned long cursor;
    if (scan_parse_cursor(c, &c->argv[2], &cursor) != 0) return;
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e) {
        scan_reply_cursor(c, 0);
        reply_array(c, 0);
        return;
    }
    struct scan_options o;
    if (scan_parse_options(c, 3, 0, &o) != 0) return;
    hash_value *h = hash_of(e);
    const char *f, *v;
    size_t flen, vlen;
    if (h->pl) {
        /* Small hashes come whole, with cursor 0. */
        size_t matches = 0;
        hash_iter it;
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &f, &flen, &v, &vlen)) matches += scan_matches(&o, f, flen);
        hash_iter_done(&it);
        scan_reply_cursor(c, 0);
        reply_array(c, (long long)matches * 2);
        hash_iter_init(&it, h);
        while (hash_iter_next(&it, &f, &flen, &v, &vlen))
            if (scan_matches(&o, f, flen)) reply_field(c, f, flen, v, vlen, 1);
        hash_iter_done(&it);
        return;
    }
    dict_node **found;
    size_t n, live = 0;
    cursor = scan_dict(&h->table, cursor, o.count, &found, &n);
    for (size_t i = 0; i < n; i++) {
        struct hash_field *hf = (struct hash_field *)found[i];
        if (scan_matches(&o, hf->data, hf->flen)) found[live++] = found[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array(c, (long long)live * 2);
    for (size_t i = 0; i < live; i++) {
        struct hash_field *hf = (struct hash_field *)found[i];
        reply_field(c, hf->data, hf->flen, hf->data + hf->flen, hf->vlen, 1);
    }
    mem_free(found);
}
