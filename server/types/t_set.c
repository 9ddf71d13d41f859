/* Sets: unordered collections of distinct strings. The value is a set_value (set_value.c),
 * compact while small; an emptied set is deleted. Checks come in Redis's order, so the same
 * bad command gets the same error. */
#include <limits.h>
#include <stdlib.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/multi.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "keyspace/scan.h"
#include "keyspace/value_limits.h"
#include "mem.h"
#include "values/set_value.h"

static inline set_value *set_of(entry *e) { return entry_obj(e); }

/* Replies WRONGTYPE when e exists and is not a set; returns 1 then. */
static int not_a_set(client *c, entry *e) {
    if (e && e->type != OBJ_SET) {
        reply_error(c, ERR_WRONGTYPE);
        return 1;
    }
    return 0;
}

/* The set at key for a read; NULL when absent (nothing replied) or after WRONGTYPE (*failed
 * set). */
static entry *lookup_read(client *c, const resp_arg *key, int *failed) {
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    *failed = not_a_set(c, e);
    return *failed ? NULL : e;
}

/* Announces event on the set, then deletes it if it is empty now (announced as "del"). */
static void set_changed(db *d, entry *e, const char *event) {
    notify_key_event(NOTIFY_SET, event, d, entry_key(e), e->keylen);
    if (set_count(set_of(e)) > 0) return;
    notify_key_event(NOTIFY_GENERIC, "del", d, entry_key(e), e->keylen);
    db_delete_entry(d, e);
}

static void reply_members(client *c, set_value *s) {
    set_iter it;
    const char *m;
    size_t len;
    reply_array(c, (long long)set_count(s));
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m, &len)) reply_bulk(c, m, len);
    set_iter_done(&it);
}

/* ---- Members ---- */

void cmd_sadd(client *c) {
    const resp_arg *key = &c->argv[1];
    entry *e = db_lookup_write(c->db, key->ptr, key->len);
    if (not_a_set(c, e)) return;
    if (!e) {
        e = entry_new_obj(key->ptr, key->len, OBJ_SET, set_new(), -1);
        db_add(c->db, e);
    }
    struct set_limits lim = set_limits();
    long long added = 0;
    for (size_t i = 2; i < c->argc; i++)
        added += set_add(set_of(e), c->argv[i].ptr, c->argv[i].len, &lim);
    if (added) notify_key_arg(NOTIFY_SET, "sadd", c, key);
    server.dirty += added;
    reply_int(c, added);
}

void cmd_srem(client *c) {
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (not_a_set(c, e)) return;
    long long removed = 0;
    for (size_t i = 2; i < c->argc && set_count(set_of(e)) > 0; i++)
        removed += set_remove(set_of(e), c->argv[i].ptr, c->argv[i].len);
    server.dirty += removed;
    if (removed) set_changed(c->db, e, "srem");
    reply_int(c, removed);
}

void cmd_smove(client *c) {
    const resp_arg *member = &c->argv[3];
    entry *src = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    entry *dst = db_lookup_write(c->db, c->argv[2].ptr, c->argv[2].len);
    if (!src) {
        reply_int(c, 0);
        return;
    }
    if (not_a_set(c, src) || not_a_set(c, dst)) return;
    if (src == dst) {
        reply_int(c, set_contains(set_of(src), member->ptr, member->len));
        return;
    }
    if (!set_remove(set_of(src), member->ptr, member->len)) {
        reply_int(c, 0);
        return;
    }
    set_changed(c->db, src, "srem");
    server.dirty++;
    /* As in Redis, the destination counts as changed for WATCH only if the member is new. */
    db_signal_modified(c->db, c->argv[1].ptr, c->argv[1].len);
    multi_keys_touched_by_handler();
    if (!dst) {
        dst = entry_new_obj(c->argv[2].ptr, c->argv[2].len, OBJ_SET, set_new(), -1);
        db_add(c->db, dst);
    }
    struct set_limits lim = set_limits();
    if (set_add(set_of(dst), member->ptr, member->len, &lim)) {
        server.dirty++;
        db_signal_modified(c->db, c->argv[2].ptr, c->argv[2].len);
        notify_key_arg(NOTIFY_SET, "sadd", c, &c->argv[2]);
    }
    reply_int(c, 1);
}

