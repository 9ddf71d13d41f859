/* Lists: pushes, pops, ranges, moves and their blocking forms. The value is a deque
 * (deque.c); an emptied list is deleted. Argument checks come in Redis's order, so the
 * same bad command gets the same error. */
#include <limits.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/blocking.h"
#include "features/notify.h"
#include "keyspace/db.h"
#include "mem.h"
#include "values/deque.h"

/* Redis refuses list elements this big (its chunks use 32-bit sizes; so do ours). */
#define LIST_MAX_ITEM_SIZE ((1ull << 32) - 1024)

static inline deque *list_of(entry *e) { return entry_obj(e); }

/* Replies WRONGTYPE when e exists and is not a list; returns 1 then. */
static int not_a_list(client *c, entry *e) {
    if (e && e->type != OBJ_LIST) {
        reply_error(c, ERR_WRONGTYPE);
        return 1;
    }
    return 0;
}

static int elements_too_large(client *c, size_t first) {
    for (size_t i = first; i < c->argc; i++) {
        if (c->argv[i].len > LIST_MAX_ITEM_SIZE) {
            reply_error(c, "Element too large");
            return 1;
        }
    }
    return 0;
}

static entry *list_create(db *d, const resp_arg *key) {
    entry *e = entry_new_obj(key->ptr, key->len, OBJ_LIST, deque_new(), -1);
    db_add(d, e);
    return e;
}

/* Announces event on the list, then deletes it if it is empty now (announced as "del"). */
static void list_changed(db *d, entry *e, const char *event) {
    notify_key_event(NOTIFY_LIST, event, d, entry_key(e), e->keylen);
    if (list_of(e)->count > 0) return;
    notify_key_event(NOTIFY_GENERIC, "del", d, entry_key(e), e->keylen);
    db_delete_entry(d, e);
}

static const char *pop_event(enum deque_end end) { return end == DEQUE_HEAD ? "lpop" : "rpop"; }
static const char *push_event(enum deque_end end) { return end == DEQUE_HEAD ? "lpush" : "rpush"; }

/* "left" or "right"; -1 after a syntax error reply. */
static int parse_end(client *c, const resp_arg *a, enum deque_end *end) {
    if (arg_is(a, "left")) {
        *end = DEQUE_HEAD;
    } else if (arg_is(a, "right")) {
        *end = DEQUE_TAIL;
    } else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    return 0;
}

/* Replies the element at one end and removes it. */
static void pop_reply(client *c, deque *l, enum deque_end end) {
    deque_elem el;
    deque_peek(l, end, &el);
    reply_bulk(c, el.ptr, el.len);
    deque_pop(l, end);
}

/* Replies up to count elements popped from one end, as an array. */
static void pop_count_reply(client *c, deque *l, enum deque_end end, long long count) {
    long long n = count < (long long)l->count ? count : (long long)l->count;
    reply_array(c, n);
    for (long long i = 0; i < n; i++) pop_reply(c, l, end);
}

/* ---- Push ---- */

static void push_generic(client *c, enum deque_end end, int only_if_exists) {
    if (elements_too_large(c, 2)) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (not_a_list(c, e)) return;
    if (!e) {
        if (only_if_exists) {
            reply_int(c, 0);
            return;
        }
        /* Fill the list before it is linked, so waiters see every element at once. */
        deque *l = deque_new();
        for (size_t i = 2; i < c->argc; i++) deque_push(l, end, c->argv[i].ptr, c->argv[i].len);
        e = entry_new_obj(c->argv[1].ptr, c->argv[1].len, OBJ_LIST, l, -1);
        db_add(c->db, e);
    } else {
        deque *l = list_of(e);
        for (size_t i = 2; i < c->argc; i++) deque_push(l, end, c->argv[i].ptr, c->argv[i].len);
    }
    notify_key_arg(NOTIFY_LIST, push_event(end), c, &c->argv[1]);
    server.dirty += (long long)c->argc - 2;
    reply_int(c, (long long)list_of(e)->count);
}

void cmd_lpush(client *c) { push_generic(c, DEQUE_HEAD, 0); }

void cmd_rpush(client *c) { push_generic(c, DEQUE_TAIL, 0); }

