#include "dict.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define DICT_MIN_SIZE 4

static uint8_t hash_seed[16];

void dict_set_seed(const uint8_t seed[16]) { memcpy(hash_seed, seed, 16); }

/* ---- SipHash-1-2 (one compression round, two finalisation rounds, as Redis uses) ---- */

static uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian hosts only, like the snapshot format */
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = rotl(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = rotl(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = rotl(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = rotl(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = rotl(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = rotl(v2, 32);                                                                         \
    } while (0)

uint64_t dict_hash(const void *key, size_t len) {
    const uint8_t *in = key;
    uint64_t k0 = load64(hash_seed), k1 = load64(hash_seed + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    const uint8_t *end = in + len - (len % 8);
    for (; in != end; in += 8) {
        uint64_t m = load64(in);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = ((uint64_t)len) << 56;
    for (size_t i = 0; i < len % 8; i++) b |= ((uint64_t)in[i]) << (8 * i);
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- Table ---- */

void dict_init(dict *d, const dict_type *type) {
    memset(d, 0, sizeof *d);
    d->type = type;
    d->rehash_idx = -1;
}

static int rehashing(const dict *d) { return d->rehash_idx >= 0; }

size_t dict_size(const dict *d) { return d->used[0] + d->used[1]; }

size_t dict_bytes(const dict *d) {
    return (d->table[0] ? mem_usable(d->table[0]) : 0) + (d->table[1] ? mem_usable(d->table[1]) : 0);
}

void dict_release(dict *d, dict_visit_fn *free_node, void *ctx) {
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; free_node && i < d->size[t]; i++) {
            dict_node *n = d->table[t][i];
            while (n) {
                dict_node *next = n->next;
                free_node(n, ctx);
                n = next;
            }
        }
        mem_free(d->table[t]);
    }
    dict_init(d, d->type);
}

static uint64_t node_hash(const dict *d, const dict_node *n) {
    const char *k;
    size_t len;
    d->type->key(n, &k, &len);
    return dict_hash(k, len);
}

static int node_has_key(const dict *d, const dict_node *n, const char *key, size_t len) {
    const char *k;
    size_t klen;
    d->type->key(n, &k, &klen);
    return klen == len && memcmp(k, key, len) == 0;
}

int dict_rehash(dict *d, int n) {
    if (!rehashing(d)) return 0;
    if (d->iterators) return 1;
    int empty_visits = n * 10;
    while (n-- && d->used[0]) {
        while (d->table[0][d->rehash_idx] == NULL) {
            d->rehash_idx++;
            if (--empty_visits == 0) return 1;
        }
        dict_node *node = d->table[0][d->rehash_idx];
        while (node) {
            dict_node *next = node->next;
            size_t idx = node_hash(d, node) & (d->size[1] - 1);
            node->next = d->table[1][idx];
            d->table[1][idx] = node;
            d->used[0]--;
            d->used[1]++;
            node = next;
        }
        d->table[0][d->rehash_idx] = NULL;
        d->rehash_idx++;
    }
    if (d->used[0] == 0) {
        mem_free(d->table[0]);
        d->table[0] = d->table[1];
        d->size[0] = d->size[1];
        d->used[0] = d->used[1];
        d->table[1] = NULL;
        d->size[1] = d->used[1] = 0;
        d->rehash_idx = -1;
        return 0;
    }
    return 1;
}

static void resize_to(dict *d, size_t want) {
    size_t size = DICT_MIN_SIZE;
    while (size < want) size *= 2;
    if (rehashing(d) || size == d->size[0]) return;
    dict_node **table = mem_calloc(size, sizeof *table);
    if (d->size[0] == 0) {
        d->table[0] = table;
        d->size[0] = size;
        return;
    }
    d->table[1] = table;
    d->size[1] = size;
    d->rehash_idx = 0;
}

static void maybe_grow(dict *d) {
    if (rehashing(d)) return;
    if (d->size[0] == 0) {
        resize_to(d, DICT_MIN_SIZE);
        return;
    }
    if (d->used[0] < d->size[0]) return;
    size_t size = DICT_MIN_SIZE;
    while (size < d->used[0] * 2) size *= 2;
    if (d->type->may_grow &&
        !d->type->may_grow(size * sizeof(dict_node *), (double)d->used[0] / (double)d->size[0]))
        return;
    resize_to(d, size);
}

void dict_reserve(dict *d, size_t n) {
    if (d->size[0] == 0) resize_to(d, n);
}

void dict_maybe_shrink(dict *d) {
    if (rehashing(d) || d->iterators || d->size[0] <= DICT_MIN_SIZE) return;
    if (d->used[0] * 8 < d->size[0]) resize_to(d, d->used[0]);
}

dict_node *dict_find(dict *d, const char *key, size_t len) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash(d, 1);
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0) break;
        for (dict_node *n = d->table[t][h & (d->size[t] - 1)]; n; n = n->next)
            if (node_has_key(d, n, key, len)) return n;
        if (!rehashing(d)) break;
    }
    return NULL;
}

void dict_prefetch(const dict *d, uint64_t h) {
    int t = rehashing(d) ? 1 : 0;
    if (d->size[t]) __builtin_prefetch(&d->table[t][h & (d->size[t] - 1)]);
}

void dict_prefetch_chain(const dict *d, uint64_t h) {
    int t = rehashing(d) ? 1 : 0;
    if (d->size[t] && d->table[t][h & (d->size[t] - 1)])
        __builtin_prefetch(d->table[t][h & (d->size[t] - 1)]);
}

static void link_node(dict *d, dict_node *n, uint64_t h) {
    int t = rehashing(d) ? 1 : 0;
    size_t idx = h & (d->size[t] - 1);
    n->next = d->table[t][idx];
    d->table[t][idx] = n;
    d->used[t]++;
}

void dict_add(dict *d, dict_node *n) {
    if (rehashing(d)) dict_rehash(d, 1);
    maybe_grow(d);
    link_node(d, n, node_hash(d, n));
}

dict_node *dict_add_unique(dict *d, dict_node *n) {
    if (rehashing(d)) dict_rehash(d, 1);
    maybe_grow(d);
    const char *key;
    size_t len;
    d->type->key(n, &key, &len);
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2 && d->size[t]; t++) {
        for (dict_node *o = d->table[t][h & (d->size[t] - 1)]; o; o = o->next)
            if (node_has_key(d, o, key, len)) return o;
        if (!rehashing(d)) break;
    }
    link_node(d, n, h);
    return NULL;
}

/* The link pointing at the node with this key, or NULL. */
static dict_node **find_link(dict *d, const char *key, size_t len, int *table) {
    uint64_t h = dict_hash(key, len);
    for (int t = 0; t < 2; t++) {
        if (d->size[t] == 0) break;
        dict_node **link = &d->table[t][h & (d->size[t] - 1)];
        for (; *link; link = &(*link)->next) {
            if (node_has_key(d, *link, key, len)) {
                *table = t;
                return link;
            }
        }
        if (!rehashing(d)) break;
    }
    return NULL;
}

dict_node *dict_remove(dict *d, const char *key, size_t len) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash(d, 1);
    int t;
    dict_node **link = find_link(d, key, len, &t);
    if (!link) return NULL;
    dict_node *n = *link;
    *link = n->next;
    d->used[t]--;
    return n;
}

