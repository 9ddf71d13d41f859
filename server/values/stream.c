#include "values/stream.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "mem.h"
#include "numconv.h"
#include "packed_blobs.h"

/* Room a new node starts with, as Redis's STREAM_LISTPACK_MAX_PRE_ALLOCATE: appends then
 * grow it in place until it is closed and shrunk to fit. */
#define NODE_PREALLOC 4096

int stream_id_incr(stream_id *id) {
    if (id->seq != UINT64_MAX) {
        id->seq++;
        return 0;
    }
    if (id->ms == UINT64_MAX) {
        id->ms = id->seq = 0;
        return -1;
    }
    id->ms++;
    id->seq = 0;
    return 0;
}

int stream_id_decr(stream_id *id) {
    if (id->seq != 0) {
        id->seq--;
        return 0;
    }
    if (id->ms == 0) {
        id->ms = id->seq = UINT64_MAX;
        return -1;
    }
    id->ms--;
    id->seq = UINT64_MAX;
    return 0;
}

stream *stream_new(void) { return mem_calloc(1, sizeof(stream)); }

static void group_free(struct stream_group *g) {
    idx_release(&g->pel, mem_free);
    for (size_t i = 0; i < g->nconsumers; i++) {
        idx_release(&g->consumers[i]->pel, NULL);
        mem_free(g->consumers[i]);
    }
    mem_free(g->consumers);
    mem_free(g);
}

void stream_free(stream *s) {
    for (size_t i = 0; i < s->nnodes; i++)
        mem_free(stream_node_at(s, i)->lp);
    mem_free(s->nodes);
    for (size_t i = 0; i < s->ngroups; i++)
        group_free(s->groups[i]);
    mem_free(s->groups);
    mem_free(s);
}

size_t stream_bytes(const stream *s) {
    size_t n = mem_usable(s);
    if (s->nodes) n += mem_usable(s->nodes);
    for (size_t i = 0; i < s->nnodes; i++)
        n += mem_usable(stream_node_at(s, i)->lp);
    if (s->groups) n += mem_usable(s->groups);
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        n += mem_usable(g) + idx_bytes(&g->pel) + idx_size(&g->pel) * sizeof(struct stream_nack);
        if (g->consumers) n += mem_usable(g->consumers);
        for (size_t k = 0; k < g->nconsumers; k++)
            n += mem_usable(g->consumers[k]) + idx_bytes(&g->consumers[k]->pel);
    }
    return n;
}

/* ---- Nodes ---- */

static long node_for(const stream *s, const stream_id *id);

size_t stream_push_node(stream *s, const stream_id *master, unsigned char *lp) {
    if (s->head + s->nnodes == s->cap) {
        if (s->head > s->nnodes) {
            /* Trims freed the front: slide down rather than grow. */
            memmove(s->nodes, s->nodes + s->head, s->nnodes * sizeof *s->nodes);
            s->head = 0;
        } else {
            s->cap = s->cap ? s->cap * 2 : 4;
            s->nodes = mem_realloc(s->nodes, s->cap * sizeof *s->nodes);
        }
    }
    /* Nodes stay in master ID order, as in Redis's radix tree. A new node goes last, unless
     * XSETID moved the last ID back below the last node's master. */
    size_t at = s->nnodes;
    if (at && stream_id_cmp(&stream_node_at(s, at - 1)->master, master) > 0)
        at = (size_t)(node_for(s, master) + 1);
    struct stream_node *n = stream_node_at(s, at);
    memmove(n + 1, n, (s->nnodes - at) * sizeof *n);
    n->master = *master;
    n->lp = lp;
    s->nnodes++;
    return at;
}

static void remove_node(stream *s, size_t i) {
    mem_free(stream_node_at(s, i)->lp);
    if (i == 0) {
        s->head++;
    } else {
        memmove(stream_node_at(s, i), stream_node_at(s, i + 1),
                (s->nnodes - i - 1) * sizeof *s->nodes);
    }
    s->nnodes--;
    if (s->nnodes == 0) s->head = 0;
}

