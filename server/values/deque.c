#include "values/deque.h"

#include <string.h>

#include "mem.h"
#include "varint.h"

/* Data bytes a chunk fills before the next one starts (a bigger element lives alone). */
#define CHUNK_MAX 8192
/* First allocation of a list's only chunk: small lists stay small. */
#define CHUNK_FIRST_CAP 48
/* A chunk this empty after a removal in the middle is merged with a neighbour. */
#define CHUNK_SPARSE (CHUNK_MAX / 4)

/* Elements live in data[start, end); free room on both sides lets both ends grow. */
struct deque_chunk {
    struct deque_chunk *prev, *next;
    uint32_t count;
    uint32_t start, end, cap;
    unsigned char data[];
};

static inline size_t chunk_used(const struct deque_chunk *ch) { return ch->end - ch->start; }

/* ---- Element encoding ----
 * header: LEB128 varint, (len << 1) for bytes that follow, (zigzag(v) << 1) | 1 for a packed
 * integer. back-length: the size of header + bytes, written so it reads from its last byte
 * backwards (7 bits per byte, high bit = more bytes to the left). */

static void backlen_put(unsigned char *p, size_t n, uint64_t v) {
    for (size_t i = n; i-- > 0;) {
        p[i] = (unsigned char)((v & 127) | (i > 0 ? 128 : 0));
        v >>= 7;
    }
}

/* Reads the back-length that ends just before end; returns how many bytes it took. */
static size_t backlen_get(const unsigned char *end, uint64_t *v) {
    uint64_t r = 0;
    size_t n = 0;
    unsigned shift = 0;
    for (;;) {
        unsigned char b = *(end - 1 - n);
        n++;
        r |= (uint64_t)(b & 127) << shift;
        if (!(b & 128)) break;
        shift += 7;
    }
    *v = r;
    return n;
}

struct packed {
    uint64_t header;
    const char *bytes;
    size_t len;  /* bytes stored after the header */
    size_t body; /* header + bytes */
    size_t size; /* body + back-length */
};

static void pack(struct packed *p, const char *s, size_t len) {
    long long v;
    if (len > 0 && len <= 20 && str_to_ll(s, len, &v) == 0 && v > -(1LL << 62) &&
        v < (1LL << 62)) {
        uint64_t zigzag = ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
        p->header = (zigzag << 1) | 1;
        p->len = 0;
    } else {
        p->header = (uint64_t)len << 1;
        p->len = len;
    }
    p->bytes = s;
    p->body = varint_len(p->header) + p->len;
    p->size = p->body + varint_len(p->body);
}

static void pack_write(unsigned char *dst, const struct packed *p) {
    size_t n = varint_put(dst, p->header);
    if (p->len) memcpy(dst + n, p->bytes, p->len);
    backlen_put(dst + p->body, p->size - p->body, p->body);
}

/* Decodes the element at p; returns its size. */
static size_t unpack(const unsigned char *p, deque_elem *out) {
    uint64_t h;
    size_t n = varint_get(p, &h);
    size_t len = 0;
    if (h & 1) {
        uint64_t zigzag = h >> 1;
        long long v = (long long)((zigzag >> 1) ^ (0 - (zigzag & 1)));
        out->len = ll_to_str(out->num, v);
        out->ptr = out->num;
    } else {
        len = (size_t)(h >> 1);
        out->ptr = (const char *)p + n;
        out->len = len;
    }
    return n + len + varint_len(n + len);
}

static size_t size_at(const unsigned char *p) {
    uint64_t h;
    size_t n = varint_get(p, &h);
    size_t body = n + ((h & 1) ? 0 : (size_t)(h >> 1));
    return body + varint_len(body);
}

static size_t size_before(const unsigned char *end) {
    uint64_t body;
    size_t n = backlen_get(end, &body);
    return (size_t)body + n;
}

/* ---- Chunks ---- */

static struct deque_chunk *chunk_new(size_t cap) {
    struct deque_chunk *ch = mem_alloc(sizeof *ch + cap);
    ch->prev = ch->next = NULL;
    ch->count = 0;
    ch->cap = (uint32_t)(mem_usable(ch) - sizeof *ch);
    ch->start = ch->end = 0;
    return ch;
}

/* Links ch after ref (ref NULL: at the head). */
static void chunk_link_after(deque *d, struct deque_chunk *ref, struct deque_chunk *ch) {
    ch->prev = ref;
    ch->next = ref ? ref->next : d->head;
    if (ch->next) {
        ch->next->prev = ch;
    } else {
        d->tail = ch;
    }
    if (ref) {
        ref->next = ch;
    } else {
        d->head = ch;
    }
    d->nchunks++;
}

