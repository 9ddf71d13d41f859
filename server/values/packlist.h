/* A packed array of byte strings in one allocation: the compact encoding of small hashes
 * (field, value, field, value...), sets and sorted sets (member, score...). Each element is
 * [varint length][bytes]; lookups walk from the front, which is faster than hashing while
 * the array is a few hundred bytes. Elements are addressed by byte offsets, valid until the
 * next change. Knows nothing of the server: the unit tests use it directly. */
#ifndef RILL_PACKLIST_H
#define RILL_PACKLIST_H

#include <stddef.h>
#include <stdint.h>

/* How big a value may grow in its packed encoding (the *-max-listpack-* settings). */
struct packed_limits {
    size_t max_entries, max_value;
};

typedef struct packlist {
    uint32_t used;  /* bytes of elements */
    uint32_t count; /* elements */
    unsigned char data[];
} packlist;

packlist *pl_new(void);
void pl_free(packlist *pl);
packlist *pl_dup(const packlist *pl);
/* Bytes allocated. */
size_t pl_bytes(const packlist *pl);

/* Offsets run from 0 to pl->used: for (off = 0; off < pl->used; off = pl_next(pl, off)). */
size_t pl_next(const packlist *pl, size_t off);
/* The element at off: its bytes (not NUL-terminated) and length. */
const char *pl_get(const packlist *pl, size_t off, size_t *len);
/* Offset of the element at index (0 <= index < count), walking from the front. */
size_t pl_offset_of(const packlist *pl, size_t index);
/* Offset of the first element equal to s among those at off, off + step elements, ...;
 * pl->used when there is none. */
size_t pl_find(const packlist *pl, size_t off, const char *s, size_t len, size_t step);
static inline int pl_equals(const packlist *pl, size_t off, const char *s, size_t len) {
    size_t n;
    const char *p = pl_get(pl, off, &n);
    return n == len && (len == 0 || __builtin_memcmp(p, s, len) == 0);
}

/* Bulk building (a snapshot's packed values): the packlist of the n strings s[i] (len[i]
 * bytes) in order, in one allocation. */
packlist *pl_from_strings(const char *const *s, const size_t *len, size_t n);
/* 1 when two of the elements at 0, step, 2 step... are equal (a quadratic scan, for packed
 * sizes). */
int pl_has_duplicates(const packlist *pl, size_t step);

/* Chooses count distinct indices below n at random (count <= n), in increasing order, so
 * one walk from the front visits them all. */
void pl_sample_indices(size_t n, size_t count, size_t *out);

/* The changes return the packlist to use from now on (it may move). */
/* Inserts s before the element at off (off == pl->used appends). */
packlist *pl_insert(packlist *pl, size_t off, const char *s, size_t len);
static inline packlist *pl_append(packlist *pl, const char *s, size_t len) {
    return pl_insert(pl, pl->used, s, len);
}
/* Removes n elements from off on. */
packlist *pl_delete(packlist *pl, size_t off, size_t n);
packlist *pl_replace(packlist *pl, size_t off, const char *s, size_t len);

#endif
