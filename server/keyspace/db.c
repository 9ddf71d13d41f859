#include "keyspace/db.h"

#include <stdlib.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/server.h"
#include "features/blocking.h"
#include "features/latency.h"
#include "features/multi.h"
#include "features/notify.h"
#include "features/pause.h"
#include "features/tracking.h"
#include "keyspace/evict.h"
#include "mem.h"
#include "numconv.h"
#include "values/deque.h"
#include "values/hash_value.h"
#include "values/set_value.h"
#include "values/stream.h"
#include "values/zset_value.h"

static void entry_node_key(const dict_node *n, const char **key, size_t *len) {
    entry *e = (entry *)n;
    *key = entry_key(e);
    *len = e->keylen;
}

/* As Redis: under maxmemory a database's table does not grow into memory the dataset needs
 * (keys would be evicted to pay for buckets), unless it is crowded past 1.618 keys a bucket. */
static int keyspace_may_grow(size_t more_bytes, double load) {
    if (load > 1.618 || server.cfg.maxmemory == 0) return 1;
    return mem_used() + more_bytes <= (size_t)server.cfg.maxmemory;
}

static const dict_type keyspace_type = {entry_node_key, keyspace_may_grow};

void db_init_all(int n) {
    server.dbs = mem_calloc((size_t)n, sizeof(db));
    server.ndbs = n;
    for (int i = 0; i < n; i++) {
        server.dbs[i].id = i;
        dict_init(&server.dbs[i].keys, &keyspace_type);
        blocking_init_db(&server.dbs[i]);
        multi_init_db(&server.dbs[i]);
    }
}

/* ---- Entries ---- */

static size_t entry_size(size_t klen, size_t vlen, unsigned flags) {
    return sizeof(entry) + ((flags & ENTRY_HAS_TTL) ? sizeof(struct entry_ttl) : 0) +
           ((flags & ENTRY_HAS_STAMP) ? ENTRY_STAMP_SIZE : 0) + klen + vlen;
}

void entry_renew_cas(entry *e) {
    uint64_t cas = ++server.last_cas;
    memcpy(entry_after_ttl(e), &cas, sizeof cas);
}

static void entry_set_client_flags(entry *e, uint32_t client_flags) {
    memcpy(entry_after_ttl(e) + sizeof(uint64_t), &client_flags, sizeof client_flags);
}

static entry *entry_alloc(const char *key, size_t klen, size_t vlen, long long expire_ms,
                          int stamped) {
    unsigned flags = (expire_ms >= 0 ? ENTRY_HAS_TTL : 0) | (stamped ? ENTRY_HAS_STAMP : 0);
    entry *e = mem_alloc(entry_size(klen, vlen, flags));
    e->type = OBJ_STRING;
    e->encoding = ENC_RAW;
    e->flags = (uint8_t)flags;
    e->lfu = LFU_INIT_VAL;
    e->lru = server.lru_clock;
    e->keylen = (uint32_t)klen;
    e->vallen = (uint32_t)vlen;
    if (expire_ms >= 0) entry_ttl(e)->expire_ms = expire_ms;
    if (stamped) {
        entry_renew_cas(e);
        entry_set_client_flags(e, 0);
    }
    memcpy(entry_key(e), key, klen);
    return e;
}

entry *entry_new_raw(const char *key, size_t klen, const char *value, size_t vlen,
                     long long expire_ms) {
    entry *e = entry_alloc(key, klen, vlen, expire_ms, 0);
    if (value && vlen) memcpy(entry_value(e), value, vlen);
    return e;
}

entry *entry_new_int(const char *key, size_t klen, long long v, long long expire_ms) {
    entry *e = entry_alloc(key, klen, sizeof v, expire_ms, 0);
    e->encoding = ENC_INT;
    memcpy(entry_value(e), &v, sizeof v);
    return e;
}

entry *entry_new_string(const char *key, size_t klen, const char *value, size_t vlen,
                        long long expire_ms) {
    long long n;
    if (vlen <= 20 && str_to_ll(value, vlen, &n) == 0) return entry_new_int(key, klen, n, expire_ms);
    return entry_new_raw(key, klen, value, vlen, expire_ms);
}

entry *entry_new_obj(const char *key, size_t klen, enum obj_type type, void *obj,
                     long long expire_ms) {
    entry *e = entry_alloc(key, klen, sizeof obj, expire_ms, 0);
    e->type = (uint8_t)type;
    e->encoding = ENC_OBJ;
    memcpy(entry_value(e), &obj, sizeof obj);
    return e;
}

