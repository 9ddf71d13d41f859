#include "values/packlist.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "varint.h"

packlist *pl_new(void) { return mem_calloc(1, sizeof(packlist)); }

void pl_free(packlist *pl) { mem_free(pl); }

packlist *pl_dup(const packlist *pl) {
    packlist *n = mem_alloc(sizeof *pl + pl->used);
    memcpy(n, pl, sizeof *pl + pl->used);
    return n;
}

size_t pl_bytes(const packlist *pl) { return mem_usable(pl); }

size_t pl_next(const packlist *pl, size_t off) {
    uint64_t len;
    size_t n = varint_get(pl->data + off, &len);
    return off + n + (size_t)len;
}

const char *pl_get(const packlist *pl, size_t off, size_t *len) {
    uint64_t l;
    size_t n = varint_get(pl->data + off, &l);
    *len = (size_t)l;
    return (const char *)pl->data + off + n;
}

size_t pl_offset_of(const packlist *pl, size_t index) {
    size_t off = 0;
    while (index--) off = pl_next(pl, off);
    return off;
}

size_t pl_find(const packlist *pl, size_t off, const char *s, size_t len, size_t step) {
    while (off < pl->used) {
        if (pl_equals(pl, off, s, len)) return off;
        for (size_t i = 0; i < step && off < pl->used; i++) off = pl_next(pl, off);
    }
    return pl->used;
}

/* Makes room: the bytes at [off, off + old_size) become new_size bytes long. */
static packlist *resize_at(packlist *pl, size_t off, size_t old_size, size_t new_size) {
    size_t tail = pl->used - off - old_size;
    size_t used = pl->used - old_size + new_size;
    if (new_size > old_size) pl = mem_realloc(pl, sizeof *pl + used);
    memmove(pl->data + off + new_size, pl->data + off + old_size, tail);
    if (new_size < old_size) pl = mem_realloc(pl, sizeof *pl + used);
    pl->used = (uint32_t)used;
    return pl;
}

packlist *pl_insert(packlist *pl, size_t off, const char *s, size_t len) {
    size_t size = varint_len(len) + len;
    pl = resize_at(pl, off, 0, size);
    size_t n = varint_put(pl->data + off, len);
    if (len) memcpy(pl->data + off + n, s, len);
    pl->count++;
    return pl;
}

packlist *pl_delete(packlist *pl, size_t off, size_t n) {
    size_t end = off;
    for (size_t i = 0; i < n; i++) end = pl_next(pl, end);
    pl = resize_at(pl, off, end - off, 0);
    pl->count -= (uint32_t)n;
    return pl;
}

packlist *pl_replace(packlist *pl, size_t off, const char *s, size_t len) {
    size_t old_size = pl_next(pl, off) - off;
    size_t size = varint_len(len) + len;
    pl = resize_at(pl, off, old_size, size);
    size_t n = varint_put(pl->data + off, len);
    if (len) memcpy(pl->data + off + n, s, len);
    return pl;
}

void pl_sample_indices(size_t n, size_t count, size_t *out) {
    /* Selection sampling (Knuth's algorithm S): each index is taken with probability
     * still-needed / still-left. */
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < count; i++)
        if ((size_t)random() % (n - i) < count - taken) out[taken++] = i;
}
