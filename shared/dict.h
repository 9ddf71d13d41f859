/* Intrusive hash table with incremental rehashing and a seeded hash (hash-flooding defence).
 * The table holds no keys or values of its own: callers embed a dict_node at the start of
 * their records and the dict_type tells where a record's key is. No allocation per insert. */
#ifndef RILL_DICT_H
#define RILL_DICT_H

#include <stddef.h>
#include <stdint.h>

typedef struct dict_node {
    struct dict_node *next;
} dict_node;

typedef struct dict_type {
    void (*key)(const dict_node *n, const char **key, size_t *len);
    /* Asked before the table grows by more_bytes at a load of load (nodes per bucket); 0
     * keeps the table as it is for now. NULL: it always grows. */
    int (*may_grow)(size_t more_bytes, double load);
} dict_type;

typedef struct dict {
    const dict_type *type;
    dict_node **table[2];
    size_t size[2]; /* 0 or a power of two */
    size_t used[2];
    long rehash_idx; /* next bucket of table[0] to move, -1 when not rehashing */
    int iterators;   /* open iterators: no rehash step while one walks the table */
} dict;

/* Walks every node once. While it is open the table does not rehash, so lookups and
 * removing the node just returned are safe; adding nodes is not. */
typedef struct dict_iter {
    dict *d;
    int table;
    size_t bucket;
    dict_node *next;
} dict_iter;

typedef void dict_visit_fn(dict_node *n, void *ctx);

/* Seeds the hash function; call once before the first table is used. */
void dict_set_seed(const uint8_t seed[16]);
/* Keyed SipHash-1-2 of the bytes, with the seed set above. */
uint64_t dict_hash(const void *key, size_t len);
/* Ask the CPU to fetch, ahead of time, what a lookup or insert of a key with hash h (dict_hash)
 * will read: its bucket, then (once the bucket has arrived) the first node of its chain. */
void dict_prefetch(const dict *d, uint64_t h);
void dict_prefetch_chain(const dict *d, uint64_t h);

void dict_init(dict *d, const dict_type *type);
/* Frees the tables; calls free_node (if not NULL) for every node first. */
void dict_release(dict *d, dict_visit_fn *free_node, void *ctx);
size_t dict_size(const dict *d);
/* Bytes allocated for the bucket arrays (the nodes belong to the caller). */
size_t dict_bytes(const dict *d);
dict_node *dict_find(dict *d, const char *key, size_t len);
/* Adds a node whose key is not in the table yet. */
void dict_add(dict *d, dict_node *n);
/* Adds n unless its key is there already: returns the node holding it then, else NULL.
 * One hash and one walk where dict_find + dict_add take two. */
dict_node *dict_add_unique(dict *d, dict_node *n);
/* Unlinks and returns the node with this key, or NULL. */
dict_node *dict_remove(dict *d, const char *key, size_t len);
/* Puts fresh (same key) where old was: for records that were reallocated. */
void dict_replace(dict *d, dict_node *old, dict_node *fresh);
/* A node chosen at random, or NULL when empty: a random bucket, then a node of its chain
 * (cheap, and fine for sampling, but nodes sharing a chain come up less often). */
dict_node *dict_random(dict *d);
/* A node chosen at random, near uniformly: one of the nodes of a run of up to 20 from a
 * random bucket on, as Redis's dictGetFairRandomKey (what a user sees: RANDOMKEY,
 * HRANDFIELD, SRANDMEMBER). NULL when empty. */
dict_node *dict_fair_random(dict *d);
/* Fills out with count distinct nodes chosen at random (count <= size). */
void dict_random_distinct(dict *d, size_t count, dict_node **out);
/* Calls fn for every node; fn must not add or remove nodes. */
void dict_foreach(dict *d, dict_visit_fn *fn, void *ctx);
/* One SCAN step: visits the nodes of some buckets and returns the next cursor (0 = done).
 * A full iteration visits every node present for its whole duration, even across resizes;
 * fn must not add or remove nodes. */
size_t dict_scan(dict *d, size_t cursor, dict_visit_fn *fn, void *ctx);
void dict_iter_init(dict_iter *it, dict *d);
/* The next node, or NULL when done. */
dict_node *dict_iter_next(dict_iter *it);
/* Closes the iterator (call it whether or not the walk finished). */
void dict_iter_done(dict_iter *it);
/* Moves up to n buckets of an ongoing rehash; returns 1 if more remain. */
int dict_rehash(dict *d, int n);
/* Sizes an empty table for n nodes at once (loading a snapshot): no rehash on the way. */
void dict_reserve(dict *d, size_t n);
/* Starts shrinking when the table is mostly empty. */
void dict_maybe_shrink(dict *d);

#endif
