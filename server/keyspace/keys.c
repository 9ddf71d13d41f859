/* Commands on keys whatever their type: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, MOVE, COPY,
 * OBJECT, and the database-wide ones: DBSIZE, FLUSHDB, FLUSHALL, SWAPDB. */
#include <errno.h>
#include <stdlib.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "features/multi.h"
#include "features/notify.h"
#include "features/pause.h"
#include "features/tracking.h"
#include "glob.h"
#include "keyspace/db.h"
#include "keyspace/evict.h"
#include "keyspace/scan.h"
#include "mem.h"
#include "numconv.h"
#include "persistence/snapshot.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/zset_value.h"

/* Only the keys that were there count as changed: WATCH on a missing one holds, as in Redis. */
void cmd_del(client *c) {
    long long deleted = 0;
    for (size_t i = 1; i < c->argc; i++) {
        entry *e = db_lookup_write(c->db, c->argv[i].ptr, c->argv[i].len);
        if (e) {
            db_delete_entry(c->db, e);
            if (db_signals_wanted()) db_signal_modified(c->db, c->argv[i].ptr, c->argv[i].len);
            notify_key_arg(NOTIFY_GENERIC, "del", c, &c->argv[i]);
            deleted++;
        }
    }
    multi_keys_touched_by_handler();
    server.dirty += deleted;
    reply_int(c, deleted);
}

/* EXISTS and TOUCH both count the keys that are there. */
/* EXISTS leaves the keys' idle time alone, TOUCH refreshes it. */
static void count_existing(client *c, entry *(*lookup)(db *, const char *, size_t)) {
    long long n = 0;
    for (size_t i = 1; i < c->argc; i++)
        if (lookup(c->db, c->argv[i].ptr, c->argv[i].len)) n++;
    reply_int(c, n);
}

void cmd_exists(client *c) { count_existing(c, db_lookup_peek); }

void cmd_touch(client *c) { count_existing(c, db_lookup_read); }

void cmd_type(client *c) {
    entry *e = db_lookup_peek(c->db, c->argv[1].ptr, c->argv[1].len);
    reply_status(c, e ? db_type_name(e) : "none");
}

struct key_collector {
    client *c;
    const resp_arg *pattern; /* NULL: every key */
    entry **found;
    size_t n, cap;
};

static void collect(dict_node *node, void *ctx) {
    struct key_collector *kc = ctx;
    entry *e = (entry *)node;
    if (kc->pattern && !glob_match(kc->pattern->ptr, kc->pattern->len, entry_key(e), e->keylen, 0))
        return;
    if (kc->n == kc->cap) {
        kc->cap = kc->cap ? kc->cap * 2 : 64;
        kc->found = mem_realloc(kc->found, kc->cap * sizeof *kc->found);
    }
    kc->found[kc->n++] = e;
}

static int match_all(const resp_arg *pattern) { return pattern->len == 1 && pattern->ptr[0] == '*'; }

void cmd_keys(client *c) {
    struct key_collector kc = {c, match_all(&c->argv[1]) ? NULL : &c->argv[1], NULL, 0, 0};
    dict_foreach(&c->db->keys, collect, &kc);
    size_t live = 0;
    for (size_t i = 0; i < kc.n; i++)
        if (!db_is_expired(kc.found[i])) kc.found[live++] = kc.found[i];
    reply_array(c, (long long)live);
    for (size_t i = 0; i < live; i++) reply_bulk(c, entry_key(kc.found[i]), kc.found[i]->keylen);
    mem_free(kc.found);
}

void cmd_scan(client *c) {
    unsigned long cursor;
    struct scan_options o;
    if (scan_parse_cursor(c, &c->argv[1], &cursor) != 0) return;
    if (scan_parse_options(c, 2, 1, &o) != 0) return;
    /* Collect everything in the visited buckets, then filter (expiry may delete keys). */
    dict_node **found;
    size_t n, live = 0;
    cursor = scan_dict(&c->db->keys, cursor, o.count, &found, &n);
    for (size_t i = 0; i < n; i++) {
        entry *e = (entry *)found[i];
        if (!scan_matches(&o, entry_key(e), e->keylen) || db_is_expired(e)) continue;
        if (o.type && !arg_is(o.type, db_type_name(e))) continue;
        found[live++] = &e->node;
    }
    scan_reply_cursor(c, cursor);
    reply_array(c, (long long)live);
    for (size_t i = 0; i < live; i++) {
        entry *e = (entry *)found[i];
        reply_bulk(c, entry_key(e), e->keylen);
    }
    mem_free(found);
}

/* Tries at most this many expired keys during CLIENT PAUSE (they stay), then answers one. */
#define RANDOMKEY_PAUSED_TRIES 100