/* The last node whose master ID is <= id; -1 when none is. */
static long node_for(const stream *s, const stream_id *id) {
    size_t lo = 0, hi = s->nnodes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(&stream_node_at(s, mid)->master, id) <= 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (long)lo - 1;
}

void stream_id_to_key(const stream_id *id, unsigned char key[16]) {
    for (int i = 0; i < 8; i++) {
        key[i] = (unsigned char)(id->ms >> (56 - 8 * i));
        key[8 + i] = (unsigned char)(id->seq >> (56 - 8 * i));
    }
}

void stream_id_from_key(const unsigned char *key, stream_id *id) {
    id->ms = id->seq = 0;
    for (int i = 0; i < 8; i++) {
        id->ms = id->ms << 8 | key[i];
        id->seq = id->seq << 8 | key[8 + i];
    }
}

/* Nodes of a compressed radix tree holding keys[lo..hi) (sorted, 16 bytes each) below a
 * prefix of `depth` bytes: the prefix's own node when it begins one (the root, a key, a
 * branch, or a child of a branch), then its subtrees. */
static long long radix_nodes(unsigned char (*keys)[16], size_t lo, size_t hi, int depth,
                             int parent_branches) {
    if (depth == 16) return 1;
    size_t groups = 0;
    for (size_t i = lo; i < hi; groups++) {
        size_t j = i + 1;
        while (j < hi && keys[j][depth] == keys[i][depth])
            j++;
        i = j;
    }
    int branches = groups > 1;
    long long n = (depth == 0 || parent_branches || branches) ? 1 : 0;
    for (size_t i = lo; i < hi;) {
        size_t j = i + 1;
        while (j < hi && keys[j][depth] == keys[i][depth])
            j++;
        n += radix_nodes(keys, i, j, depth + 1, branches);
        i = j;
    }
    return n;
}

long long stream_radix_nodes(const stream *s) {
    if (s->nnodes == 0) return 1;
    unsigned char(*keys)[16] = mem_alloc(s->nnodes * 16);
    for (size_t i = 0; i < s->nnodes; i++)
        stream_id_to_key(&stream_node_at(s, i)->master, keys[i]);
    long long n = radix_nodes(keys, 0, s->nnodes, 0, 0);
    mem_free(keys);
    return n;
}

/* ---- Appending ---- */

static uint64_t node_entries(unsigned char *lp) {
    unsigned char *p = lp_first(lp);
    return (uint64_t)lp_get_int(p) + (uint64_t)lp_get_int(lp_next(lp, p));
}

/* 1 when the n fields match the node's master fields. */
static int same_fields(unsigned char *lp, const resp_arg *fv, size_t n) {
    unsigned char *p = lp_next(lp, lp_next(lp, lp_first(lp)));
    if ((uint64_t)lp_get_int(p) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        p = lp_next(lp, p);
        char buf[LP_INT_BUF];
        size_t len;
        const char *f = lp_get(p, buf, &len);
        if (len != fv[2 * i].len || (len && memcmp(f, fv[2 * i].ptr, len) != 0)) return 0;
    }
    return 1;
}