entry *entry_new_stamped(const char *key, size_t klen, const char *value, size_t vlen,
                         long long expire_ms, uint32_t client_flags) {
    entry *e = entry_alloc(key, klen, vlen, expire_ms, 1);
    entry_set_client_flags(e, client_flags);
    if (vlen) memcpy(entry_value(e), value, vlen);
    return e;
}

void entry_free(entry *e) {
    switch (e->type) {
    case OBJ_LIST: deque_free(entry_obj(e)); break;
    case OBJ_HASH: hash_free(entry_obj(e)); break;
    case OBJ_SET: set_free(entry_obj(e)); break;
    case OBJ_ZSET: zset_free(entry_obj(e)); break;
    case OBJ_STREAM: stream_free(entry_obj(e)); break;
    }
    mem_free(e);
}

size_t entry_bytes(entry *e) {
    size_t n = mem_usable(e);
    switch (e->type) {
    case OBJ_LIST: n += deque_bytes(entry_obj(e)); break;
    case OBJ_HASH: n += hash_bytes(entry_obj(e)); break;
    case OBJ_SET: n += set_bytes(entry_obj(e)); break;
    case OBJ_ZSET: n += zset_bytes(entry_obj(e)); break;
    case OBJ_STREAM: n += stream_bytes(entry_obj(e)); break;
    }
    return n;
}

/* A deep copy of a value object of type. */
static void *obj_dup(int type, void *obj) {
    switch (type) {
    case OBJ_LIST: return deque_dup(obj);
    case OBJ_HASH: return hash_dup(obj);
    case OBJ_SET: return set_dup(obj);
    case OBJ_STREAM: return stream_dup(obj);
    default: return zset_dup(obj);
    }
}

entry *entry_copy(entry *e, const char *key, size_t klen) {
    entry *n;
    if (e->encoding == ENC_OBJ) {
        n = entry_new_obj(key, klen, e->type, obj_dup(e->type, entry_obj(e)), entry_expire(e));
    } else if (e->flags & ENTRY_HAS_STAMP) {
        n = entry_new_stamped(key, klen, entry_value(e), e->vallen, entry_expire(e),
                              entry_client_flags(e));
        n->encoding = e->encoding;
    } else {
        n = entry_new_raw(key, klen, entry_value(e), e->vallen, entry_expire(e));
        n->encoding = e->encoding;
    }
    n->lru = e->lru;
    n->lfu = e->lfu;
    n->flags |= e->flags & ENTRY_GROWN;
    return n;
}

entry *entry_rekey(entry *e, const char *key, size_t klen) {
    entry *n = entry_alloc(key, klen, e->vallen, entry_expire(e), e->flags & ENTRY_HAS_STAMP);
    memcpy(entry_value(n), entry_value(e), e->vallen);
    if (e->flags & ENTRY_HAS_STAMP) entry_set_client_flags(n, entry_client_flags(e));
    n->type = e->type;
    n->encoding = e->encoding;
    n->lru = e->lru;
    n->lfu = e->lfu;
    n->flags |= e->flags & ENTRY_GROWN;
    mem_free(e);
    return n;
}

size_t entry_string_len(entry *e) {
    if (e->encoding == ENC_INT) {
        char tmp[LL_STR_SIZE];
        return ll_to_str(tmp, entry_int(e));
    }
    return e->vallen;
}

const char *entry_string(entry *e, char *dst, size_t *len) {
    if (e->encoding == ENC_INT) {
        *len = ll_to_str(dst, entry_int(e));
        return dst;
    }
    *len = e->vallen;
    return entry_value(e);
}

const char *db_type_name(const entry *e) {
    static const char *names[] = {[OBJ_STRING] = "string", [OBJ_LIST] = "list",
                                  [OBJ_SET] = "set",       [OBJ_ZSET] = "zset",
                                  [OBJ_HASH] = "hash",     [OBJ_STREAM] = "stream"};
    return names[e->type];
}

/* ---- Expiry heap ---- */

static long long heap_key(db *d, size_t i) { return entry_ttl(d->expiry_heap[i])->expire_ms; }

static void heap_place(db *d, size_t i, entry *e) {
    d->expiry_heap[i] = e;
    entry_ttl(e)->heap_index = (uint32_t)i;
}