void cmd_randomkey(client *c) {
    for (int tries = 0;; tries++) {
        entry *e = (entry *)dict_fair_random(&c->db->keys);
        if (!e) {
            reply_nil(c);
            return;
        }
        int paused = pause_active();
        if (!db_is_expired(e) || (paused && tries >= RANDOMKEY_PAUSED_TRIES)) {
            reply_bulk(c, entry_key(e), e->keylen);
            return;
        }
        if (!paused) db_delete_expired(c->db, e);
    }
}

static void rename_generic(client *c, int only_if_absent) {
    const resp_arg *src = &c->argv[1], *dst = &c->argv[2];
    entry *e = db_lookup_write(c->db, src->ptr, src->len);
    if (!e) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    int same = src->len == dst->len && memcmp(src->ptr, dst->ptr, src->len) == 0;
    if (same) {
        if (only_if_absent) {
            reply_int(c, 0);
        } else {
            reply_ok(c);
        }
        return;
    }
    entry *old = db_lookup_write(c->db, dst->ptr, dst->len);
    if (only_if_absent && old) {
        reply_int(c, 0);
        return;
    }
    /* The destination is deleted, then added: Redis announces it as a new key. */
    if (old) db_delete_entry(c->db, old);
    db_unlink_entry(c->db, e);
    db_add(c->db, entry_rekey(e, dst->ptr, dst->len));
    notify_key_arg(NOTIFY_GENERIC, "rename_from", c, src);
    notify_key_arg(NOTIFY_GENERIC, "rename_to", c, dst);
    server.dirty++;
    if (only_if_absent) {
        reply_int(c, 1);
    } else {
        reply_ok(c);
    }
}

void cmd_rename(client *c) { rename_generic(c, 0); }

void cmd_renamenx(client *c) { rename_generic(c, 1); }

/* Parses a database index argument; -1 after replying. */
static int db_index_arg(client *c, const resp_arg *a, const char *not_int_msg) {
    long long id;
    if (arg_ll_msg(c, a, &id, not_int_msg) != 0) return -1;
    if (id < 0 || id >= server.ndbs) {
        reply_error(c, ERR_DB_RANGE);
        return -1;
    }
    return (int)id;
}

void cmd_move(client *c) {
    int id = db_index_arg(c, &c->argv[2], NULL);
    if (id < 0) return;
    db *dst = &server.dbs[id];
    if (dst == c->db) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    entry *e = db_lookup_write(c->db, c->argv[1].ptr, c->argv[1].len);
    if (!e || db_lookup_write(dst, c->argv[1].ptr, c->argv[1].len)) {
        reply_int(c, 0);
        return;
    }
    db_unlink_entry(c->db, e);
    db_add(dst, e);
    notify_key_arg(NOTIFY_GENERIC, "move_from", c, &c->argv[1]);
    notify_key_event(NOTIFY_GENERIC, "move_to", dst, c->argv[1].ptr, c->argv[1].len);
    server.dirty++;
    reply_int(c, 1);
}

