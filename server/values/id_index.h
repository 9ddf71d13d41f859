/* An ordered map from stream IDs to pointers: the pending entries lists of consumer groups and
 * consumers. Sorted chunks of up to ID_CHUNK_MAX items under a sorted array of chunks, so a
 * lookup is two binary searches and an insert moves at most one chunk's items; appends in ID
 * order (the common case: new deliveries) fill chunks to the brim. Knows nothing of the
 * server: the unit tests use it directly. */
#ifndef RILL_ID_INDEX_H
#define RILL_ID_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct stream_id {
    uint64_t ms, seq;
} stream_id;

static inline int stream_id_cmp(const stream_id *a, const stream_id *b) {
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

#define ID_CHUNK_MAX 64

struct id_item {
    stream_id id;
    void *val;
};

struct id_chunk {
    uint32_t n, cap;
    struct id_item items[];
};

typedef struct id_index {
    struct id_chunk **chunks;
    size_t nchunks, cap;
    size_t count;
} id_index;

void idx_init(id_index *ix);
/* Frees the index; free_val (may be NULL) is called on every value. */
void idx_release(id_index *ix, void (*free_val)(void *));
static inline size_t idx_size(const id_index *ix) { return ix->count; }
/* Bytes allocated for the index (not the values). */
size_t idx_bytes(const id_index *ix);
/* The value stored under id, or NULL. */
void *idx_find(const id_index *ix, const stream_id *id);
/* Adds id -> val; returns 0, or -1 (nothing changed) when id is there already. */
int idx_insert(id_index *ix, const stream_id *id, void *val);
/* Removes id; returns its value, or NULL when absent. */
void *idx_remove(id_index *ix, const stream_id *id);

/* In ID order from a starting point; the index must not change during the walk (seek again
 * after a change). */
typedef struct idx_iter {
    const id_index *ix;
    size_t chunk, pos;
} idx_iter;
/* Positions before the first item >= from (from NULL: the first item). */
void idx_seek(idx_iter *it, const id_index *ix, const stream_id *from);
/* 1 with the next item, 0 at the end. */
int idx_next(idx_iter *it, stream_id *id, void **val);
/* The last item: 1, or 0 when empty. */
int idx_last(const id_index *ix, stream_id *id, void **val);

#endif