static void chunk_unlink_free(deque *d, struct deque_chunk *ch) {
    if (ch->prev) {
        ch->prev->next = ch->next;
    } else {
        d->head = ch->next;
    }
    if (ch->next) {
        ch->next->prev = ch->prev;
    } else {
        d->tail = ch->prev;
    }
    d->nchunks--;
    mem_free(ch);
}

/* The chunk moved in memory: its neighbours and the deque point at it again. */
static void chunk_relink(deque *d, struct deque_chunk *ch) {
    if (ch->prev) {
        ch->prev->next = ch;
    } else {
        d->head = ch;
    }
    if (ch->next) {
        ch->next->prev = ch;
    } else {
        d->tail = ch;
    }
}

/* Makes need free bytes before start (front) or after end (back), moving the contents or
 * growing the chunk. Returns the chunk, which may have moved; offsets relative to start are
 * kept. */
static struct deque_chunk *chunk_make_room(deque *d, struct deque_chunk *ch, size_t need,
                                           int front) {
    size_t used = chunk_used(ch);
    if (front ? ch->start >= need : ch->cap - ch->end >= need) return ch;
    if (used + need <= ch->cap) {
        uint32_t to = front ? (uint32_t)(ch->cap - used) : 0;
        memmove(ch->data + to, ch->data + ch->start, used);
        ch->start = to;
        ch->end = to + (uint32_t)used;
        return ch;
    }
    size_t cap = (size_t)ch->cap * 2;
    if (cap < used + need) cap = used + need;
    if (cap > CHUNK_MAX && used + need <= CHUNK_MAX) cap = CHUNK_MAX;
    struct deque_chunk *n = chunk_new(cap);
    n->prev = ch->prev;
    n->next = ch->next;
    n->count = ch->count;
    n->start = front ? (uint32_t)(n->cap - used) : 0;
    n->end = n->start + (uint32_t)used;
    memcpy(n->data + n->start, ch->data + ch->start, used);
    mem_free(ch);
    chunk_relink(d, n);
    return n;
}

/* Number of elements in data[from, to). */
static uint32_t count_between(const struct deque_chunk *ch, size_t from, size_t to) {
    uint32_t n = 0;
    while (from < to) {
        from += size_at(ch->data + from);
        n++;
    }
    return n;
}

/* Moves every element of ch->next to the end of ch and frees it; returns ch (maybe moved). */
static struct deque_chunk *chunk_absorb_next(deque *d, struct deque_chunk *ch) {
    size_t add = chunk_used(ch->next);
    ch = chunk_make_room(d, ch, add, 0);
    struct deque_chunk *next = ch->next;
    memcpy(ch->data + ch->end, next->data + next->start, add);
    ch->end += (uint32_t)add;
    ch->count += next->count;
    chunk_unlink_free(d, next);
    return ch;
}

static int can_merge(const struct deque_chunk *a, const struct deque_chunk *b) {
    return a && b && chunk_used(a) + chunk_used(b) <= CHUNK_MAX;
}

/* After a removal in the middle of ch: merges it with a neighbour when both fit in one. */
static void chunk_maybe_merge(deque *d, struct deque_chunk *ch) {
    if (chunk_used(ch) >= CHUNK_SPARSE) return;
    if (can_merge(ch, ch->next)) {
        chunk_absorb_next(d, ch);
    } else if (can_merge(ch->prev, ch)) {
        chunk_absorb_next(d, ch->prev);
    }
}

/* Inserts p before offset off of ch (off == end: after the last element). */
static void chunk_insert(deque *d, struct deque_chunk *ch, size_t off, const struct packed *p) {
    size_t rel = off - ch->start, used = chunk_used(ch);
    if (used + p->size <= CHUNK_MAX || ch->count == 0) {
        size_t pos;
        if (rel < used - rel && ch->start >= p->size) {
            memmove(ch->data + ch->start - p->size, ch->data + ch->start, rel);
            ch->start -= (uint32_t)p->size;
            pos = ch->start + rel;
        } else {
            ch = chunk_make_room(d, ch, p->size, 0);
            pos = ch->start + rel;
            memmove(ch->data + pos + p->size, ch->data + pos, ch->end - pos);
            ch->end += (uint32_t)p->size;
        }
        pack_write(ch->data + pos, p);
        ch->count++;
        d->count++;
        return;
    }
    /* Full: split at off, then the element goes at the end of the front part if it fits
     * there, else in a chunk of its own between the two parts. */
    if (off < ch->end) {
        size_t moved = ch->end - off;
        struct deque_chunk *back = chunk_new(moved);
        memcpy(back->data, ch->data + off, moved);
        back->end = (uint32_t)moved;
        back->count = count_between(ch, off, ch->end);
        ch->count -= back->count;
        ch->end = (uint32_t)off;
        chunk_link_after(d, ch, back);
    }
    if (ch->count > 0 && chunk_used(ch) + p->size > CHUNK_MAX) {
        struct deque_chunk *alone = chunk_new(p->size);
        chunk_link_after(d, ch, alone);
        ch = alone;
    }
    chunk_insert(d, ch, ch->end, p);
}