void cmd_lpushx(client *c) { push_generic(c, DEQUE_HEAD, 1); }

void cmd_rpushx(client *c) { push_generic(c, DEQUE_TAIL, 1); }

/* ---- Pop ---- */

static void pop_generic(client *c, enum deque_end end) {
    if (c->argc > 3) {
        reply_arity_error(c);
        return;
    }
    int has_count = c->argc == 3;
    long long count = 0;
    if (has_count && arg_positive(c, &c->argv[2], &count, NULL) != 0) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        if (has_count) {
            reply_nil_array(c);
        } else {
            reply_nil(c);
        }
        return;
    }
    if (not_a_list(c, e)) return;
    if (has_count && count == 0) {
        reply_array(c, 0);
        return;
    }
    deque *l = list_of(e);
    if (has_count) {
        server.dirty += count < (long long)l->count ? count : (long long)l->count;
        pop_count_reply(c, l, end, count);
    } else {
        server.dirty++;
        pop_reply(c, l, end);
    }
    list_changed(c->db, e, pop_event(end));
}

void cmd_lpop(client *c) { pop_generic(c, DEQUE_HEAD); }

void cmd_rpop(client *c) { pop_generic(c, DEQUE_TAIL); }

/* ---- Reads ---- */

void cmd_llen(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (not_a_list(c, e)) return;
    reply_int(c, e ? (long long)list_of(e)->count : 0);
}

/* Clamps [start, end] (negative counts from the tail) to the list; 0 when empty. */
static int clamp_range(long long len, long long *start, long long *end) {
    if (*start < 0) *start += len;
    if (*end < 0) *end += len;
    if (*start < 0) *start = 0;
    if (*start > *end || *start >= len) return 0;
    if (*end >= len) *end = len - 1;
    return 1;
}

void cmd_lrange(client *c) {
    long long start, end;
    if (arg_ll(c, &c->argv[2], &start) != 0 || arg_ll(c, &c->argv[3], &end) != 0) return;
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (not_a_list(c, e)) return;
    if (!e || !clamp_range((long long)list_of(e)->count, &start, &end)) {
        reply_array(c, 0);
        return;
    }
    reply_array(c, end - start + 1);
    deque_iter it;
    deque_elem el;
    deque_iter_at(&it, list_of(e), (size_t)start, 1);
    for (long long i = start; i <= end; i++, deque_iter_next(&it)) {
        deque_iter_get(&it, &el);
        reply_bulk(c, el.ptr, el.len);
    }
}

/* Position of index (negative from the tail) in a list of len; -1 outside it. */
static long long list_index(long long index, size_t len) {
    if (index < 0) index += (long long)len;
    return index >= 0 && index < (long long)len ? index : -1;
}

void cmd_lindex(client *c) {
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_nil(c);
        return;
    }
    if (not_a_list(c, e)) return;
    long long index;
    if (arg_ll(c, &c->argv[2], &index) != 0) return;
    index = list_index(index, list_of(e)->count);
    if (index < 0) {
        reply_nil(c);
        return;
    }
    deque_iter it;
    deque_elem el;
    deque_iter_at(&it, list_of(e), (size_t)index, 1);
    deque_iter_get(&it, &el);
    reply_bulk(c, el.ptr, el.len);
}

