/* The memory cap: maxmemory and the maxmemory-policy that frees room by evicting keys (LRU,
 * LFU, random or nearest TTL, among all keys or those with a TTL), and the access tracking
 * these policies and OBJECT IDLETIME / FREQ read. */
#ifndef RILL_EVICT_H
#define RILL_EVICT_H

#include "keyspace/db.h"

/* The counter a new key starts with, so that it is not evicted before it had a chance. */
#define LFU_INIT_VAL 5

/* Before a command (and from the timer): evicts keys while used memory is over maxmemory.
 * Returns 1 when memory is still over it and nothing more may be evicted (commands that
 * may grow memory are refused with -OOM then), 0 otherwise. */
int evict_to_fit(void);
/* Records an access to e: its LRU time and, under an LFU policy, its counter. */
void evict_touch(entry *e);
/* An access history from elsewhere (RESTORE, a snapshot): the LFU counter under an LFU policy,
 * else the LRU idle time; -1 leaves each as it is (Redis's objectSetLRUOrLFU). */
void evict_set_access(entry *e, long long idle_seconds, int freq);
/* OBJECT IDLETIME: seconds since the last access. */
long long evict_idle_seconds(const entry *e);
/* OBJECT FREQ: the access counter with its decay applied. */
int evict_frequency(const entry *e);
int evict_policy_is_lfu(void);
int evict_policy_is_lru(void);
long long evict_stat_evicted_keys(void);
/* CONFIG RESETSTAT. */
void evict_reset_stats(void);

#endif
