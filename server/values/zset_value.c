#include "values/zset_value.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Order of members: by score, then by member bytes (shorter first on a common prefix). */
static int compare(double s1, const char *m1, size_t l1, double s2, const char *m2, size_t l2) {
    if (s1 != s2) return s1 < s2 ? -1 : 1;
    size_t n = l1 < l2 ? l1 : l2;
    int r = n ? memcmp(m1, m2, n) : 0;
    if (r) return r;
    return l1 < l2 ? -1 : l1 > l2;
}

static int node_compare(const struct zsl_node *n, double score, const char *m, size_t len) {
    return compare(n->score, zsl_member(n), n->len, score, m, len);
}

/* ---- Packed pairs: [member][score as 8 raw bytes] ---- */

static double packed_score(const packlist *pl, size_t member_off) {
    size_t len;
    const char *p = pl_get(pl, pl_next(pl, member_off), &len);
    double score;
    memcpy(&score, p, sizeof score);
    return score;
}

static size_t packed_next_pair(const packlist *pl, size_t off) {
    return pl_next(pl, pl_next(pl, off));
}

static packlist *packed_insert(packlist *pl, const char *m, size_t len, double score) {
    /* A packed zero has no sign: Redis keeps listpack scores as text, where -0 reads back
     * as 0. */
    if (score == 0) score = 0;
    size_t off = 0;
    while (off < pl->used) {
        size_t mlen;
        const char *mp = pl_get(pl, off, &mlen);
        if (compare(packed_score(pl, off), mp, mlen, score, m, len) > 0) break;
        off = packed_next_pair(pl, off);
    }
    pl = pl_insert(pl, off, (const char *)&score, sizeof score);
    return pl_insert(pl, off, m, len);
}

/* ---- Skip list ---- */

static void member_key(const dict_node *n, const char **key, size_t *len) {
    const struct zsl_node *z = (const struct zsl_node *)n;
    *key = zsl_member(z);
    *len = z->len;
}

static const dict_type member_type = {member_key};

static struct zsl_node *node_new(int nlevels, double score, const char *m, size_t len) {
    struct zsl_node *n =
        mem_alloc(sizeof *n + (size_t)nlevels * sizeof(struct zsl_level) + len);
    n->score = score;
    n->backward = NULL;
    n->len = len;
    n->nlevels = nlevels;
    for (int i = 0; i < nlevels; i++) {
        n->level[i].forward = NULL;
        n->level[i].span = 0;
    }
    if (len) memcpy(zsl_member(n), m, len);
    return n;
}

static int random_level(void) {
    int level = 1;
    while (level < ZSL_MAX_LEVEL && (random() & 3) == 0) level++; /* p = 1/4 */
    return level;
}

/* Links n (not in the list) at its place, with its own levels. */
static void zsl_link(zset_value *z, struct zsl_node *n) {
    struct zsl_node *update[ZSL_MAX_LEVEL];
    size_t rank[ZSL_MAX_LEVEL];
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
        while (x->level[i].forward &&
               node_compare(x->level[i].forward, n->score, zsl_member(n), n->len) < 0) {
            rank[i] += x->level[i].span;
            x = x->level[i].forward;
        }
        update[i] = x;
    }
    if (n->nlevels > z->level) {
        for (int i = z->level; i < n->nlevels; i++) {
            rank[i] = 0;
            update[i] = z->header;
            z->header->level[i].span = z->length;
        }
        z->level = n->nlevels;
    }
    for (int i = 0; i < n->nlevels; i++) {
        n->level[i].forward = update[i]->level[i].forward;
        update[i]->level[i].forward = n;
        n->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
        update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = n->nlevels; i < z->level; i++) update[i]->level[i].span++;
    n->backward = update[0] == z->header ? NULL : update[0];
    if (n->level[0].forward) {
        n->level[0].forward->backward = n;
    } else {
        z->tail = n;
    }
    z->length++;
}

/* Takes n out of the list (not out of the member table). */
static void zsl_unlink(zset_value *z, struct zsl_node *n) {
    struct zsl_node *update[ZSL_MAX_LEVEL];
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward &&
               node_compare(x->level[i].forward, n->score, zsl_member(n), n->len) < 0)
            x = x->level[i].forward;
        update[i] = x;
    }
    for (int i = 0; i < z->level; i++) {
        if (update[i]->level[i].forward == n) {
            update[i]->level[i].span += n->level[i].span - 1;
            update[i]->level[i].forward = n->level[i].forward;
        } else {
            update[i]->level[i].span--;
        }
    }
    if (n->level[0].forward) {
        n->level[0].forward->backward = n->backward;
    } else {
        z->tail = n->backward;
    }
    while (z->level > 1 && z->header->level[z->level - 1].forward == NULL) z->level--;
    z->length--;
}