static void heap_sift_up(db *d, size_t i) {
    entry *e = d->expiry_heap[i];
    long long k = entry_ttl(e)->expire_ms;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap_key(d, parent) <= k) break;
        heap_place(d, i, d->expiry_heap[parent]);
        i = parent;
    }
    heap_place(d, i, e);
}

static void heap_sift_down(db *d, size_t i) {
    entry *e = d->expiry_heap[i];
    long long k = entry_ttl(e)->expire_ms;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= d->heap_len) break;
        if (child + 1 < d->heap_len && heap_key(d, child + 1) < heap_key(d, child)) child++;
        if (heap_key(d, child) >= k) break;
        heap_place(d, i, d->expiry_heap[child]);
        i = child;
    }
    heap_place(d, i, e);
}

static void heap_push(db *d, entry *e) {
    if (d->heap_len == d->heap_cap) {
        d->heap_cap = d->heap_cap ? d->heap_cap * 2 : 16;
        d->expiry_heap = mem_realloc(d->expiry_heap, d->heap_cap * sizeof(entry *));
    }
    heap_place(d, d->heap_len++, e);
    heap_sift_up(d, d->heap_len - 1);
}

static void heap_remove(db *d, entry *e) {
    size_t i = entry_ttl(e)->heap_index;
    d->heap_len--;
    if (i != d->heap_len) {
        heap_place(d, i, d->expiry_heap[d->heap_len]);
        heap_sift_down(d, i);
        heap_sift_up(d, entry_ttl(d->expiry_heap[i])->heap_index);
    }
    if (d->heap_cap > 64 && d->heap_len < d->heap_cap / 4) {
        d->heap_cap /= 2;
        d->expiry_heap = mem_realloc(d->expiry_heap, d->heap_cap * sizeof(entry *));
    }
}

/* The entry's expiry time changed in place. */
static void heap_update(db *d, entry *e) {
    size_t i = entry_ttl(e)->heap_index;
    heap_sift_down(d, i);
    heap_sift_up(d, entry_ttl(d->expiry_heap[i])->heap_index);
}

/* ---- Keyspace ---- */

/* Nothing expires while the AOF loads: its commands were run on keys alive then (Redis's
 * keyIsExpired); they expire once loaded. */
int db_is_expired(entry *e) {
    return (e->flags & ENTRY_HAS_TTL) && entry_ttl(e)->expire_ms <= server.now_ms && !server.loading;
}

int db_time_passed(long long when_ms) { return when_ms <= server.now_ms && !server.loading; }

/* An expired key reads as absent. It is deleted on the way, except by a read during CLIENT
 * PAUSE, which holds the dataset still (a write, from the memcached port, still deletes). */
static entry *lookup(db *d, const char *key, size_t len, int for_read) {
    entry *e = (entry *)dict_find(&d->keys, key, len);
    if (e && db_is_expired(e)) {
        if (!(for_read && pause_active())) db_delete_expired(d, e);
        return NULL;
    }
    return e;
}

entry *db_lookup(db *d, const char *key, size_t len) { return lookup(d, key, len, 0); }

entry *db_lookup_write(db *d, const char *key, size_t len) {
    entry *e = db_lookup(d, key, len);
    if (e && (e->flags & ENTRY_HAS_STAMP)) entry_renew_cas(e);
    return e;
}

entry *db_lookup_peek(db *d, const char *key, size_t len) {
    entry *e = lookup(d, key, len, 1);
    if (e) {
        server.stat_keyspace_hits++;
    } else {
        server.stat_keyspace_misses++;
        notify_key_event(NOTIFY_KEY_MISS, "keymiss", d, key, len);
    }
    return e;
}

entry *db_lookup_read(db *d, const char *key, size_t len) {
    entry *e = db_lookup_peek(d, key, len);
    if (e && !(server.current && (server.current->flags & CLIENT_NO_TOUCH))) evict_touch(e);
    return e;
}

/* A value that blocked clients wait for (lists, sorted sets, streams). */
static int can_wake(const entry *e) {
    return e->type == OBJ_LIST || e->type == OBJ_ZSET || e->type == OBJ_STREAM;
}

void db_add(db *d, entry *e) {
    dict_add(&d->keys, &e->node);
    if (e->flags & ENTRY_HAS_TTL) heap_push(d, e);
    if (can_wake(e)) blocking_signal_key(d, entry_key(e), e->keylen);
    notify_key_event(NOTIFY_NEW, "new", d, entry_key(e), e->keylen);
}