void cmd_sismember(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    reply_int(c, e && set_contains(set_of(e), c->argv[2].ptr, c->argv[2].len));
}

void cmd_smismember(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++)
        reply_int(c, e && set_contains(set_of(e), c->argv[i].ptr, c->argv[i].len));
}

void cmd_scard(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    reply_int(c, e ? (long long)set_count(set_of(e)) : 0);
}

void cmd_smembers(client *c) {
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e) {
        reply_array(c, 0);
        return;
    }
    reply_members(c, set_of(e));
}

/* ---- Random members ---- */

static void reply_picks(client *c, struct set_pick *picks, size_t n) {
    for (size_t i = 0; i < n; i++) {
        reply_bulk(c, picks[i].ptr, picks[i].len);
        mem_free(picks[i].ptr);
    }
    mem_free(picks);
}

static void spop_with_count(client *c) {
    long long count;
    if (arg_positive(c, &c->argv[2], &count, NULL) != 0) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_array(c, 0);
        return;
    }
    if (not_a_set(c, e)) return;
    if (count == 0) {
        reply_array(c, 0);
        return;
    }
    set_value *s = set_of(e);
    size_t n = set_count(s);
    notify_key_arg(NOTIFY_SET, "spop", c, &c->argv[1]);
    if ((unsigned long long)count >= n) {
        /* Everything: the reply is the whole set, and the key goes. */
        reply_members(c, s);
        db_delete_entry(c->db, e);
        notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[1]);
        server.dirty += (long long)n;
        resp_arg argv[2] = {{"DEL", 3}, c->argv[1]};
        effects_rewrite(argv, 2);
        return;
    }
    struct set_pick *picks = set_random_distinct(s, (size_t)count);
    for (long long i = 0; i < count; i++) {
        set_remove(s, picks[i].ptr, picks[i].len);
        /* One SREM per member, as Redis propagates a counted SPOP. */
        resp_arg argv[3] = {{"SREM", 4}, c->argv[1], {picks[i].ptr, picks[i].len}};
        effects_also(c->db_index, argv, 3);
    }
    effects_prevent();
    server.dirty += count;
    reply_array(c, count);
    reply_picks(c, picks, (size_t)count);
}

void cmd_spop(client *c) {
    if (c->argc == 3) {
        spop_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_nil(c);
        return;
    }
    if (not_a_set(c, e)) return;
    char num[LL_STR_SIZE];
    const char *m;
    size_t len;
    set_random(set_of(e), num, &m, &len);
    /* m points into the set, which the removal changes: reply first. */
    reply_bulk(c, m, len);
    char *copy = mem_alloc(len ? len : 1);
    memcpy(copy, m, len);
    set_remove(set_of(e), copy, len);
    resp_arg argv[3] = {{"SREM", 4}, c->argv[1], {copy, len}};
    effects_rewrite(argv, 3);
    mem_free(copy);
    server.dirty++;
    set_changed(c->db, e, "spop");
}

static void srandmember_with_count(client *c) {
    long long count;
    if (arg_range(c, &c->argv[2], -LLONG_MAX, LLONG_MAX, &count, NULL) != 0) return;
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e || count == 0) {
        reply_array(c, 0);
        return;
    }
    set_value *s = set_of(e);
    char num[LL_STR_SIZE];
    const char *m;
    size_t len;
    if (count < 0) {
        /* Repetitions allowed: -count independent draws. */
        size_t start = c->reply.len;
        reply_array(c, -count);
        for (long long i = 0; i < -count; i++) {
            if (!reply_draw_fits(c, i, -count, 6, start)) return;
            set_random(s, num, &m, &len);
            reply_bulk(c, m, len);
        }
        return;
    }
    size_t n = set_count(s);
    if ((unsigned long long)count >= n) {
        reply_members(c, s);
        return;
    }
    reply_array(c, count);
    reply_picks(c, set_random_distinct(s, (size_t)count), (size_t)count);
}