int stream_append(stream *s, const resp_arg *fv, size_t nfields, const stream_id *use_id,
                  int seq_given, long long now_ms, const struct stream_limits *lim,
                  stream_id *added) {
    stream_id id;
    if (use_id && seq_given) {
        id = *use_id;
    } else if (use_id) {
        if (s->last_id.ms == use_id->ms) {
            if (s->last_id.seq == UINT64_MAX) return -1;
            id = s->last_id;
            id.seq++;
        } else {
            id = *use_id;
            id.seq = 0;
        }
    } else if ((uint64_t)now_ms > s->last_id.ms) {
        id.ms = (uint64_t)now_ms;
        id.seq = 0;
    } else {
        id = s->last_id;
        stream_id_incr(&id);
    }
    if (stream_id_cmp(&id, &s->last_id) <= 0) return -1;

    size_t total = 0;
    for (size_t i = 0; i < 2 * nfields; i++)
        total += fv[i].len;
    if (total > STREAM_LISTPACK_MAX_SIZE) return -2;

    struct stream_node *node = s->nnodes ? stream_node_at(s, s->nnodes - 1) : NULL;
    if (node) {
        size_t max_bytes = lim->node_max_bytes;
        if (max_bytes == 0 || max_bytes > STREAM_LISTPACK_MAX_SIZE)
            max_bytes = STREAM_LISTPACK_MAX_SIZE;
        int full = lp_bytes(node->lp) + total >= max_bytes ||
                   (lim->node_max_entries &&
                    node_entries(node->lp) >= (uint64_t)lim->node_max_entries);
        if (full) {
            node->lp = lp_shrink_to_fit(node->lp);
            node = NULL;
        }
    }

    int flags = 0;
    if (!node) {
        size_t prealloc = NODE_PREALLOC;
        if (lim->node_max_bytes > 0 && lim->node_max_bytes < prealloc)
            prealloc = lim->node_max_bytes;
        unsigned char *lp = lp_new(prealloc);
        lp = lp_append_int(lp, 1);
        lp = lp_append_int(lp, 0);
        lp = lp_append_int(lp, (int64_t)nfields);
        for (size_t i = 0; i < nfields; i++)
            lp = lp_append(lp, fv[2 * i].ptr, fv[2 * i].len);
        lp = lp_append_int(lp, 0);
        node = stream_node_at(s, stream_push_node(s, &id, lp));
        flags = STREAM_ITEM_SAMEFIELDS;
    } else {
        unsigned char *p = lp_first(node->lp);
        node->lp = lp_replace_int(node->lp, &p, lp_get_int(p) + 1);
        if (same_fields(node->lp, fv, nfields)) flags = STREAM_ITEM_SAMEFIELDS;
    }

    /* The entry's elements written in one go, into room for the most they can take. */
    int same = flags & STREAM_ITEM_SAMEFIELDS;
    int64_t lp_count = (int64_t)nfields + 3 + (same ? 0 : (int64_t)nfields + 1);
    size_t room = 5 * LP_MAX_INT_ENTRY;
    for (size_t i = same ? 1 : 0; i < 2 * nfields; i += same ? 2 : 1)
        room += LP_MAX_STRING_OVERHEAD + fv[i].len;
    unsigned char *start, *at;
    node->lp = lp_reserve(node->lp, room, &start);
    at = start;
    at += lp_encode_int(at, flags);
    at += lp_encode_int(at, (int64_t)(id.ms - node->master.ms));
    at += lp_encode_int(at, (int64_t)(id.seq - node->master.seq));
    if (!same) at += lp_encode_int(at, (int64_t)nfields);
    for (size_t i = same ? 1 : 0; i < 2 * nfields; i += same ? 2 : 1)
        at += lp_encode(at, fv[i].ptr, fv[i].len);
    at += lp_encode_int(at, lp_count);
    lp_appended(node->lp, (size_t)(at - start), (size_t)lp_count + 1);

    s->length++;
    s->entries_added++;
    s->last_id = id;
    if (s->length == 1) s->first_id = id;
    *added = id;
    return 0;
}

/* ---- Walking a node's entries ---- */

/* The master entry: the field count, and the element after the fields (the terminator). */
static unsigned char *skip_master(unsigned char *lp, int64_t *nfields, unsigned char **fields) {
    unsigned char *p = lp_next(lp, lp_next(lp, lp_first(lp)));
    *nfields = lp_get_int(p);
    p = lp_next(lp, p);
    *fields = p;
    for (int64_t i = 0; i < *nfields; i++)
        p = lp_next(lp, p);
    return p;
}

/* Reads the entry whose flags are at p: its flags, ID, field count and where its fields
 * begin; returns its lp-count element. */
static unsigned char *read_entry(unsigned char *lp, unsigned char *p, const stream_id *master,
                                 int64_t master_fields, int *flags, stream_id *id,
                                 int64_t *nfields, unsigned char **fields) {
    *flags = (int)lp_get_int(p);
    p = lp_next(lp, p);
    id->ms = master->ms + (uint64_t)lp_get_int(p);
    p = lp_next(lp, p);
    id->seq = master->seq + (uint64_t)lp_get_int(p);
    p = lp_next(lp, p);
    int64_t skip;
    if (*flags & STREAM_ITEM_SAMEFIELDS) {
        *nfields = master_fields;
        skip = master_fields;
    } else {
        *nfields = lp_get_int(p);
        p = lp_next(lp, p);
        skip = *nfields * 2;
    }
    *fields = p;
    for (int64_t i = 0; i < skip; i++)
        p = lp_next(lp, p);
    return p;
}