void cmd_lpos(client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (size_t j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(&c->argv[j], "rank") && more) {
            if (arg_ll(c, &c->argv[++j], &rank) != 0) return;
            if (rank == 0) {
                reply_error(c, "RANK can't be zero: use 1 to start from the first match, 2 from "
                               "the second ... or use negative to start from the end of the list");
                return;
            }
        } else if (arg_is(&c->argv[j], "count") && more) {
            if (arg_positive(c, &c->argv[++j], &count, "COUNT can't be negative") != 0) return;
        } else if (arg_is(&c->argv[j], "maxlen") && more) {
            if (arg_positive(c, &c->argv[++j], &maxlen, "MAXLEN can't be negative") != 0) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    int forward = rank > 0;
    /* Redis 7.0 negates LLONG_MIN into itself, so any match counts: as RANK -1. */
    if (!forward) rank = rank == LLONG_MIN ? 1 : -rank;
    entry *e = db_lookup_read(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        if (count != -1) {
            reply_array(c, 0);
        } else {
            reply_nil(c);
        }
        return;
    }
    if (not_a_list(c, e)) return;
    deque *l = list_of(e);
    const resp_arg *wanted = &c->argv[2];
    /* With COUNT the reply is an array of every match from rank on (count 0: all). */
    long long *found = NULL;
    size_t nfound = 0, found_cap = 0;
    long long matches = 0, position = -1;
    deque_iter it;
    deque_elem el;
    long long index = 0;
    for (deque_iter_at(&it, l, forward ? 0 : l->count - 1, forward);
         deque_iter_valid(&it) && (maxlen == 0 || index < maxlen); deque_iter_next(&it), index++) {
        deque_iter_get(&it, &el);
        if (!deque_elem_equals(&el, wanted->ptr, wanted->len) || ++matches < rank) continue;
        position = forward ? index : (long long)l->count - index - 1;
        if (count == -1) break;
        if (nfound == found_cap) {
            found_cap = found_cap ? found_cap * 2 : 16;
            found = mem_realloc(found, found_cap * sizeof *found);
        }
        found[nfound++] = position;
        if (count && matches - rank + 1 >= count) break;
    }
    if (count == -1) {
        if (position >= 0) {
            reply_int(c, position);
        } else {
            reply_nil(c);
        }
        return;
    }
    reply_array(c, (long long)nfound);
    for (size_t i = 0; i < nfound; i++) reply_int(c, found[i]);
    mem_free(found);
}

/* ---- Changes in place ---- */

void cmd_lset(client *c) {
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    if (not_a_list(c, e)) return;
    long long index;
    if (arg_ll(c, &c->argv[2], &index) != 0) return;
    if (elements_too_large(c, 3)) return;
    index = list_index(index, list_of(e)->count);
    if (index < 0) {
        reply_error(c, "index out of range");
        return;
    }
    deque_iter it;
    deque_iter_at(&it, list_of(e), (size_t)index, 1);
    deque_iter_replace(&it, c->argv[3].ptr, c->argv[3].len);
    notify_key_arg(NOTIFY_LIST, "lset", c, &c->argv[1]);
    server.dirty++;
    reply_ok(c);
}

void cmd_lrem(client *c) {
    long long toremove;
    if (arg_ll(c, &c->argv[2], &toremove) != 0) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (not_a_list(c, e)) return;
    deque *l = list_of(e);
    const resp_arg *wanted = &c->argv[3];
    int forward = toremove >= 0;
    /* -LLONG_MIN does not exist; any count that large means "all of them" anyway. */
    unsigned long long limit = forward ? (unsigned long long)toremove
                                       : 0ull - (unsigned long long)toremove;
    long long removed = 0;
    deque_iter it;
    deque_elem el;
    deque_iter_at(&it, l, forward ? 0 : l->count - 1, forward);
    while (deque_iter_valid(&it)) {
        deque_iter_get(&it, &el);
        if (deque_elem_equals(&el, wanted->ptr, wanted->len)) {
            deque_iter_delete(&it);
            removed++;
            if (limit && (unsigned long long)removed == limit) break;
        } else {
            deque_iter_next(&it);
        }
    }
    server.dirty += removed;
    if (removed) list_changed(c->db, e, "lrem");
    reply_int(c, removed);
}

void cmd_ltrim(client *c) {
    long long start, end;
    if (arg_ll(c, &c->argv[2], &start) != 0 || arg_ll(c, &c->argv[3], &end) != 0) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_ok(c);
        return;
    }
    if (not_a_list(c, e)) return;
    deque *l = list_of(e);
    size_t len = l->count;
    if (!clamp_range((long long)len, &start, &end)) {
        deque_delete_range(l, 0, len);
    } else {
        deque_delete_range(l, (size_t)end + 1, len - (size_t)end - 1);
        deque_delete_range(l, 0, (size_t)start);
    }
    server.dirty += (long long)(len - l->count);
    list_changed(c->db, e, "ltrim");
    reply_ok(c);
}

