/* Readers of the packed encodings Redis stores inside RDB strings: ziplist, listpack, intset and
 * zipmap. Each one checks the blob as it walks (every length against the blob's end, the back
 * lengths, the terminator, the declared counts), so any bytes are safe to read. */
#ifndef RILL_PACKED_BLOBS_H
#define RILL_PACKED_BLOBS_H

#include <stddef.h>
#include <stdint.h>

enum packed_kind { PACKED_ZIPLIST, PACKED_LISTPACK, PACKED_INTSET, PACKED_ZIPMAP };

/* An element: bytes, or an integer (is_int) when the blob stored one. */
typedef struct packed_elem {
    const char *s;
    size_t len;
    long long v;
    int is_int;
} packed_elem;

typedef struct packed_iter {
    enum packed_kind kind;
    const unsigned char *base, *p, *end;
    uint64_t seen, declared; /* declared: UINT64_MAX when the header does not say */
    size_t prev_len;         /* ziplist: the previous entry's size */
    unsigned width;          /* intset: bytes per integer */
    long long last;          /* intset: the previous integer (they must ascend) */
    int zipmap_value;        /* zipmap: the next string is a value */
    const char *err;         /* the problem, NULL if none */
} packed_iter;

/* "Ziplist", "Listpack", "Intset", "Zipmap": as Redis names them in its errors. */
const char *packed_kind_name(enum packed_kind kind);
/* Checks the header. 0, or -1 with it->err. */
int packed_iter_init(packed_iter *it, enum packed_kind kind, const void *blob, size_t len);
/* 1 with the next element, 0 at a well-formed end, -1 with it->err. Zipmaps give key, value,
 * key, value... */
int packed_iter_next(packed_iter *it, packed_elem *el);
/* Walks a whole blob; the number of elements, or -1 with it->err. */
long long packed_count(packed_iter *it, enum packed_kind kind, const void *blob, size_t len);
/* An element's bytes: el->s, or the digits of its integer written into digits. */
const char *packed_elem_bytes(const packed_elem *el, char digits[24], size_t *len);

/* Builds a listpack as Redis 7.0's listpack.c encodes one: strings that are canonical
 * integers take the integer encodings. */
typedef struct listpack_writer {
    unsigned char *buf;
    size_t len, cap;
    uint64_t count;
} listpack_writer;

void listpack_init(listpack_writer *lp);
/* Bytes listpack_append adds for s (encoding, data and back length). */
size_t listpack_entry_size(const char *s, size_t len);
void listpack_append(listpack_writer *lp, const char *s, size_t len);
void listpack_append_int(listpack_writer *lp, long long v);
/* Writes the header and the end byte; the blob is lp->buf, lp->len bytes (mem_free it). */
void listpack_finish(listpack_writer *lp);

#endif