void stream_iter_start(stream_iter *it, stream *s, const stream_id *start, const stream_id *end,
                       int rev) {
    memset(it, 0, sizeof *it);
    it->s = s;
    it->rev = rev;
    it->skip_tombstones = 1;
    if (start) it->start = *start;
    if (end) {
        it->end = *end;
    } else {
        it->end.ms = it->end.seq = UINT64_MAX;
    }
    long n;
    if (!rev) {
        n = node_for(s, &it->start);
        it->node = n < 0 ? 0 : (size_t)n;
    } else {
        n = node_for(s, &it->end);
        /* No node starts at or below end: nothing is in range. */
        it->node = n < 0 ? s->nnodes : (size_t)n;
    }
}

static int node_open(stream_iter *it) {
    if (it->node >= it->s->nnodes) return 0;
    struct stream_node *n = stream_node_at(it->s, it->node);
    it->lp = n->lp;
    it->master = n->master;
    unsigned char *term = skip_master(it->lp, &it->master_fields, &it->master_fields_start);
    it->p = it->rev ? lp_last(it->lp) : term;
    it->in_node = 1;
    return 1;
}

/* The next entry in the walk's direction, ignoring the range: 1, or 0 when no entry is left. */
static int step(stream_iter *it, stream_id *id, int64_t *nfields) {
    for (;;) {
        if (!it->in_node && !node_open(it)) return 0;
        unsigned char *flags_at;
        if (!it->rev) {
            flags_at = lp_next(it->lp, it->p);
        } else {
            int64_t count = lp_get_int(it->p);
            flags_at = NULL;
            if (count > 0) {
                flags_at = it->p;
                while (count--)
                    flags_at = lp_prev(it->lp, flags_at);
            }
        }
        if (!flags_at) {
            it->in_node = 0;
            if (!it->rev) {
                it->node++;
            } else if (it->node-- == 0) {
                it->node = it->s->nnodes; /* done */
            }
            continue;
        }
        unsigned char *fields;
        unsigned char *count_at = read_entry(it->lp, flags_at, &it->master, it->master_fields,
                                             &it->entry_flags, id, nfields, &fields);
        it->p = it->rev ? lp_prev(it->lp, flags_at) : count_at;
        it->entry_flags_at = flags_at;
        it->field_at = fields;
        it->master_field_at = it->master_fields_start;
        return 1;
    }
}

int stream_iter_next(stream_iter *it, stream_id *id, int64_t *nfields) {
    /* As Redis's streamIteratorGetID: only an entry that would be returned can end the walk
     * (a deleted one past the end does not: XSETID can make later IDs smaller). */
    while (step(it, id, nfields)) {
        if (it->skip_tombstones && (it->entry_flags & STREAM_ITEM_DELETED)) continue;
        if (!it->rev) {
            if (stream_id_cmp(id, &it->start) < 0) continue;
            if (stream_id_cmp(id, &it->end) > 0) break;
        } else {
            if (stream_id_cmp(id, &it->end) > 0) continue;
            if (stream_id_cmp(id, &it->start) < 0) break;
        }
        return 1;
    }
    it->node = it->s->nnodes;
    return 0;
}

void stream_iter_field(stream_iter *it, const char **f, size_t *flen, const char **v,
                       size_t *vlen) {
    if (it->entry_flags & STREAM_ITEM_SAMEFIELDS) {
        *f = lp_get(it->master_field_at, it->fbuf, flen);
        it->master_field_at = lp_next(it->lp, it->master_field_at);
    } else {
        *f = lp_get(it->field_at, it->fbuf, flen);
        it->field_at = lp_next(it->lp, it->field_at);
    }
    *v = lp_get(it->field_at, it->vbuf, vlen);
    it->field_at = lp_next(it->lp, it->field_at);
}