void cmd_srandmember(client *c) {
    if (c->argc == 3) {
        srandmember_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int failed;
    entry *e = lookup_read(c, &c->argv[1], &failed);
    if (failed) return;
    if (!e) {
        reply_nil(c);
        return;
    }
    char num[LL_STR_SIZE];
    const char *m;
    size_t len;
    set_random(set_of(e), num, &m, &len);
    reply_bulk(c, m, len);
}

/* ---- Algebra ---- */

enum set_op { OP_INTER, OP_UNION, OP_DIFF };

/* The sets named by nkeys keys (NULL where a key is absent). Returns -1 after WRONGTYPE,
 * else how many keys were absent. */
static long long gather_sets(client *c, const resp_arg *keys, size_t nkeys, set_value **sets) {
    long long absent = 0;
    for (size_t i = 0; i < nkeys; i++) {
        entry *e = db_lookup_read(c->db, keys[i].ptr, keys[i].len);
        if (not_a_set(c, e)) return -1;
        sets[i] = e ? set_of(e) : NULL;
        absent += e == NULL;
    }
    return absent;
}

static int by_count(const void *a, const void *b) {
    size_t x = set_count(*(set_value *const *)a), y = set_count(*(set_value *const *)b);
    return x < y ? -1 : x > y;
}

/* 1 when m is in every set of others (NULL entries never hold anything). */
static int in_all(set_value **others, size_t n, const char *m, size_t len) {
    for (size_t i = 0; i < n; i++)
        if (!set_contains(others[i], m, len)) return 0;
    return 1;
}

/* Counts the intersection of sets (none NULL) up to limit (0 = no limit); with out, adds
 * its members there. Walks the smallest set. */
static long long intersect(set_value **sets, size_t n, long long limit, set_value *out) {
    qsort(sets, n, sizeof *sets, by_count);
    struct set_limits lim = set_limits();
    long long found = 0;
    set_iter it;
    const char *m;
    size_t len;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &m, &len)) {
        if (!in_all(sets + 1, n - 1, m, len)) continue;
        found++;
        if (out) set_add(out, m, len, &lim);
        if (limit && found >= limit) break;
    }
    set_iter_done(&it);
    return found;
}

static void add_all(set_value *out, set_value *s) {
    struct set_limits lim = set_limits();
    set_iter it;
    const char *m;
    size_t len;
    set_iter_init(&it, s);
    while (set_iter_next(&it, &m, &len)) set_add(out, m, len, &lim);
    set_iter_done(&it);
}

/* Members of sets[0] in none of the others. */
static void difference(set_value **sets, size_t n, set_value *out) {
    if (!sets[0]) return;
    struct set_limits lim = set_limits();
    set_iter it;
    const char *m;
    size_t len;
    set_iter_init(&it, sets[0]);
    while (set_iter_next(&it, &m, &len)) {
        int elsewhere = 0;
        for (size_t i = 1; i < n && !elsewhere; i++)
            elsewhere = sets[i] && (sets[i] == sets[0] || set_contains(sets[i], m, len));
        if (!elsewhere) set_add(out, m, len, &lim);
    }
    set_iter_done(&it);
}