void dict_replace(dict *d, dict_node *old, dict_node *fresh) {
    const char *key;
    size_t len;
    d->type->key(old, &key, &len);
    int t;
    dict_node **link = find_link(d, key, len, &t);
    fresh->next = old->next;
    *link = fresh;
}

dict_node *dict_random(dict *d) {
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash(d, 1);
    dict_node *bucket = NULL;
    while (!bucket) {
        if (rehashing(d)) {
            /* Buckets below rehash_idx in table[0] are empty. */
            size_t span = d->size[0] + d->size[1] - (size_t)d->rehash_idx;
            size_t i = (size_t)d->rehash_idx + (size_t)random() % span;
            bucket = i >= d->size[0] ? d->table[1][i - d->size[0]] : d->table[0][i];
        } else {
            bucket = d->table[0][(size_t)random() & (d->size[0] - 1)];
        }
    }
    size_t chain = 0;
    for (dict_node *n = bucket; n; n = n->next) chain++;
    size_t pick = (size_t)random() % chain;
    while (pick--) bucket = bucket->next;
    return bucket;
}

dict_node *dict_fair_random(dict *d) {
    enum { RUN = 20 };
    if (dict_size(d) == 0) return NULL;
    if (rehashing(d)) dict_rehash(d, 1);
    dict_node *run[RUN];
    size_t n = 0, buckets = d->size[0] + (rehashing(d) ? d->size[1] : 0);
    size_t start = (size_t)random() % buckets;
    /* Past RUN * 10 buckets, a run that found anything is enough (a sparse table). */
    for (size_t step = 0; step < buckets && n < RUN && (n == 0 || step < RUN * 10); step++) {
        size_t i = (start + step) % buckets;
        dict_node *b = i < d->size[0] ? d->table[0][i] : d->table[1][i - d->size[0]];
        for (; b && n < RUN; b = b->next) run[n++] = b;
    }
    return run[(size_t)random() % n];
}

