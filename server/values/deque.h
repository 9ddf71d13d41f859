/* The list value: a chunked deque. Elements are packed in chunks of up to a few KB as
 * [header varint][bytes][back-length], so both ends push and pop in O(1), walks go either
 * way, and a 16-byte element costs 2 bytes of overhead. Canonical integers are packed in
 * the header alone. Knows nothing of the server: the unit tests use it directly. */
#ifndef RILL_DEQUE_H
#define RILL_DEQUE_H

#include <stddef.h>
#include <stdint.h>

#include "numconv.h"

struct deque_chunk;

typedef struct deque {
    struct deque_chunk *head, *tail;
    size_t count;   /* elements */
    size_t nchunks;
} deque;

/* An element as read from the deque. ptr points into the deque (valid until it changes) or,
 * for a packed integer, into num. Use in place: copying the struct breaks ptr. */
typedef struct deque_elem {
    const char *ptr;
    size_t len;
    char num[LL_STR_SIZE];
} deque_elem;

enum deque_end { DEQUE_HEAD, DEQUE_TAIL };

/* A position in the deque, moving towards the tail (forward) or the head. */
typedef struct deque_iter {
    deque *d;
    struct deque_chunk *chunk; /* NULL once past the end */
    uint32_t off;              /* offset of the current element in the chunk */
    int forward;
} deque_iter;

deque *deque_new(void);
void deque_free(deque *d);
deque *deque_dup(const deque *d);
/* Bytes allocated for the deque, chunks included. */
size_t deque_bytes(const deque *d);

void deque_push(deque *d, enum deque_end end, const char *s, size_t len);
/* Reads the element at one end; the deque must not be empty. */
void deque_peek(deque *d, enum deque_end end, deque_elem *out);
/* Removes the element at one end; the deque must not be empty. */
void deque_pop(deque *d, enum deque_end end);

/* Positions it on element index (0 <= index < count), walking from the nearer end. */
void deque_iter_at(deque_iter *it, deque *d, size_t index, int forward);
/* 1 while the iterator is on an element. */
static inline int deque_iter_valid(const deque_iter *it) { return it->chunk != NULL; }
void deque_iter_get(const deque_iter *it, deque_elem *out);
void deque_iter_next(deque_iter *it);
/* Removes the current element; the iterator moves on to the next one in its direction. */
void deque_iter_delete(deque_iter *it);
/* Replaces the current element's value. The iterator is invalid afterwards. */
void deque_iter_replace(deque_iter *it, const char *s, size_t len);
/* Inserts before or after the current element. The iterator is invalid afterwards. */
void deque_iter_insert(deque_iter *it, int after, const char *s, size_t len);

/* Removes count elements starting at index (the range must lie inside the deque). */
void deque_delete_range(deque *d, size_t index, size_t count);

static inline int deque_elem_equals(const deque_elem *e, const char *s, size_t len) {
    return e->len == len && (len == 0 || __builtin_memcmp(e->ptr, s, len) == 0);
}

#endif