void stream_edge_id(stream *s, int first, int skip_tombstones, stream_id *id) {
    stream_iter it;
    stream_iter_start(&it, s, NULL, NULL, !first);
    it.skip_tombstones = skip_tombstones;
    int64_t n;
    if (!stream_iter_next(&it, id, &n)) {
        id->ms = id->seq = first ? UINT64_MAX : 0;
    }
}

int stream_entry_exists(stream *s, const stream_id *id) {
    stream_iter it;
    stream_iter_start(&it, s, id, id, 0);
    stream_id found;
    int64_t n;
    return stream_iter_next(&it, &found, &n);
}

/* ---- Deleting and trimming ---- */

/* Counts one more deleted entry (and one fewer live one) in the node's master entry. */
static void count_deleted(struct stream_node *n, int64_t how_many) {
    unsigned char *p = lp_first(n->lp);
    int64_t live = lp_get_int(p);
    n->lp = lp_replace_int(n->lp, &p, live - how_many);
    p = lp_next(n->lp, p);
    n->lp = lp_replace_int(n->lp, &p, lp_get_int(p) + how_many);
}

int stream_delete(stream *s, const stream_id *id) {
    /* Found as XRANGE id id finds it (the entry may sit in a later node, after XSETID). */
    stream_iter it;
    stream_id found;
    int64_t nfields;
    stream_iter_start(&it, s, id, id, 0);
    if (!stream_iter_next(&it, &found, &nfields)) return 0;
    struct stream_node *n = stream_node_at(s, it.node);
    if (lp_get_int(lp_first(n->lp)) == 1) {
        remove_node(s, it.node);
    } else {
        unsigned char *flags_at = it.entry_flags_at;
        n->lp = lp_replace_int(n->lp, &flags_at, it.entry_flags | STREAM_ITEM_DELETED);
        count_deleted(n, 1);
    }
    s->length--;
    return 1;
}

static int node_last_id(struct stream_node *n, stream_id *id) {
    unsigned char *count_at = lp_last(n->lp);
    int64_t count = lp_get_int(count_at);
    if (count == 0) return 0;
    unsigned char *p = count_at;
    while (count--)
        p = lp_prev(n->lp, p);
    p = lp_next(n->lp, p);
    id->ms = n->master.ms + (uint64_t)lp_get_int(p);
    id->seq = n->master.seq + (uint64_t)lp_get_int(lp_next(n->lp, p));
    return 1;
}

/* Exact trimming inside the first node: marks its oldest entries deleted. */
static long long trim_inside(stream *s, struct stream_node *n, const struct stream_trim *t) {
    int64_t master_fields;
    unsigned char *mf;
    unsigned char *p = skip_master(n->lp, &master_fields, &mf);
    long long deleted = 0;
    while ((p = lp_next(n->lp, p)) != NULL) {
        unsigned char *flags_at = p, *fields;
        int flags;
        stream_id cur;
        int64_t nfields;
        p = read_entry(n->lp, flags_at, &n->master, master_fields, &flags, &cur, &nfields,
                       &fields);
        int stop = t->strategy == STREAM_TRIM_MAXLEN ? s->length <= (uint64_t)t->maxlen
                                                     : stream_id_cmp(&cur, &t->minid) >= 0;
        if (stop) break;
        if (!(flags & STREAM_ITEM_DELETED)) {
            size_t off = (size_t)(p - n->lp);
            n->lp = lp_replace_int(n->lp, &flags_at, flags | STREAM_ITEM_DELETED);
            p = n->lp + off; /* the flags keep their size: offsets after them hold */
            deleted++;
            s->length--;
        }
    }
    count_deleted(n, deleted);
    return deleted;
}