/* The node of rank (0-based), which must exist. */
static struct zsl_node *zsl_at_rank(zset_value *z, size_t rank) {
    size_t traversed = 0, want = rank + 1;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && traversed + x->level[i].span <= want) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (traversed == want) return x;
    }
    return NULL;
}

static void skiplist_init(zset_value *z) {
    z->header = node_new(ZSL_MAX_LEVEL, 0, NULL, 0);
    z->tail = NULL;
    z->length = 0;
    z->level = 1;
}

static void skiplist_add(zset_value *z, const char *m, size_t len, double score) {
    struct zsl_node *n = node_new(random_level(), score, m, len);
    zsl_link(z, n);
    dict_add(&z->members, &n->node);
}

static void convert_to_skiplist(zset_value *z) {
    packlist *pl = z->pl;
    skiplist_init(z);
    for (size_t off = 0; off < pl->used; off = packed_next_pair(pl, off)) {
        size_t len;
        const char *m = pl_get(pl, off, &len);
        skiplist_add(z, m, len, packed_score(pl, off));
    }
    pl_free(pl);
    z->pl = NULL;
}

/* ---- The value ---- */

zset_value *zset_new(void) {
    zset_value *z = mem_calloc(1, sizeof *z);
    z->pl = pl_new();
    dict_init(&z->members, &member_type);
    return z;
}

zset_value *zset_from_packed(packlist *pl) {
    size_t prev = pl->used;
    for (size_t off = 0; off < pl->used; prev = off, off = packed_next_pair(pl, off)) {
        if (prev == pl->used) continue;
        size_t plen, len;
        const char *pm = pl_get(pl, prev, &plen), *m = pl_get(pl, off, &len);
        if (compare(packed_score(pl, prev), pm, plen, packed_score(pl, off), m, len) >= 0)
            return NULL;
    }
    zset_value *z = zset_new();
    pl_free(z->pl);
    z->pl = pl;
    return z;
}

void zset_free(zset_value *z) {
    if (z->pl) {
        pl_free(z->pl);
    } else {
        struct zsl_node *n = z->header->level[0].forward;
        while (n) {
            struct zsl_node *next = n->level[0].forward;
            mem_free(n);
            n = next;
        }
        mem_free(z->header);
        dict_release(&z->members, NULL, NULL);
    }
    mem_free(z);
}

zset_value *zset_dup(const zset_value *z) {
    zset_value *n = mem_calloc(1, sizeof *n);
    dict_init(&n->members, &member_type);
    if (z->pl) {
        n->pl = pl_dup(z->pl);
        return n;
    }
    skiplist_init(n);
    for (struct zsl_node *x = z->header->level[0].forward; x; x = x->level[0].forward)
        skiplist_add(n, zsl_member(x), x->len, x->score);
    return n;
}

size_t zset_count(const zset_value *z) { return z->pl ? z->pl->count / 2 : z->length; }

size_t zset_bytes(const zset_value *z) {
    size_t total = mem_usable(z);
    if (z->pl) return total + pl_bytes(z->pl);
    total += mem_usable(z->header);
    for (struct zsl_node *x = z->header->level[0].forward; x; x = x->level[0].forward)
        total += mem_usable(x);
    return total + dict_bytes(&z->members);
}

int zset_find(zset_value *z, const char *m, size_t len, zset_place *p) {
    p->node = NULL;
    p->off = 0;
    if (z->pl) {
        p->off = pl_find(z->pl, 0, m, len, 2);
        p->found = p->off < z->pl->used;
        if (p->found) p->score = packed_score(z->pl, p->off);
        return p->found;
    }
    p->node = (struct zsl_node *)dict_find(&z->members, m, len);
    p->found = p->node != NULL;
    if (p->found) p->score = p->node->score;
    return p->found;
}

int zset_score(zset_value *z, const char *m, size_t len, double *score) {
    zset_place p;
    if (!zset_find(z, m, len, &p)) return 0;
    *score = p.score;
    return 1;
}

int zset_put(zset_value *z, const zset_place *p, const char *m, size_t len, double score,
             const struct packed_limits *lim) {
    if (z->pl) {
        if (p->found) {
            z->pl = pl_delete(z->pl, p->off, 2);
            z->pl = packed_insert(z->pl, m, len, score);
            return 0;
        }
        if (zset_count(z) + 1 <= lim->max_entries && len <= lim->max_value) {
            z->pl = packed_insert(z->pl, m, len, score);
            return 1;
        }
        convert_to_skiplist(z);
    }
    if (!p->found) {
        skiplist_add(z, m, len, score);
        return 1;
    }
    /* Same node, new place: the member table keeps pointing at it. */
    struct zsl_node *n = p->node;
    zsl_unlink(z, n);
    n->score = score;
    zsl_link(z, n);
    return 0;
}