/* Open-addressing set of pointers, to tell nodes already picked. */
static int pointer_set_add(const void **slots, size_t mask, const void *p) {
    size_t i = (size_t)dict_hash(&p, sizeof p) & mask;
    while (slots[i]) {
        if (slots[i] == p) return 0;
        i = (i + 1) & mask;
    }
    slots[i] = p;
    return 1;
}

void dict_random_distinct(dict *d, size_t count, dict_node **out) {
    size_t size = dict_size(d);
    if (count == 0) return;
    if (count * 3 > size) {
        /* Most of the table: shuffle all of it and keep the first count. */
        dict_node **all = mem_alloc(size * sizeof *all);
        size_t n = 0;
        dict_iter it;
        dict_iter_init(&it, d);
        for (dict_node *node; (node = dict_iter_next(&it));) all[n++] = node;
        dict_iter_done(&it);
        for (size_t i = 0; i < count; i++) {
            size_t j = i + (size_t)random() % (size - i);
            dict_node *t = all[i];
            all[i] = all[j];
            all[j] = t;
            out[i] = all[i];
        }
        mem_free(all);
        return;
    }
    /* A small part: draw until count different nodes came up. */
    size_t slots = 16;
    while (slots < count * 2) slots *= 2;
    const void **seen = mem_calloc(slots, sizeof *seen);
    for (size_t n = 0; n < count;) {
        dict_node *node = dict_fair_random(d);
        if (pointer_set_add(seen, slots - 1, node)) out[n++] = node;
    }
    mem_free(seen);
}

void dict_iter_init(dict_iter *it, dict *d) {
    it->d = d;
    it->table = 0;
    it->bucket = 0;
    it->next = NULL;
    d->iterators++;
}

dict_node *dict_iter_next(dict_iter *it) {
    dict *d = it->d;
    while (!it->next) {
        if (it->bucket >= d->size[it->table]) {
            if (it->table == 1 || !rehashing(d)) return NULL;
            it->table = 1;
            it->bucket = 0;
            continue;
        }
        it->next = d->table[it->table][it->bucket++];
    }
    dict_node *n = it->next;
    it->next = n->next;
    return n;
}

void dict_iter_done(dict_iter *it) { it->d->iterators--; }

void dict_foreach(dict *d, dict_visit_fn *fn, void *ctx) {
    for (int t = 0; t < 2; t++) {
        for (size_t i = 0; i < d->size[t]; i++) {
            dict_node *n = d->table[t][i];
            while (n) {
                dict_node *next = n->next;
                fn(n, ctx);
                n = next;
            }
        }
    }
}

static void visit_bucket(dict_node *n, dict_visit_fn *fn, void *ctx) {
    while (n) {
        dict_node *next = n->next;
        fn(n, ctx);
        n = next;
    }
}

static size_t reverse_bits(size_t v) {
    size_t s = 8 * sizeof v, mask = ~(size_t)0;
    while ((s >>= 1) > 0) {
        mask ^= (mask << s);
        v = ((v >> s) & mask) | ((v << s) & ~mask);
    }
    return v;
}

/* The cursor counts in bit-reversed order over the mask of the smaller table, so buckets
 * already visited keep being skipped when the table doubles or halves between calls. */
size_t dict_scan(dict *d, size_t v, dict_visit_fn *fn, void *ctx) {
    if (dict_size(d) == 0) return 0;
    if (!rehashing(d)) {
        size_t m0 = d->size[0] - 1;
        visit_bucket(d->table[0][v & m0], fn, ctx);
        v |= ~m0;
        v = reverse_bits(v);
        v++;
        return reverse_bits(v);
    }
    int small = d->size[0] <= d->size[1] ? 0 : 1, large = 1 - small;
    size_t m0 = d->size[small] - 1, m1 = d->size[large] - 1;
    visit_bucket(d->table[small][v & m0], fn, ctx);
    do {
        visit_bucket(d->table[large][v & m1], fn, ctx);
        v |= ~m1;
        v = reverse_bits(v);
        v++;
        v = reverse_bits(v);
    } while (v & (m0 ^ m1));
    return v;
}