/* ---- Deque ---- */

deque *deque_new(void) { return mem_calloc(1, sizeof(deque)); }

void deque_free(deque *d) {
    struct deque_chunk *ch = d->head;
    while (ch) {
        struct deque_chunk *next = ch->next;
        mem_free(ch);
        ch = next;
    }
    mem_free(d);
}

deque *deque_dup(const deque *d) {
    deque *n = deque_new();
    for (struct deque_chunk *ch = d->head; ch; ch = ch->next) {
        struct deque_chunk *copy = chunk_new(chunk_used(ch));
        memcpy(copy->data, ch->data + ch->start, chunk_used(ch));
        copy->end = (uint32_t)chunk_used(ch);
        copy->count = ch->count;
        chunk_link_after(n, n->tail, copy);
    }
    n->count = d->count;
    return n;
}

size_t deque_bytes(const deque *d) {
    size_t n = mem_usable(d);
    for (struct deque_chunk *ch = d->head; ch; ch = ch->next) n += mem_usable(ch);
    return n;
}

void deque_push(deque *d, enum deque_end end, const char *s, size_t len) {
    struct packed p;
    pack(&p, s, len);
    int front = end == DEQUE_HEAD;
    struct deque_chunk *ch = front ? d->head : d->tail;
    if (!ch || chunk_used(ch) + p.size > CHUNK_MAX) {
        /* The first chunk starts small; later ones are going to fill up. */
        size_t cap = d->count == 0 ? CHUNK_FIRST_CAP : CHUNK_MAX;
        if (cap < p.size) cap = p.size;
        struct deque_chunk *fresh = chunk_new(cap);
        if (front) fresh->start = fresh->end = fresh->cap;
        chunk_link_after(d, front ? NULL : d->tail, fresh);
        ch = fresh;
    } else {
        ch = chunk_make_room(d, ch, p.size, front);
    }
    if (front) {
        ch->start -= (uint32_t)p.size;
        pack_write(ch->data + ch->start, &p);
    } else {
        pack_write(ch->data + ch->end, &p);
        ch->end += (uint32_t)p.size;
    }
    ch->count++;
    d->count++;
}

void deque_peek(deque *d, enum deque_end end, deque_elem *out) {
    if (end == DEQUE_HEAD) {
        unpack(d->head->data + d->head->start, out);
    } else {
        struct deque_chunk *ch = d->tail;
        unpack(ch->data + ch->end - size_before(ch->data + ch->end), out);
    }
}

void deque_pop(deque *d, enum deque_end end) {
    struct deque_chunk *ch;
    if (end == DEQUE_HEAD) {
        ch = d->head;
        ch->start += (uint32_t)size_at(ch->data + ch->start);
    } else {
        ch = d->tail;
        ch->end -= (uint32_t)size_before(ch->data + ch->end);
    }
    ch->count--;
    d->count--;
    if (ch->count == 0) chunk_unlink_free(d, ch);
}

void deque_iter_at(deque_iter *it, deque *d, size_t index, int forward) {
    struct deque_chunk *ch;
    size_t base;
    if (index < d->count / 2) {
        ch = d->head;
        base = 0;
        while (base + ch->count <= index) {
            base += ch->count;
            ch = ch->next;
        }
    } else {
        ch = d->tail;
        base = d->count - ch->count;
        while (base > index) {
            ch = ch->prev;
            base -= ch->count;
        }
    }
    size_t k = index - base;
    size_t off;
    if (k <= ch->count / 2) {
        off = ch->start;
        for (size_t i = 0; i < k; i++) off += size_at(ch->data + off);
    } else {
        off = ch->end;
        for (size_t i = ch->count; i > k; i--) off -= size_before(ch->data + off);
    }
    it->d = d;
    it->chunk = ch;
    it->off = (uint32_t)off;
    it->forward = forward;
}

void deque_iter_get(const deque_iter *it, deque_elem *out) {
    unpack(it->chunk->data + it->off, out);
}

/* Places the iterator at the boundary gap of its chunk (the offset between two elements),
 * then on the next element in its direction. */
