/* A listpack exactly as Redis 7.0's listpack.c lays one out: a 6-byte header (total bytes,
 * element count), elements each with its encoding, data and back length, and an end byte.
 * Strings that are canonical integers are stored as integers. The stream value keeps its
 * entries in these, so a node goes into an RDB file or a DUMP payload as it is. The contents
 * are trusted: check foreign bytes with packed_blobs.h first. */
#ifndef RILL_LISTPACK_H
#define RILL_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

#define LP_HEADER_SIZE 6
#define LP_END 0xff
/* The most an integer element takes (encoding, 8 bytes, back length), and what a string
 * element takes at most besides its bytes (a 5-byte header, a 5-byte back length). */
#define LP_MAX_INT_ENTRY 10
#define LP_MAX_STRING_OVERHEAD 10
/* Digits of the longest int64_t, for lp_get's buffer. */
#define LP_INT_BUF 21

/* A new, empty listpack with room for capacity bytes (at least the header and end byte). */
unsigned char *lp_new(size_t capacity);
static inline size_t lp_bytes(const unsigned char *lp) {
    return (size_t)lp[0] | (size_t)lp[1] << 8 | (size_t)lp[2] << 16 | (size_t)lp[3] << 24;
}
/* Gives back the room past the end byte. */
unsigned char *lp_shrink_to_fit(unsigned char *lp);

/* Walking: an element pointer, NULL past either end. */
unsigned char *lp_first(unsigned char *lp);
unsigned char *lp_last(unsigned char *lp);
unsigned char *lp_next(unsigned char *lp, unsigned char *p);
unsigned char *lp_prev(unsigned char *lp, unsigned char *p);

/* The element at p: its bytes (the digits written into buf for an integer) and length. */
const char *lp_get(const unsigned char *p, char buf[LP_INT_BUF], size_t *len);
/* The element at p as an integer (it was stored as one, or its bytes are digits). */
int64_t lp_get_int(const unsigned char *p);

/* Appending; they return the listpack to use from now on (it may move). */
unsigned char *lp_append(unsigned char *lp, const char *s, size_t len);
unsigned char *lp_append_int(unsigned char *lp, int64_t v);
/* Appending several elements at once: room for `more` bytes (the listpack may move), *at
 * is where they go (encode them with lp_encode*), then lp_appended counts them in. */
unsigned char *lp_reserve(unsigned char *lp, size_t more, unsigned char **at);
void lp_appended(unsigned char *lp, size_t bytes, size_t count);
/* Replaces the element at *p by the integer v; *p points at it again afterwards. */
unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, int64_t v);

/* Encoding sizes, for callers that build or check listpacks elsewhere (packed_blobs.c). */
/* Bytes of the back length after an element of len bytes (Redis's lpEncodeBacklen). */
size_t lp_backlen_size(size_t len);
/* Bytes of v's encoding, back length included. */
size_t lp_int_entry_size(int64_t v);
/* Bytes lp_append adds for s. */
size_t lp_entry_size(const char *s, size_t len);
/* Writes the element for s (encoding, data, back length) at out, which has
 * lp_entry_size(s, len) bytes; returns that size. */
size_t lp_encode(unsigned char *out, const char *s, size_t len);
size_t lp_encode_int(unsigned char *out, int64_t v);

#endif