/* SINTER, SUNION, SDIFF and their STORE forms (dst not NULL). */
static void algebra(client *c, enum set_op op, const resp_arg *keys, size_t nkeys,
                    const resp_arg *dst) {
    set_value **sets = mem_alloc(nkeys * sizeof *sets);
    long long absent = gather_sets(c, keys, nkeys, sets);
    if (absent < 0) {
        mem_free(sets);
        return;
    }
    set_value *result = set_new();
    if (op == OP_INTER && absent == 0) {
        intersect(sets, nkeys, 0, result);
    } else if (op == OP_UNION) {
        for (size_t i = 0; i < nkeys; i++)
            if (sets[i]) add_all(result, sets[i]);
    } else if (op == OP_DIFF) {
        difference(sets, nkeys, result);
    }
    mem_free(sets);
    if (!dst) {
        reply_members(c, result);
        set_free(result);
        return;
    }
    long long n = (long long)set_count(result);
    if (n == 0) {
        set_free(result);
        result = NULL;
    }
    static const char *const events[] = {"sinterstore", "sunionstore", "sdiffstore"};
    server.dirty += db_store_result(c->db, dst->ptr, dst->len, OBJ_SET, result, events[op]);
    reply_int(c, n);
}

void cmd_sinter(client *c) { algebra(c, OP_INTER, &c->argv[1], c->argc - 1, NULL); }

void cmd_sinterstore(client *c) { algebra(c, OP_INTER, &c->argv[2], c->argc - 2, &c->argv[1]); }

void cmd_sunion(client *c) { algebra(c, OP_UNION, &c->argv[1], c->argc - 1, NULL); }

void cmd_sunionstore(client *c) { algebra(c, OP_UNION, &c->argv[2], c->argc - 2, &c->argv[1]); }

void cmd_sdiff(client *c) { algebra(c, OP_DIFF, &c->argv[1], c->argc - 1, NULL); }

void cmd_sdiffstore(client *c) { algebra(c, OP_DIFF, &c->argv[2], c->argc - 2, &c->argv[1]); }

void cmd_sintercard(client *c) {
    long long numkeys, limit = 0;
    if (arg_range(c, &c->argv[1], 1, LLONG_MAX, &numkeys, "numkeys should be greater than 0") !=
        0)
        return;
    if ((unsigned long long)numkeys > c->argc - 2) {
        reply_error(c, "Number of keys can't be greater than number of args");
        return;
    }
    for (size_t j = 2 + (size_t)numkeys; j < c->argc; j++) {
        if (arg_is(&c->argv[j], "limit") && j + 1 < c->argc) {
            if (arg_positive(c, &c->argv[++j], &limit, "LIMIT can't be negative") != 0) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    set_value **sets = mem_alloc((size_t)numkeys * sizeof *sets);
    long long absent = gather_sets(c, &c->argv[2], (size_t)numkeys, sets);
    if (absent >= 0) reply_int(c, absent ? 0 : intersect(sets, (size_t)numkeys, limit, NULL));
    mem_free(sets);
}

/* ---- SSCAN ---- */

void cmd_sscan(client *c) {
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
    set_value *s = set_of(e);
    if (s->enc != SET_TABLE) {
        /* Compact sets come whole, with cursor 0. */
        set_iter it;
        const char *m;
        size_t len, matches = 0;
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m, &len)) matches += scan_matches(&o, m, len);
        set_iter_done(&it);
        scan_reply_cursor(c, 0);
        reply_array(c, (long long)matches);
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m, &len))
            if (scan_matches(&o, m, len)) reply_bulk(c, m, len);
        set_iter_done(&it);
        return;
    }
    dict_node **found;
    size_t n, live = 0;
    cursor = scan_dict(&s->table, cursor, o.count, &found, &n);
    for (size_t i = 0; i < n; i++) {
        struct set_member *sm = (struct set_member *)found[i];
        if (scan_matches(&o, sm->data, sm->len)) found[live++] = found[i];
    }
    scan_reply_cursor(c, cursor);
    reply_array(c, (long long)live);
    for (size_t i = 0; i < live; i++) {
        struct set_member *sm = (struct set_member *)found[i];
        reply_bulk(c, sm->data, sm->len);
    }
    mem_free(found);
}