long long stream_trim(stream *s, const struct stream_trim *t) {
    if (t->strategy == STREAM_TRIM_NONE) return 0;
    long long deleted = 0;
    while (s->nnodes) {
        if (t->strategy == STREAM_TRIM_MAXLEN && s->length <= (uint64_t)t->maxlen) break;
        struct stream_node *n = stream_node_at(s, 0);
        long long entries = lp_get_int(lp_first(n->lp));
        if (t->limit && deleted + entries > t->limit) break;
        int whole;
        if (t->strategy == STREAM_TRIM_MAXLEN) {
            whole = s->length - (uint64_t)entries >= (uint64_t)t->maxlen;
        } else {
            stream_id last;
            whole = node_last_id(n, &last) && stream_id_cmp(&last, &t->minid) < 0;
        }
        if (whole) {
            remove_node(s, 0);
            s->length -= (uint64_t)entries;
            deleted += entries;
            continue;
        }
        if (t->approx) break;
        deleted += trim_inside(s, n, t);
        break;
    }
    if (s->length == 0) {
        s->first_id.ms = s->first_id.seq = 0;
    } else if (deleted) {
        stream_edge_id(s, 1, 1, &s->first_id);
    }
    return deleted;
}

/* ---- Lag ---- */

int stream_range_has_tombstones(const stream *s, const stream_id *start, const stream_id *end) {
    if (!s->length || stream_id_is_zero(&s->max_deleted_id)) return 0;
    if (stream_id_cmp(&s->first_id, &s->max_deleted_id) > 0) return 0;
    stream_id lo = {0, 0}, hi = {UINT64_MAX, UINT64_MAX};
    if (start) lo = *start;
    if (end) hi = *end;
    return stream_id_cmp(&lo, &s->max_deleted_id) <= 0 &&
           stream_id_cmp(&s->max_deleted_id, &hi) <= 0;
}

long long stream_estimate_distance(const stream *s, const stream_id *id) {
    if (!s->entries_added) return 0;
    if (!s->length && stream_id_cmp(id, &s->last_id) < 1) return (long long)s->entries_added;
    int cmp_last = stream_id_cmp(id, &s->last_id);
    if (cmp_last == 0) return (long long)s->entries_added;
    if (cmp_last > 0) return STREAM_ENTRIES_READ_INVALID;
    int cmp_first = stream_id_cmp(id, &s->first_id);
    if (stream_id_is_zero(&s->max_deleted_id) ||
        stream_id_cmp(&s->max_deleted_id, &s->first_id) < 0) {
        if (cmp_first < 0) return (long long)(s->entries_added - s->length);
        if (cmp_first == 0) return (long long)(s->entries_added - s->length + 1);
    }
    return STREAM_ENTRIES_READ_INVALID;
}

int stream_group_lag(const stream *s, const struct stream_group *g, long long *lag) {
    if (!s->entries_added) {
        *lag = 0;
        return 1;
    }
    if (g->entries_read != STREAM_ENTRIES_READ_INVALID &&
        !stream_range_has_tombstones(s, &g->last_id, NULL)) {
        *lag = (long long)s->entries_added - g->entries_read;
        return 1;
    }
    long long read = stream_estimate_distance(s, &g->last_id);
    if (read == STREAM_ENTRIES_READ_INVALID) return 0;
    *lag = (long long)s->entries_added - read;
    return 1;
}

void stream_group_advance(const stream *s, struct stream_group *g, const stream_id *id) {
    if (g->entries_read != STREAM_ENTRIES_READ_INVALID &&
        !stream_range_has_tombstones(s, id, NULL)) {
        if (g->entries_read < LLONG_MAX) g->entries_read++; /* ENTRIESREAD may start it there */
    } else if (s->entries_added) {
        g->entries_read = stream_estimate_distance(s, id);
    }
    g->last_id = *id;
}

/* ---- Groups and consumers ---- */

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

/* Binary search in a sorted array of groups or consumers, whose structs end in
 * `size_t namelen; char name[];` at len_offset: the position of the name or where it would
 * go, and whether it is there. */
