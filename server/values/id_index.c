#include "values/id_index.h"

#include <string.h>

#include "mem.h"

void idx_init(id_index *ix) { memset(ix, 0, sizeof *ix); }

void idx_release(id_index *ix, void (*free_val)(void *)) {
    for (size_t i = 0; i < ix->nchunks; i++) {
        struct id_chunk *ch = ix->chunks[i];
        if (free_val)
            for (uint32_t k = 0; k < ch->n; k++)
                free_val(ch->items[k].val);
        mem_free(ch);
    }
    mem_free(ix->chunks);
    idx_init(ix);
}

size_t idx_bytes(const id_index *ix) {
    size_t n = ix->chunks ? mem_usable(ix->chunks) : 0;
    for (size_t i = 0; i < ix->nchunks; i++)
        n += mem_usable(ix->chunks[i]);
    return n;
}

/* The chunk that holds id or would: the last one whose first item is <= id (0 when id comes
 * before every chunk). The index must have chunks. */
static size_t chunk_for(const id_index *ix, const stream_id *id) {
    size_t lo = 0, hi = ix->nchunks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(&ix->chunks[mid]->items[0].id, id) <= 0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Position of the first item >= id in the chunk. */
static uint32_t lower_bound(const struct id_chunk *ch, const stream_id *id) {
    uint32_t lo = 0, hi = ch->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (stream_id_cmp(&ch->items[mid].id, id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

void *idx_find(const id_index *ix, const stream_id *id) {
    if (!ix->nchunks) return NULL;
    const struct id_chunk *ch = ix->chunks[chunk_for(ix, id)];
    uint32_t pos = lower_bound(ch, id);
    return pos < ch->n && stream_id_cmp(&ch->items[pos].id, id) == 0 ? ch->items[pos].val : NULL;
}

static struct id_chunk *chunk_new(uint32_t cap) {
    struct id_chunk *ch = mem_alloc(sizeof *ch + cap * sizeof(struct id_item));
    ch->n = 0;
    ch->cap = cap;
    return ch;
}

static void insert_chunk(id_index *ix, size_t at, struct id_chunk *ch) {
    if (ix->nchunks == ix->cap) {
        ix->cap = ix->cap ? ix->cap * 2 : 4;
        ix->chunks = mem_realloc(ix->chunks, ix->cap * sizeof *ix->chunks);
    }
    memmove(ix->chunks + at + 1, ix->chunks + at, (ix->nchunks - at) * sizeof *ix->chunks);
    ix->chunks[at] = ch;
    ix->nchunks++;
}

int idx_insert(id_index *ix, const stream_id *id, void *val) {
    if (!ix->nchunks) insert_chunk(ix, 0, chunk_new(4));
    size_t ci = chunk_for(ix, id);
    struct id_chunk *ch = ix->chunks[ci];
    uint32_t pos = lower_bound(ch, id);
    if (pos < ch->n && stream_id_cmp(&ch->items[pos].id, id) == 0) return -1;
    if (ch->n == ID_CHUNK_MAX) {
        /* Full: an append past the last item starts a new chunk (IDs mostly come in order,
         * so chunks stay full); anything else splits the chunk in two halves. */
        struct id_chunk *next = chunk_new(ID_CHUNK_MAX);
        if (pos == ch->n && ci == ix->nchunks - 1) {
            insert_chunk(ix, ci + 1, next);
            ch = next;
            pos = 0;
        } else {
            uint32_t half = ch->n / 2;
            next->n = ch->n - half;
            memcpy(next->items, ch->items + half, next->n * sizeof(struct id_item));
            ch->n = half;
            insert_chunk(ix, ci + 1, next);
            if (pos > half) {
                ch = next;
                pos -= half;
            }
        }
    } else if (ch->n == ch->cap) {
        uint32_t cap = ch->cap * 2 > ID_CHUNK_MAX ? ID_CHUNK_MAX : ch->cap * 2;
        ch = mem_realloc(ch, sizeof *ch + cap * sizeof(struct id_item));
        ch->cap = cap;
        ix->chunks[ci] = ch;
    }
    memmove(ch->items + pos + 1, ch->items + pos, (ch->n - pos) * sizeof(struct id_item));
    ch->items[pos].id = *id;
    ch->items[pos].val = val;
    ch->n++;
    ix->count++;
    return 0;
}

void *idx_remove(id_index *ix, const stream_id *id) {
    if (!ix->nchunks) return NULL;
    size_t ci = chunk_for(ix, id);
    struct id_chunk *ch = ix->chunks[ci];
    uint32_t pos = lower_bound(ch, id);
    if (pos == ch->n || stream_id_cmp(&ch->items[pos].id, id) != 0) return NULL;
    void *val = ch->items[pos].val;
    ch->n--;
    memmove(ch->items + pos, ch->items + pos + 1, (ch->n - pos) * sizeof(struct id_item));
    ix->count--;
    if (ch->n == 0) {
        mem_free(ch);
        ix->nchunks--;
        memmove(ix->chunks + ci, ix->chunks + ci + 1, (ix->nchunks - ci) * sizeof *ix->chunks);
        if (!ix->nchunks) {
            mem_free(ix->chunks);
            ix->chunks = NULL;
            ix->cap = 0;
        }
    }
    return val;
}

void idx_seek(idx_iter *it, const id_index *ix, const stream_id *from) {
    it->ix = ix;
    it->chunk = it->pos = 0;
    if (!from || !ix->nchunks) return;
    it->chunk = chunk_for(ix, from);
    it->pos = lower_bound(ix->chunks[it->chunk], from);
}

int idx_next(idx_iter *it, stream_id *id, void **val) {
    const id_index *ix = it->ix;
    while (it->chunk < ix->nchunks && it->pos >= ix->chunks[it->chunk]->n) {
        it->chunk++;
        it->pos = 0;
    }
    if (it->chunk >= ix->nchunks) return 0;
    const struct id_item *item = &ix->chunks[it->chunk]->items[it->pos++];
    if (id) *id = item->id;
    if (val) *val = item->val;
    return 1;
}

int idx_last(const id_index *ix, stream_id *id, void **val) {
    if (!ix->nchunks) return 0;
    const struct id_chunk *ch = ix->chunks[ix->nchunks - 1];
    if (id) *id = ch->items[ch->n - 1].id;
    if (val) *val = ch->items[ch->n - 1].val;
    return 1;
}