void cmd_linsert(client *c) {
    int after;
    if (arg_is(&c->argv[2], "after")) {
        after = 1;
    } else if (arg_is(&c->argv[2], "before")) {
        after = 0;
    } else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (elements_too_large(c, 4)) return;
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    if (not_a_list(c, e)) return;
    deque *l = list_of(e);
    const resp_arg *pivot = &c->argv[3];
    deque_iter it;
    deque_elem el;
    for (deque_iter_at(&it, l, 0, 1); deque_iter_valid(&it); deque_iter_next(&it)) {
        deque_iter_get(&it, &el);
        if (deque_elem_equals(&el, pivot->ptr, pivot->len)) {
            deque_iter_insert(&it, after, c->argv[4].ptr, c->argv[4].len);
            notify_key_arg(NOTIFY_LIST, "linsert", c, &c->argv[1]);
            server.dirty++;
            reply_int(c, (long long)l->count);
            return;
        }
    }
    reply_int(c, -1);
}

/* ---- Moves ---- */

/* Pops from src (a non-empty list) and pushes to dst (created if absent, already checked to be
 * a list), replying the element. src == dst rotates. */
static void move_element(client *c, entry *src, const resp_arg *dstkey, entry *dst,
                         enum deque_end from, enum deque_end to) {
    deque_elem el;
    deque_peek(list_of(src), from, &el);
    /* The element's bytes live in src, which the push may move: work on a copy. */
    char small[256];
    char *value = el.len <= sizeof small ? small : mem_alloc(el.len);
    size_t len = el.len;
    memcpy(value, el.ptr, len);
    deque_pop(list_of(src), from);
    if (!dst) {
        /* src emptied by the pop may be dst itself: it has not been deleted yet. */
        dst = list_create(c->db, dstkey);
    }
    deque_push(list_of(dst), to, value, len);
    notify_key_event(NOTIFY_LIST, push_event(to), c->db, dstkey->ptr, dstkey->len);
    reply_bulk(c, value, len);
    if (value != small) mem_free(value);
    if (src != dst) {
        list_changed(c->db, src, pop_event(from));
    } else {
        notify_key_event(NOTIFY_LIST, pop_event(from), c->db, dstkey->ptr, dstkey->len);
    }
    server.dirty += 2;
}

static void lmove_generic(client *c, enum deque_end from, enum deque_end to) {
    entry *src = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!src) {
        reply_nil(c);
        return;
    }
    if (not_a_list(c, src)) return;
    entry *dst = db_lookup_write(c->db, c->argv[2].ptr, c->argv[2].len);
    if (not_a_list(c, dst)) return;
    move_element(c, src, &c->argv[2], dst, from, to);
}

void cmd_lmove(client *c) {
    enum deque_end from, to;
    if (parse_end(c, &c->argv[3], &from) != 0 || parse_end(c, &c->argv[4], &to) != 0) return;
    lmove_generic(c, from, to);
}

void cmd_rpoplpush(client *c) { lmove_generic(c, DEQUE_TAIL, DEQUE_HEAD); }

/* Pops from the first non-empty list among the keys. Returns 1 when it replied (elements or
 * WRONGTYPE), 0 when every key was empty. */
static int mpop_first(client *c, const struct mpop_args *a) {
    for (size_t i = 0; i < a->nkeys; i++) {
        const resp_arg *key = &c->argv[a->first_key + i];
        entry *e = db_lookup_write(c->db, key->ptr, key->len);
        if (not_a_list(c, e)) return 1;
        if (!e) continue;
        deque *l = list_of(e);
        long long popped = a->count < (long long)l->count ? a->count : (long long)l->count;
        server.dirty += popped;
        reply_array(c, 2);
        reply_bulk(c, key->ptr, key->len);
        enum deque_end end = a->first_end ? DEQUE_HEAD : DEQUE_TAIL;
        /* LMPOP and BLMPOP propagate as [LR]POP key count. */
        char num[LL_STR_SIZE];
        resp_arg argv[3] = {{end == DEQUE_HEAD ? "LPOP" : "RPOP", 4}, *key, {num, ll_to_str(num, popped)}};
        effects_rewrite(argv, 3);
        pop_count_reply(c, l, end, a->count);
        list_changed(c->db, e, pop_event(end));
        return 1;
    }
    return 0;
}