static size_t name_search(void *const *arr, size_t n, size_t len_offset, const char *key,
                          size_t klen, int *found) {
    size_t lo = 0, hi = n;
    *found = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *item = arr[mid];
        size_t len;
        memcpy(&len, item + len_offset, sizeof len);
        int c = name_cmp(item + len_offset + sizeof len, len, key, klen);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

_Static_assert(offsetof(struct stream_group, name) ==
                   offsetof(struct stream_group, namelen) + sizeof(size_t),
               "a group's name follows its length");
_Static_assert(offsetof(struct stream_consumer, name) ==
                   offsetof(struct stream_consumer, namelen) + sizeof(size_t),
               "a consumer's name follows its length");

static size_t group_pos(const stream *s, const char *name, size_t len, int *found) {
    return name_search((void *const *)s->groups, s->ngroups,
                       offsetof(struct stream_group, namelen), name, len, found);
}

static size_t consumer_pos(const struct stream_group *g, const char *name, size_t len,
                           int *found) {
    return name_search((void *const *)g->consumers, g->nconsumers,
                       offsetof(struct stream_consumer, namelen), name, len, found);
}

/* Inserts item at pos in a growable array of pointers. */
static void array_insert(void ***arr, size_t *n, size_t *cap, size_t pos, void *item) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 2;
        *arr = mem_realloc(*arr, *cap * sizeof(void *));
    }
    memmove(*arr + pos + 1, *arr + pos, (*n - pos) * sizeof(void *));
    (*arr)[pos] = item;
    (*n)++;
}

static void array_remove(void **arr, size_t *n, size_t pos) {
    memmove(arr + pos, arr + pos + 1, (*n - pos - 1) * sizeof(void *));
    (*n)--;
}

struct stream_group *stream_group_find(const stream *s, const char *name, size_t len) {
    int found;
    size_t pos = group_pos(s, name, len, &found);
    return found ? s->groups[pos] : NULL;
}

struct stream_group *stream_group_create(stream *s, const char *name, size_t len,
                                         const stream_id *last_id, long long entries_read) {
    int found;
    size_t pos = group_pos(s, name, len, &found);
    if (found) return NULL;
    struct stream_group *g = mem_calloc(1, sizeof *g + len);
    g->last_id = *last_id;
    g->entries_read = entries_read;
    idx_init(&g->pel);
    g->namelen = len;
    if (len) memcpy(g->name, name, len);
    array_insert((void ***)&s->groups, &s->ngroups, &s->groups_cap, pos, g);
    return g;
}

int stream_group_destroy(stream *s, const char *name, size_t len) {
    int found;
    size_t pos = group_pos(s, name, len, &found);
    if (!found) return 0;
    group_free(s->groups[pos]);
    array_remove((void **)s->groups, &s->ngroups, pos);
    return 1;
}

struct stream_consumer *stream_consumer_find(const struct stream_group *g, const char *name,
                                             size_t len) {
    int found;
    size_t pos = consumer_pos(g, name, len, &found);
    return found ? g->consumers[pos] : NULL;
}

struct stream_consumer *stream_consumer_create(struct stream_group *g, const char *name,
                                               size_t len, long long now_ms) {
    int found;
    size_t pos = consumer_pos(g, name, len, &found);
    if (found) return NULL;
    struct stream_consumer *c = mem_alloc(sizeof *c + len);
    c->seen_time = now_ms;
    idx_init(&c->pel);
    c->namelen = len;
    if (len) memcpy(c->name, name, len);
    array_insert((void ***)&g->consumers, &g->nconsumers, &g->consumers_cap, pos, c);
    return c;
}

size_t stream_consumer_delete(struct stream_group *g, struct stream_consumer *c) {
    size_t pending = idx_size(&c->pel);
    idx_iter it;
    stream_id id;
    idx_seek(&it, &c->pel, NULL);
    while (idx_next(&it, &id, NULL))
        mem_free(idx_remove(&g->pel, &id));
    idx_release(&c->pel, NULL);
    int found;
    size_t pos = consumer_pos(g, c->name, c->namelen, &found);
    mem_free(c);
    array_remove((void **)g->consumers, &g->nconsumers, pos);
    return pending;
}

struct stream_nack *stream_nack_new(struct stream_consumer *c, long long now_ms) {
    struct stream_nack *n = mem_alloc(sizeof *n);
    n->delivery_time = now_ms;
    n->delivery_count = 1;
    n->consumer = c;
    return n;
}

/* ---- Checking nodes from outside (RDB files, DUMP payloads) ---- */

/* The next element of a node being checked, which must be an integer (stored as one, or its
 * digits) when want_int. */