static void iter_from_gap(deque_iter *it, size_t gap) {
    struct deque_chunk *ch = it->chunk;
    if (it->forward) {
        if (gap < ch->end) {
            it->off = (uint32_t)gap;
        } else {
            it->chunk = ch->next;
            if (it->chunk) it->off = it->chunk->start;
        }
    } else {
        if (gap > ch->start) {
            it->off = (uint32_t)(gap - size_before(ch->data + gap));
        } else {
            it->chunk = ch->prev;
            if (it->chunk) it->off = (uint32_t)(it->chunk->end - size_before(it->chunk->data + it->chunk->end));
        }
    }
}

void deque_iter_next(deque_iter *it) {
    struct deque_chunk *ch = it->chunk;
    iter_from_gap(it, it->forward ? it->off + size_at(ch->data + it->off) : it->off);
}

void deque_iter_delete(deque_iter *it) {
    deque *d = it->d;
    struct deque_chunk *ch = it->chunk;
    size_t size = size_at(ch->data + it->off), off = it->off, gap;
    ch->count--;
    d->count--;
    if (ch->count == 0) {
        struct deque_chunk *after = it->forward ? ch->next : ch->prev;
        chunk_unlink_free(d, ch);
        it->chunk = after;
        if (after) {
            it->off = it->forward ? after->start
                                  : (uint32_t)(after->end - size_before(after->data + after->end));
        }
        return;
    }
    /* Close the hole by moving the smaller side. */
    if (off - ch->start < ch->end - off - size) {
        memmove(ch->data + ch->start + size, ch->data + ch->start, off - ch->start);
        ch->start += (uint32_t)size;
        gap = off + size;
    } else {
        memmove(ch->data + off, ch->data + off + size, ch->end - off - size);
        ch->end -= (uint32_t)size;
        gap = off;
    }
    /* Merging a sparse chunk with the neighbour already walked past keeps the iterator's
     * place: only the gap's distance from start changes, by what was prepended. */
    if (chunk_used(ch) < CHUNK_SPARSE) {
        size_t rel = gap - ch->start;
        if (it->forward && can_merge(ch->prev, ch)) {
            rel += chunk_used(ch->prev);
            ch = chunk_absorb_next(d, ch->prev);
        } else if (!it->forward && can_merge(ch, ch->next)) {
            ch = chunk_absorb_next(d, ch);
        }
        gap = ch->start + rel;
        it->chunk = ch;
    }
    iter_from_gap(it, gap);
}

void deque_iter_insert(deque_iter *it, int after, const char *s, size_t len) {
    struct packed p;
    pack(&p, s, len);
    size_t off = it->off;
    if (after) off += size_at(it->chunk->data + off);
    chunk_insert(it->d, it->chunk, off, &p);
    it->chunk = NULL;
}

void deque_iter_replace(deque_iter *it, const char *s, size_t len) {
    struct packed p;
    pack(&p, s, len);
    struct deque_chunk *ch = it->chunk;
    size_t old = size_at(ch->data + it->off);
    if (old == p.size) {
        pack_write(ch->data + it->off, &p);
    } else {
        /* Take the old one out, then insert the new one where it was. */
        memmove(ch->data + it->off, ch->data + it->off + old, ch->end - it->off - old);
        ch->end -= (uint32_t)old;
        ch->count--;
        it->d->count--;
        chunk_insert(it->d, ch, it->off, &p);
    }
    it->chunk = NULL;
}

/* Merges the chunk holding element index with a neighbour if it became sparse. */
static void merge_around(deque *d, size_t index) {
    deque_iter it;
    deque_iter_at(&it, d, index, 1);
    chunk_maybe_merge(d, it.chunk);
}

void deque_delete_range(deque *d, size_t index, size_t count) {
    if (count == 0) return;
    deque_iter it;
    deque_iter_at(&it, d, index, 1);
    struct deque_chunk *ch = it.chunk;
    size_t off = it.off;
    while (count > 0) {
        struct deque_chunk *next = ch->next;
        size_t to = off;
        uint32_t k = 0;
        while (k < count && to < ch->end) {
            to += size_at(ch->data + to);
            k++;
        }
        count -= k;
        d->count -= k;
        if (k == ch->count) {
            chunk_unlink_free(d, ch);
        } else {
            memmove(ch->data + off, ch->data + to, ch->end - to);
            ch->end -= (uint32_t)(to - off);
            ch->count -= k;
        }
        ch = next;
        if (ch) off = ch->start;
    }
    /* The elements on both sides of the removed range are now neighbours. */
    if (index < d->count) merge_around(d, index);
    if (index > 0) merge_around(d, index - 1);
}
