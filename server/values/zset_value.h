/* The sorted set value: members ordered by (score, member bytes). Small sets are a packlist
 * of member, score pairs in that order; past zset-max-listpack-entries members, or with a
 * member longer than zset-max-listpack-value, they become a skip list with ranks (spans)
 * beside a hash table from member to node, so lookups are O(1) and rank and range
 * operations O(log n). Everything here addresses members by rank (0-based). Knows nothing
 * of the server: the unit tests use it directly. */
#ifndef RILL_ZSET_VALUE_H
#define RILL_ZSET_VALUE_H

#include <stddef.h>

#include "dict.h"
#include "values/packlist.h"

#define ZSL_MAX_LEVEL 32

struct zsl_node {
    dict_node node; /* in the member table */
    double score;
    struct zsl_node *backward;
    size_t len;
    int nlevels;
    struct zsl_level {
        struct zsl_node *forward;
        size_t span; /* members skipped by this link */
    } level[];
    /* member bytes follow level[nlevels] */
};

static inline char *zsl_member(const struct zsl_node *n) {
    return (char *)&n->level[n->nlevels];
}

typedef struct zset_value {
    packlist *pl; /* NULL once a skip list */
    /* skip list */
    struct zsl_node *header, *tail;
    size_t length;
    int level;
    dict members; /* member -> node */
} zset_value;

zset_value *zset_new(void);
/* A packed sorted set taking pl (member, score as 8 raw bytes, ...: distinct members, within the
 * packed limits); NULL, pl untouched, unless the pairs are in (score, member) order. */
zset_value *zset_from_packed(packlist *pl);
void zset_free(zset_value *z);
zset_value *zset_dup(const zset_value *z);
size_t zset_count(const zset_value *z);
size_t zset_bytes(const zset_value *z);
/* 1 and the member's score when it is there. */
int zset_score(zset_value *z, const char *m, size_t len, double *score);
/* Adds a member or moves it to a new score (the caller decides whether it may). Returns 1
 * when the member is new. */
int zset_set(zset_value *z, const char *m, size_t len, double score,
             const struct packed_limits *lim);

/* Where a member is, for a read then a write with one lookup (ZADD, ZINCRBY, ZUNION). Valid
 * until the set changes. */
typedef struct zset_place {
    int found;
    double score;          /* when found */
    struct zsl_node *node; /* skip list */
    size_t off;            /* packed: the member's offset */
} zset_place;
/* Returns 1 when the member is there. */
int zset_find(zset_value *z, const char *m, size_t len, zset_place *p);
/* zset_set for the member p was found for (or not). */
int zset_put(zset_value *z, const zset_place *p, const char *m, size_t len, double score,
             const struct packed_limits *lim);
/* Returns 1 when the member was there. */
int zset_delete(zset_value *z, const char *m, size_t len);
/* 1 and the member's rank (0 = lowest score) when it is there. */
int zset_rank(zset_value *z, const char *m, size_t len, size_t *rank);
/* Removes the members of ranks [start, end]. */
void zset_delete_ranks(zset_value *z, size_t start, size_t end);

/* How many members come before a boundary: before(score, member) must hold for a prefix of
 * the order and fail for the rest (score and lex range bounds do). */
typedef int zset_before_fn(double score, const char *m, size_t len, const void *ctx);
size_t zset_count_before(zset_value *z, zset_before_fn *before, const void *ctx);

/* Walks members by rank from a starting rank, towards higher ranks or (reverse) lower. The
 * set must not change during the walk. */
typedef struct zset_iter {
    zset_value *z;
    int reverse;
    size_t remaining;
    struct zsl_node *node; /* skip list */
    size_t off;            /* packed, forward */
    size_t *offsets;       /* packed, reverse: every member's offset */
    size_t index;
} zset_iter;
void zset_iter_init(zset_iter *it, zset_value *z, size_t rank, int reverse);
/* 1 and the next member (valid until the set changes), or 0 when done. */
int zset_iter_next(zset_iter *it, const char **m, size_t *len, double *score);
void zset_iter_done(zset_iter *it);

#endif