int zset_set(zset_value *z, const char *m, size_t len, double score,
             const struct packed_limits *lim) {
    zset_place p;
    zset_find(z, m, len, &p);
    return zset_put(z, &p, m, len, score, lim);
}

int zset_delete(zset_value *z, const char *m, size_t len) {
    if (z->pl) {
        size_t off = pl_find(z->pl, 0, m, len, 2);
        if (off == z->pl->used) return 0;
        z->pl = pl_delete(z->pl, off, 2);
        return 1;
    }
    struct zsl_node *n = (struct zsl_node *)dict_remove(&z->members, m, len);
    if (!n) return 0;
    zsl_unlink(z, n);
    mem_free(n);
    dict_maybe_shrink(&z->members);
    return 1;
}

int zset_rank(zset_value *z, const char *m, size_t len, size_t *rank) {
    if (z->pl) {
        size_t r = 0;
        for (size_t off = 0; off < z->pl->used; off = packed_next_pair(z->pl, off), r++) {
            if (pl_equals(z->pl, off, m, len)) {
                *rank = r;
                return 1;
            }
        }
        return 0;
    }
    struct zsl_node *n = (struct zsl_node *)dict_find(&z->members, m, len);
    if (!n) return 0;
    size_t traversed = 0;
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward && node_compare(x->level[i].forward, n->score, m, len) <= 0) {
            traversed += x->level[i].span;
            x = x->level[i].forward;
        }
        if (x == n) break;
    }
    *rank = traversed - 1;
    return 1;
}

void zset_delete_ranks(zset_value *z, size_t start, size_t end) {
    if (z->pl) {
        z->pl = pl_delete(z->pl, pl_offset_of(z->pl, 2 * start), 2 * (end - start + 1));
        return;
    }
    struct zsl_node *n = zsl_at_rank(z, start);
    for (size_t i = start; i <= end && n; i++) {
        struct zsl_node *next = n->level[0].forward;
        dict_remove(&z->members, zsl_member(n), n->len);
        zsl_unlink(z, n);
        mem_free(n);
        n = next;
    }
    dict_maybe_shrink(&z->members);
}

size_t zset_count_before(zset_value *z, zset_before_fn *before, const void *ctx) {
    size_t count = 0;
    if (z->pl) {
        for (size_t off = 0; off < z->pl->used; off = packed_next_pair(z->pl, off), count++) {
            size_t len;
            const char *m = pl_get(z->pl, off, &len);
            if (!before(packed_score(z->pl, off), m, len, ctx)) break;
        }
        return count;
    }
    struct zsl_node *x = z->header;
    for (int i = z->level - 1; i >= 0; i--) {
        while (x->level[i].forward) {
            struct zsl_node *f = x->level[i].forward;
            if (!before(f->score, zsl_member(f), f->len, ctx)) break;
            count += x->level[i].span;
            x = f;
        }
    }
    return count;
}

void zset_iter_init(zset_iter *it, zset_value *z, size_t rank, int reverse) {
    size_t n = zset_count(z);
    it->z = z;
    it->reverse = reverse;
    it->remaining = rank < n ? (reverse ? rank + 1 : n - rank) : 0;
    it->node = NULL;
    it->offsets = NULL;
    it->index = rank;
    if (!it->remaining) return;
    if (!z->pl) {
        it->node = zsl_at_rank(z, rank);
    } else if (!reverse) {
        it->off = pl_offset_of(z->pl, 2 * rank);
    } else {
        /* Pairs only link forward: note where each one starts. */
        it->offsets = mem_alloc((rank + 1) * sizeof *it->offsets);
        size_t off = 0;
        for (size_t i = 0; i <= rank; i++, off = packed_next_pair(z->pl, off))
            it->offsets[i] = off;
    }
}

int zset_iter_next(zset_iter *it, const char **m, size_t *len, double *score) {
    if (!it->remaining) return 0;
    it->remaining--;
    zset_value *z = it->z;
    if (!z->pl) {
        struct zsl_node *n = it->node;
        *m = zsl_member(n);
        *len = n->len;
        *score = n->score;
        it->node = it->reverse ? n->backward : n->level[0].forward;
        return 1;
    }
    size_t off = it->reverse ? it->offsets[it->index--] : it->off;
    *m = pl_get(z->pl, off, len);
    *score = packed_score(z->pl, off);
    if (!it->reverse) it->off = packed_next_pair(z->pl, off);
    return 1;
}

void zset_iter_done(zset_iter *it) { mem_free(it->offsets); }