void cmd_copy(client *c) {
    db *dst = c->db;
    int replace = 0;
    for (size_t i = 3; i < c->argc; i++) {
        if (arg_is(&c->argv[i], "replace")) {
            replace = 1;
        } else if (arg_is(&c->argv[i], "db") && i + 1 < c->argc) {
            int id = db_index_arg(c, &c->argv[++i], NULL);
            if (id < 0) return;
            dst = &server.dbs[id];
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    const resp_arg *src = &c->argv[1], *to = &c->argv[2];
    if (dst == c->db && src->len == to->len && memcmp(src->ptr, to->ptr, src->len) == 0) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    entry *e = db_lookup_write(c->db, src->ptr, src->len);
    if (!e) {
        reply_int(c, 0);
        return;
    }
    entry *existing = db_lookup_write(dst, to->ptr, to->len);
    if (existing && !replace) {
        reply_int(c, 0);
        return;
    }
    entry *copy = entry_copy(e, to->ptr, to->len);
    if (existing) db_delete_entry(dst, existing);
    db_add(dst, copy);
    notify_key_event(NOTIFY_GENERIC, "copy_to", dst, to->ptr, to->len);
    server.dirty++;
    reply_int(c, 1);
}

void cmd_dbsize(client *c) { reply_int(c, (long long)dict_size(&c->db->keys)); }

/* FLUSHDB and FLUSHALL accept ASYNC or SYNC; both free at once here. */
static int flush_mode_ok(client *c) {
    if (c->argc == 1 || (c->argc == 2 && (arg_is(&c->argv[1], "async") || arg_is(&c->argv[1], "sync"))))
        return 1;
    reply_error(c, ERR_SYNTAX);
    return 0;
}

void cmd_flushdb(client *c) {
    if (!flush_mode_ok(c)) return;
    multi_touch_db(c->db, NULL);
    tracking_invalidate_all();
    server.dirty += db_flush(c->db);
    effects_force(EFFECTS_ALL); /* an empty database is flushed on replay too, as in Redis */
    reply_ok(c);
}

void cmd_flushall(client *c) {
    if (!flush_mode_ok(c)) return;
    for (int i = 0; i < server.ndbs; i++) {
        multi_touch_db(&server.dbs[i], NULL);
        server.dirty += db_flush(&server.dbs[i]);
    }
    tracking_invalidate_all();
    snapshot_after_flushall();
    effects_force(EFFECTS_ALL);
    reply_ok(c);
}

void cmd_swapdb(client *c) {
    long long a, b;
    if (arg_ll_msg(c, &c->argv[1], &a, "invalid first DB index") != 0) return;
    if (arg_ll_msg(c, &c->argv[2], &b, "invalid second DB index") != 0) return;
    if (a < 0 || a >= server.ndbs || b < 0 || b >= server.ndbs) {
        reply_error(c, ERR_DB_RANGE);
        return;
    }
    if (a != b) {
        multi_touch_db(&server.dbs[a], &server.dbs[b]);
        multi_touch_db(&server.dbs[b], &server.dbs[a]);
        db_swap(&server.dbs[a], &server.dbs[b]);
        server.dirty++;
    }
    reply_ok(c);
}

/* ---- OBJECT ---- */

/* The entry for OBJECT's key without touching it (its idle time is what is asked), or NULL
 * after replying a nil. */
static entry *object_lookup(client *c) {
    entry *e = db_lookup_write(c->db, c->argv[2].ptr, c->argv[2].len);
    if (e) {
        server.stat_keyspace_hits++;
    } else {
        server.stat_keyspace_misses++;
        reply_nil(c);
    }
    return e;
}

/* The names Redis 7.0 gives the same data: it has no packed string sets and keeps every
 * list in a quicklist; strings of up to 44 bytes are embstr until APPEND or SETRANGE. */
const char *entry_encoding_name(entry *e) {
    switch (e->type) {
    case OBJ_STRING:
        if (e->encoding == ENC_INT) return "int";
        return (e->flags & ENTRY_GROWN) || e->vallen > 44 ? "raw" : "embstr";
    case OBJ_LIST: return "quicklist";
    case OBJ_SET: return ((set_value *)entry_obj(e))->enc == SET_INTSET ? "intset" : "hashtable";
    case OBJ_ZSET: return ((zset_value *)entry_obj(e))->pl ? "listpack" : "skiplist";
    case OBJ_STREAM: return "stream";
    default: return ((hash_value *)entry_obj(e))->pl ? "listpack" : "hashtable";
    }
}

void cmd_object_encoding(client *c) {
    entry *e = object_lookup(c);
    if (e) reply_bulk_cstr(c, entry_encoding_name(e));
}

#define LRU_LFU_SWITCH_NOTE                                                                        \
    "Please note that when switching between policies at runtime LRU and LFU data will take "    \
    "some time to adjust."

void cmd_object_freq(client *c) {
    entry *e = object_lookup(c);
    if (!e) return;
    if (!evict_policy_is_lfu()) {
        reply_error(c, "An LFU maxmemory policy is not selected, access frequency not tracked. "
                       LRU_LFU_SWITCH_NOTE);
        return;
    }
    reply_int(c, evict_frequency(e));
}

void cmd_object_idletime(client *c) {
    entry *e = object_lookup(c);
    if (!e) return;
    if (evict_policy_is_lfu()) {
        reply_error(c, "An LFU maxmemory policy is selected, idle time not tracked. "
                       LRU_LFU_SWITCH_NOTE);
        return;
    }
    reply_int(c, evict_idle_seconds(e));
}

int entry_refcount(entry *e) {
    /* Redis shares the integers 0-9999 among keys unless an LRU/LFU policy needs each key's
     * own access time; a shared object counts as referenced INT_MAX times. */
    int policy = server.cfg.maxmemory_policy;
    int shared_ints = server.cfg.maxmemory == 0 ||
                      !(policy == POLICY_ALLKEYS_LRU || policy == POLICY_VOLATILE_LRU ||
                        policy == POLICY_ALLKEYS_LFU || policy == POLICY_VOLATILE_LFU);
    int shared = shared_ints && e->type == OBJ_STRING && e->encoding == ENC_INT &&
                 entry_int(e) >= 0 && entry_int(e) < 10000;
    return shared ? 2147483647 : 1;
}

void cmd_object_refcount(client *c) {
    entry *e = object_lookup(c);
    if (e) reply_int(c, entry_refcount(e));
}

void cmd_object_help(client *c) {
    static const char *const lines[] = {
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        NULL};
    reply_help(c, "OBJECT", lines);
}