static int check_next(packed_iter *it, packed_elem *el, int want_int, int64_t *v) {
    if (packed_iter_next(it, el) != 1) return -1;
    if (!want_int) return 0;
    long long ll = el->v;
    if (!el->is_int && str_to_ll(el->s, el->len, &ll) != 0) return -1;
    *v = ll;
    return 0;
}

int stream_check_node(const unsigned char *lp, size_t len, const char **why) {
    /* Redis's words, which its users and its test suite look for in the log. */
    *why = "Stream listpack integrity check failed.";
    packed_iter it;
    if (packed_count(&it, PACKED_LISTPACK, lp, len) < 0) return -1;
    packed_iter_init(&it, PACKED_LISTPACK, lp, len);
    packed_elem el;
    int64_t live, deleted, master_fields, v;
    if (check_next(&it, &el, 1, &live) || check_next(&it, &el, 1, &deleted) ||
        check_next(&it, &el, 1, &master_fields))
        return -1;
    if (live < 0 || deleted < 0 || master_fields < 0 || live + deleted <= 0) return -1;
    for (int64_t j = 0; j < master_fields; j++)
        if (check_next(&it, &el, 0, &v)) return -1;
    if (check_next(&it, &el, 1, &v) || v != 0) return -1;
    int64_t seen_live = 0;
    for (int64_t n = 0; n < live + deleted; n++) {
        int64_t flags, nfields = master_fields, elements = 3, lp_count;
        if (check_next(&it, &el, 1, &flags) || check_next(&it, &el, 1, &v) ||
            check_next(&it, &el, 1, &v))
            return -1;
        if (!(flags & STREAM_ITEM_SAMEFIELDS)) {
            if (check_next(&it, &el, 1, &nfields) || nfields < 0) return -1;
            for (int64_t j = 0; j < nfields; j++)
                if (check_next(&it, &el, 0, &v)) return -1;
            elements += nfields + 1;
        }
        for (int64_t j = 0; j < nfields; j++)
            if (check_next(&it, &el, 0, &v)) return -1;
        if (check_next(&it, &el, 1, &lp_count) || lp_count != nfields + elements) return -1;
        if (!(flags & STREAM_ITEM_DELETED)) seen_live++;
    }
    /* Nothing after the last entry, and the counts in the master entry are the truth (the
     * deletions and the trimming rely on them). */
    if (packed_iter_next(&it, &el) != 0 || seen_live != live) return -1;
    return 0;
}

/* ---- Copying ---- */

static unsigned char *lp_copy(const unsigned char *lp) {
    size_t n = lp_bytes(lp);
    unsigned char *c = mem_alloc(n);
    memcpy(c, lp, n);
    return c;
}

stream *stream_dup(const stream *s) {
    stream *d = stream_new();
    for (size_t i = 0; i < s->nnodes; i++) {
        const struct stream_node *n = stream_node_at(s, i);
        stream_push_node(d, &n->master, lp_copy(n->lp));
    }
    d->length = s->length;
    d->entries_added = s->entries_added;
    d->last_id = s->last_id;
    d->first_id = s->first_id;
    d->max_deleted_id = s->max_deleted_id;
    for (size_t i = 0; i < s->ngroups; i++) {
        const struct stream_group *g = s->groups[i];
        struct stream_group *ng =
            stream_group_create(d, g->name, g->namelen, &g->last_id, g->entries_read);
        idx_iter it;
        stream_id id;
        void *val;
        idx_seek(&it, &g->pel, NULL);
        while (idx_next(&it, &id, &val)) {
            const struct stream_nack *nack = val;
            struct stream_nack *copy = stream_nack_new(NULL, nack->delivery_time);
            copy->delivery_count = nack->delivery_count;
            idx_insert(&ng->pel, &id, copy);
        }
        for (size_t k = 0; k < g->nconsumers; k++) {
            const struct stream_consumer *c = g->consumers[k];
            struct stream_consumer *nc =
                stream_consumer_create(ng, c->name, c->namelen, c->seen_time);
            idx_seek(&it, &c->pel, NULL);
            while (idx_next(&it, &id, NULL)) {
                struct stream_nack *copy = idx_find(&ng->pel, &id);
                copy->consumer = nc;
                idx_insert(&nc->pel, &id, copy);
            }
        }
    }
    return d;
}