int db_add_if_absent(db *d, entry *e) {
    if (dict_add_unique(&d->keys, &e->node)) return -1;
    if (e->flags & ENTRY_HAS_TTL) heap_push(d, e);
    return 0;
}

void db_unlink_entry(db *d, entry *e) {
    /* XREADGROUP waiters hear that their stream is gone. */
    if (e->type == OBJ_STREAM) blocking_signal_key(d, entry_key(e), e->keylen);
    dict_remove(&d->keys, entry_key(e), e->keylen);
    if (e->flags & ENTRY_HAS_TTL) heap_remove(d, e);
    dict_maybe_shrink(&d->keys);
}

void db_delete_entry(db *d, entry *e) {
    db_unlink_entry(d, e);
    entry_free(e);
}

int db_store_result(db *d, const char *key, size_t len, enum obj_type type, void *obj,
                    const char *event) {
    if (obj) {
        db_set(d, entry_new_obj(key, len, type, obj, -1));
        notify_key_event(type == OBJ_SET ? NOTIFY_SET : NOTIFY_ZSET, event, d, key, len);
        return 1;
    }
    entry *old = db_lookup_write(d, key, len);
    if (!old) return 0;
    db_delete_entry(d, old);
    notify_key_event(NOTIFY_GENERIC, "del", d, key, len);
    return 1;
}

void db_set(db *d, entry *e) {
    entry *old = (entry *)dict_find(&d->keys, entry_key(e), e->keylen);
    if (!old) {
        db_add(d, e);
        return;
    }
    dict_replace(&d->keys, &old->node, &e->node);
    /* An overwritten key keeps its access history, as in Redis. */
    e->lru = old->lru;
    e->lfu = old->lfu;
    evict_touch(e);
    if (old->flags & ENTRY_HAS_TTL) heap_remove(d, old);
    if (e->flags & ENTRY_HAS_TTL) heap_push(d, e);
    if (can_wake(e) || old->type == OBJ_STREAM) blocking_signal_key(d, entry_key(e), e->keylen);
    entry_free(old);
}

/* Reallocates an entry that is in d, keeping the table and the heap pointing at it. */
static entry *entry_realloc_linked(db *d, entry *e, size_t size) {
    dict_remove(&d->keys, entry_key(e), e->keylen);
    entry *n = mem_realloc(e, size);
    dict_add(&d->keys, &n->node);
    if (n->flags & ENTRY_HAS_TTL) heap_place(d, entry_ttl(n)->heap_index, n);
    return n;
}

entry *db_set_expire(db *d, entry *e, long long expire_ms) {
    if (e->flags & ENTRY_HAS_TTL) {
        entry_ttl(e)->expire_ms = expire_ms;
        heap_update(d, e);
        return e;
    }
    entry *n = mem_alloc(entry_size(e->keylen, e->vallen, e->flags | ENTRY_HAS_TTL));
    memcpy(n, e, sizeof *e);
    n->flags |= ENTRY_HAS_TTL;
    memcpy(entry_after_ttl(n), entry_after_ttl(e), entry_stamp_size(e) + e->keylen + e->vallen);
    entry_ttl(n)->expire_ms = expire_ms;
    dict_replace(&d->keys, &e->node, &n->node);
    mem_free(e);
    heap_push(d, n);
    return n;
}

entry *db_persist(db *d, entry *e) {
    if (!(e->flags & ENTRY_HAS_TTL)) return e;
    heap_remove(d, e);
    dict_remove(&d->keys, entry_key(e), e->keylen);
    memmove(e->data, entry_after_ttl(e), entry_stamp_size(e) + e->keylen + e->vallen);
    e->flags &= (uint8_t)~ENTRY_HAS_TTL;
    entry *n = mem_realloc(e, entry_size(e->keylen, e->vallen, e->flags));
    dict_add(&d->keys, &n->node);
    return n;
}

entry *db_string_to_raw(db *d, entry *e) {
    if (e->encoding == ENC_RAW) return e;
    char digits[LL_STR_SIZE];
    size_t n = ll_to_str(digits, entry_int(e));
    entry *raw = entry_new_raw(entry_key(e), e->keylen, digits, n, entry_expire(e));
    db_set(d, raw); /* frees e */
    return raw;
}

