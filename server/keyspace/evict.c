/* Eviction under maxmemory, with Redis's approximations: each round samples
 * maxmemory-samples keys per database into a pool of the best 16 candidates kept across
 * rounds, and evicts the best one still there. "Best" is the longest idle (LRU), the lowest
 * decayed access counter (LFU) or the nearest expiry (volatile-ttl); the volatile-* policies
 * sample only keys with a TTL. */
#include "keyspace/evict.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/effects.h"
#include "core/server.h"
#include "dict.h"
#include "features/latency.h"
#include "features/multi.h"
#include "features/notify.h"
#include "features/pause.h"
#include "mem.h"

#define POOL_SIZE 16

struct candidate {
    unsigned long long score; /* the higher, the better to evict */
    int db;
    size_t keylen;
    char *key; /* a copy: the key may be gone by the time it is picked */
};

static struct {
    struct candidate pool[POOL_SIZE]; /* lowest score first */
    int pool_len;
    int pool_policy; /* the policy the scores were computed for */
    int next_db;     /* random policies go round the databases */
    long long evicted_keys;
} ev;

static int policy_is_lfu(int policy) {
    return policy == POLICY_ALLKEYS_LFU || policy == POLICY_VOLATILE_LFU;
}

static int policy_is_volatile(int policy) {
    return policy == POLICY_VOLATILE_LRU || policy == POLICY_VOLATILE_LFU ||
           policy == POLICY_VOLATILE_RANDOM || policy == POLICY_VOLATILE_TTL;
}

int evict_policy_is_lfu(void) { return policy_is_lfu(server.cfg.maxmemory_policy); }

int evict_policy_is_lru(void) {
    return server.cfg.maxmemory_policy == POLICY_ALLKEYS_LRU ||
           server.cfg.maxmemory_policy == POLICY_VOLATILE_LRU;
}

long long evict_stat_evicted_keys(void) { return ev.evicted_keys; }

void evict_reset_stats(void) { ev.evicted_keys = 0; }

/* ---- Access tracking ---- */

long long evict_idle_seconds(const entry *e) {
    return server.lru_clock > e->lru ? (long long)(server.lru_clock - e->lru) : 0;
}

/* The counter loses one per lfu-decay-time minutes without access. */
int evict_frequency(const entry *e) {
    if (server.cfg.lfu_decay_time <= 0) return e->lfu;
    long long periods = evict_idle_seconds(e) / 60 / server.cfg.lfu_decay_time;
    return periods >= e->lfu ? 0 : e->lfu - (int)periods;
}

/* Logarithmic: the higher the counter, the less likely an access raises it. */
static uint8_t lfu_increment(int counter) {
    if (counter >= 255) return 255;
    double base = counter > LFU_INIT_VAL ? counter - LFU_INIT_VAL : 0;
    double p = 1.0 / (base * server.cfg.lfu_log_factor + 1);
    if ((double)random() / RAND_MAX < p) counter++;
    return (uint8_t)counter;
}

void evict_set_access(entry *e, long long idle_seconds, int freq) {
    if (evict_policy_is_lfu()) {
        if (freq >= 0) e->lfu = (uint8_t)freq;
    } else if (idle_seconds >= 0) {
        e->lru = idle_seconds < server.lru_clock ? server.lru_clock - (uint32_t)idle_seconds : 0;
    }
}

void evict_touch(entry *e) {
    if (evict_policy_is_lfu()) e->lfu = lfu_increment(evict_frequency(e));
    e->lru = server.lru_clock;
}

/* ---- Candidates ---- */

static unsigned long long score_of(entry *e, int policy) {
    if (policy_is_lfu(policy)) return 255 - (unsigned long long)evict_frequency(e);
    if (policy == POLICY_VOLATILE_TTL) return ULLONG_MAX - (unsigned long long)entry_expire(e);
    return (unsigned long long)evict_idle_seconds(e);
}

static void pool_insert(unsigned long long score, int dbi, entry *e) {
    int k = 0;
    while (k < ev.pool_len && ev.pool[k].score < score) k++;
    if (k == 0 && ev.pool_len == POOL_SIZE) return; /* worse than every candidate */
    if (ev.pool_len < POOL_SIZE) {
        memmove(&ev.pool[k + 1], &ev.pool[k], (size_t)(ev.pool_len - k) * sizeof ev.pool[0]);
        ev.pool_len++;
    } else { /* full: the worst candidate makes room */
        free(ev.pool[0].key);
        k--;
        memmove(&ev.pool[0], &ev.pool[1], (size_t)k * sizeof ev.pool[0]);
    }
    struct candidate *c = &ev.pool[k];
    c->score = score;
    c->db = dbi;
    c->keylen = e->keylen;
    c->key = malloc(e->keylen ? e->keylen : 1); /* outside mem_used: bookkeeping, not data */
    if (!c->key) abort();
    memcpy(c->key, entry_key(e), e->keylen);
}