void cmd_lmpop(client *c) {
    struct mpop_args a;
    if (arg_mpop(c, 1, "left", "right", &a) != 0) return;
    if (!mpop_first(c, &a)) reply_nil_array(c);
}

/* ---- Blocking forms ---- */

/* Waits, or gives up at once where blocking is not allowed: the moves then reply a nil
 * bulk like their non-blocking forms, the pops a nil array. */
static void block_or_give_up(client *c, size_t first, size_t nkeys, long long deadline,
                             int nil_bulk) {
    if (blocking_allowed(c)) {
        blocking_block(c, first, nkeys, deadline, OBJ_LIST);
    } else if (nil_bulk) {
        reply_nil(c);
    } else {
        reply_nil_array(c);
    }
}

static void bpop_generic(client *c, enum deque_end end) {
    long long deadline;
    if (blocking_parse_timeout(c, &c->argv[c->argc - 1], &deadline) != 0) return;
    for (size_t j = 1; j < c->argc - 1; j++) {
        entry *e = db_lookup_write(c->db, c->argv[j].ptr, c->argv[j].len);
        if (not_a_list(c, e)) return;
        if (!e) continue;
        reply_array(c, 2);
        reply_bulk(c, c->argv[j].ptr, c->argv[j].len);
        pop_reply(c, list_of(e), end);
        server.dirty++;
        list_changed(c->db, e, pop_event(end));
        resp_arg argv[2] = {{end == DEQUE_HEAD ? "LPOP" : "RPOP", 4}, c->argv[j]};
        effects_rewrite(argv, 2);
        return;
    }
    block_or_give_up(c, 1, c->argc - 2, deadline, 0);
}

void cmd_blpop(client *c) { bpop_generic(c, DEQUE_HEAD); }

void cmd_brpop(client *c) { bpop_generic(c, DEQUE_TAIL); }

static void blmove_generic(client *c, enum deque_end from, enum deque_end to,
                           const resp_arg *timeout) {
    long long deadline;
    if (blocking_parse_timeout(c, timeout, &deadline) != 0) return;
    entry *src = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (not_a_list(c, src)) return;
    if (!src) {
        block_or_give_up(c, 1, 1, deadline, 1);
        return;
    }
    long long dirty = server.dirty;
    lmove_generic(c, from, to);
    if (server.dirty == dirty) return;
    /* As the move it became: LMOVE (its ends in capitals once served after a wait, as Redis
     * writes them then), or RPOPLPUSH. */
    if (c->last_cmd->proc == cmd_brpoplpush) {
        resp_arg argv[3] = {{"RPOPLPUSH", 9}, c->argv[1], c->argv[2]};
        effects_rewrite(argv, 3);
        return;
    }
    resp_arg argv[5] = {{"LMOVE", 5}, c->argv[1], c->argv[2], c->argv[3], c->argv[4]};
    if (blocking_is_rerun(c)) {
        argv[3] = from == DEQUE_HEAD ? (resp_arg){"LEFT", 4} : (resp_arg){"RIGHT", 5};
        argv[4] = to == DEQUE_HEAD ? (resp_arg){"LEFT", 4} : (resp_arg){"RIGHT", 5};
    }
    effects_rewrite(argv, 5);
}

void cmd_blmove(client *c) {
    enum deque_end from, to;
    if (parse_end(c, &c->argv[3], &from) != 0 || parse_end(c, &c->argv[4], &to) != 0) return;
    blmove_generic(c, from, to, &c->argv[5]);
}

void cmd_brpoplpush(client *c) { blmove_generic(c, DEQUE_TAIL, DEQUE_HEAD, &c->argv[3]); }

void cmd_blmpop(client *c) {
    struct mpop_args a;
    if (arg_mpop(c, 2, "left", "right", &a) != 0) return;
    long long deadline;
    if (blocking_parse_timeout(c, &c->argv[1], &deadline) != 0) return;
    if (mpop_first(c, &a)) return;
    block_or_give_up(c, a.first_key, a.nkeys, deadline, 0);
}
