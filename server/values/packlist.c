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

packlist *pl_from_strings(const char *const *s, const size_t *len, size_t n) {
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += varint_len(len[i]) + len[i];
    packlist *pl = mem_alloc(sizeof *pl + bytes);
    unsigned char *p = pl->data;
    for (size_t i = 0; i < n; i++) {
        p += varint_put(p, len[i]);
        if (len[i]) memcpy(p, s[i], len[i]);
        p += len[i];
    }
    pl->used = (uint32_t)bytes;
    pl->count = (uint32_t)n;
    return pl;
}

/* Length and up to 16 bytes from both ends: equal elements have equal fingerprints, and
 * different ones rarely do, so most pairs are told apart without a memcmp. */
static uint64_t fingerprint(const char *s, size_t len) {
    uint64_t head = 0, tail = 0;
    memcpy(&head, s, len < 8 ? len : 8);
    if (len > 8) memcpy(&tail, s + len - 8, 8);
    return (head * 0x9e3779b97f4a7c15ULL) ^ (tail + len * 0xff51afd7ed558ccdULL);
}

int pl_has_duplicates(const packlist *pl, size_t step) {
    size_t n = (pl->count + step - 1) / step;
    struct item {
        const char *s;
        size_t len;
        uint64_t fp;
    } small[64], *items = n <= 64 ? small : mem_alloc(n * sizeof *items);
    size_t k = 0;
    for (size_t off = 0; off < pl->used; k++) {
        items[k].s = pl_get(pl, off, &items[k].len);
        items[k].fp = fingerprint(items[k].s, items[k].len);
        for (size_t i = 0; i < step && off < pl->used; i++) off = pl_next(pl, off);
    }
    int dup = 0;
    for (size_t i = 0; i < k && !dup; i++)
        for (size_t j = i + 1; j < k && !dup; j++)
            dup = items[i].fp == items[j].fp && items[i].len == items[j].len &&
                  memcmp(items[i].s, items[j].s, items[i].len) == 0;
    if (items != small) mem_free(items);
    return dup;
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