entry *db_resize_value(db *d, entry *e, size_t vlen, int greedy) {
    size_t need = entry_size(e->keylen, vlen, e->flags);
    e->flags |= ENTRY_GROWN;
    if (mem_usable(e) >= need) {
        e->vallen = (uint32_t)vlen;
        return e;
    }
    /* Appends get double the room (up to 1 MB extra), so repeated APPENDs are amortised. */
    size_t alloc = need;
    if (greedy) alloc += need < (1u << 20) ? need : (1u << 20);
    entry *n = entry_realloc_linked(d, e, alloc);
    n->vallen = (uint32_t)vlen;
    return n;
}

entry *db_stamp(db *d, entry *e) {
    if (e->flags & ENTRY_HAS_STAMP) return e;
    size_t tail = (size_t)e->keylen + e->vallen;
    dict_remove(&d->keys, entry_key(e), e->keylen);
    entry *n = mem_realloc(e, entry_size(e->keylen, e->vallen, e->flags | ENTRY_HAS_STAMP));
    memmove(entry_after_ttl(n) + ENTRY_STAMP_SIZE, entry_after_ttl(n), tail);
    n->flags |= ENTRY_HAS_STAMP;
    entry_renew_cas(n);
    entry_set_client_flags(n, 0);
    dict_add(&d->keys, &n->node);
    if (n->flags & ENTRY_HAS_TTL) heap_place(d, entry_ttl(n)->heap_index, n);
    return n;
}

static void free_entry_node(dict_node *n, void *ctx) {
    (void)ctx;
    entry_free((entry *)n);
}

long long db_flush(db *d) {
    blocking_signal_streams(d);
    long long n = (long long)dict_size(&d->keys);
    dict_release(&d->keys, free_entry_node, NULL);
    mem_free(d->expiry_heap);
    d->expiry_heap = NULL;
    d->heap_len = d->heap_cap = 0;
    return n;
}

/* Blocked clients stay with their database index: only the data moves. */
void db_swap(db *a, db *b) {
    /* Streams leave the waited-on keys of both: their XREADGROUP waiters look again. */
    blocking_signal_streams(a);
    blocking_signal_streams(b);
    db tmp = *a;
    a->keys = b->keys;
    a->expiry_heap = b->expiry_heap;
    a->heap_len = b->heap_len;
    a->heap_cap = b->heap_cap;
    b->keys = tmp.keys;
    b->expiry_heap = tmp.expiry_heap;
    b->heap_len = tmp.heap_len;
    b->heap_cap = tmp.heap_cap;
    blocking_signal_db(a);
    blocking_signal_db(b);
}

/* ---- Signalling changed keys (Redis's signalModifiedKey) ---- */

int db_signals_wanted(void) { return multi_has_watchers() || tracking_active(); }

void db_signal_modified(db *d, const char *key, size_t len) {
    multi_touch_key(d, key, len);
    tracking_invalidate_key(key, len);
}

static void signal_one(const resp_arg *key, void *ctx) {
    client *c = ctx;
    db_signal_modified(c->db, key->ptr, key->len);
}

void db_signal_command_keys(client *c, const struct command *cmd) {
    command_foreach_written_key(cmd, c->argv, c->argc, signal_one, c);
}

/* ---- Expiry ---- */

void db_delete_expired(db *d, entry *e) {
    db_signal_modified(d, entry_key(e), e->keylen);
    notify_key_event(NOTIFY_EXPIRED, "expired", d, entry_key(e), e->keylen);
    if (effects_wanted())
        effects_deletion(d->id, entry_key(e), e->keylen, server.cfg.lazyfree_lazy_expire);
    long long start = server.cfg.latency_monitor_threshold ? time_us() : 0;
    db_delete_entry(d, e);
    if (start) latency_add_sample_if_needed("expire-del", (time_us() - start) / 1000);
    server.stat_expired_keys++;
}

static void expire_cycle_done(long long start) {
    long long elapsed = time_us() - start;
    server.stat_expire_cycle_time_us += elapsed;
    latency_add_sample_if_needed("expire-cycle", elapsed / 1000);
}

int db_active_expire(long long budget_us) {
    long long start = time_us();
    long long now = time_ms();
    int checks = 0;
    for (int i = 0; i < server.ndbs; i++) {
        db *d = &server.dbs[i];
        while (d->heap_len > 0 && heap_key(d, 0) <= now) {
            db_delete_expired(d, d->expiry_heap[0]);
            if (++checks % 64 == 0 && time_us() - start > budget_us) {
                expire_cycle_done(start);
                server.stat_expire_cycle_cap_reached++;
                return 1;
            }
        }
    }
    expire_cycle_done(start);
    return 0;
}