static void pool_clear(void) {
    for (int i = 0; i < ev.pool_len; i++) free(ev.pool[i].key);
    ev.pool_len = 0;
}

/* A random key of d (one with a TTL for the volatile policies), NULL if it has none. */
static entry *random_entry(db *d, int policy) {
    if (policy_is_volatile(policy))
        return d->heap_len ? d->expiry_heap[(size_t)random() % d->heap_len] : NULL;
    return (entry *)dict_random(&d->keys);
}

/* Samples every database into the pool; returns how many keys were sampled. */
static int pool_populate(int policy) {
    int sampled = 0;
    for (int i = 0; i < server.ndbs; i++) {
        db *d = &server.dbs[i];
        size_t n = policy_is_volatile(policy) ? d->heap_len : dict_size(&d->keys);
        size_t want = (size_t)server.cfg.maxmemory_samples < n ? (size_t)server.cfg.maxmemory_samples : n;
        for (size_t s = 0; s < want; s++, sampled++) {
            entry *e = random_entry(d, policy);
            pool_insert(score_of(e, policy), i, e);
        }
    }
    return sampled;
}

/* The key to evict next and its database, NULL when there is none. */
static entry *pick(int policy, db **where) {
    if (policy == POLICY_ALLKEYS_RANDOM || policy == POLICY_VOLATILE_RANDOM) {
        for (int tries = 0; tries < server.ndbs; tries++) {
            db *d = &server.dbs[ev.next_db++ % server.ndbs];
            entry *e = random_entry(d, policy);
            if (e) {
                *where = d;
                return e;
            }
        }
        return NULL;
    }
    if (ev.pool_policy != policy) {
        pool_clear();
        ev.pool_policy = policy;
    }
    for (;;) {
        if (pool_populate(policy) == 0 && ev.pool_len == 0) return NULL;
        while (ev.pool_len > 0) {
            struct candidate *c = &ev.pool[--ev.pool_len];
            db *d = &server.dbs[c->db];
            entry *e = (entry *)dict_find(&d->keys, c->key, c->keylen);
            free(c->key);
            if (e && (!policy_is_volatile(policy) || (e->flags & ENTRY_HAS_TTL))) {
                *where = d;
                return e;
            }
        }
    }
}

/* How long one call may evict before letting the command run (maxmemory-eviction-tenacity,
 * Redis's scale: 500 us at the default 10, unlimited at 100). */
static long long time_limit_us(void) {
    int t = server.cfg.maxmemory_eviction_tenacity;
    if (t <= 10) return 50LL * t;
    if (t < 100) return (long long)(500.0 * pow(1.15, t - 10.0));
    return LLONG_MAX;
}

int evict_to_fit(void) {
    size_t cap = (size_t)server.cfg.maxmemory;
    /* During CLIENT PAUSE nothing is evicted, and nothing is refused for memory either. */
    if (cap == 0 || mem_used() <= cap || pause_active()) return 0;
    int policy = server.cfg.maxmemory_policy;
    if (policy == POLICY_NOEVICTION) return 1;
    long long start = time_us(), limit = time_limit_us();
    int rc = 0;
    for (int n = 1; mem_used() > cap; n++) {
        db *d;
        entry *e = pick(policy, &d);
        if (!e) {
            rc = 1;
            break;
        }
        db_signal_modified(d, entry_key(e), e->keylen);
        notify_key_event(NOTIFY_EVICTED, "evicted", d, entry_key(e), e->keylen);
        if (effects_wanted())
            effects_deletion(d->id, entry_key(e), e->keylen, server.cfg.lazyfree_lazy_eviction);
        long long del_start = server.cfg.latency_monitor_threshold ? time_us() : 0;
        db_delete_entry(d, e);
        if (del_start) latency_add_sample_if_needed("eviction-del", (time_us() - del_start) / 1000);
        ev.evicted_keys++;
        server.dirty++;
        /* Out of time: the rest is evicted before the next commands and by the timer. */
        if (n % 16 == 0 && time_us() - start > limit) break;
    }
    latency_add_sample_if_needed("eviction-cycle", (time_us() - start) / 1000);
    return rc;
}
