/* Growable byte buffer: query buffers, reply buffers, any string built piece by piece.
 * Memory comes from mem.h, so it is counted. */
#ifndef RILL_BUF_H
#define RILL_BUF_H

#include <stddef.h>
#include <stdio.h>

typedef struct buf {
    char *data;
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
} buf_t;

void buf_init(buf_t *b);
void buf_free(buf_t *b);
/* Makes room for at least `extra` more bytes (doubling, so appends are amortised O(1)). */
void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *data, size_t len);
void buf_append_str(buf_t *b, const char *s);
/* s between double quotes, escaped as Redis's sdscatrepr writes it (\n \r \t \a \b \\ \"
 * and \xHH for other unprintable bytes). */
void buf_append_repr(buf_t *b, const char *s, size_t len);
/* Appends what the open stream f holds from where it is to its end (a config file, a
 * manifest). */
void buf_append_stream(buf_t *b, FILE *f);
/* printf-style append. */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes, moving the rest to the front. */
void buf_consume(buf_t *b, size_t n);
/* Releases memory beyond what is in use when more than `keep` bytes would be idle. */
void buf_shrink(buf_t *b, size_t keep);
/* Reallocates to cap bytes, never below what is in use; 0 with nothing in use frees. */
void buf_resize(buf_t *b, size_t cap);

#endif
