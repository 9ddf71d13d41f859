/* LEB128 variable-length integers: 7 bits per byte, high bit set while more bytes follow.
 * The length prefix of elements in the packed encodings (deque chunks, packlists). */
#ifndef RILL_VARINT_H
#define RILL_VARINT_H

#include <stddef.h>
#include <stdint.h>

static inline size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 128) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline size_t varint_put(unsigned char *p, uint64_t v) {
    size_t n = 0;
    while (v >= 128) {
        p[n++] = (unsigned char)(v | 128);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

static inline size_t varint_get(const unsigned char *p, uint64_t *v) {
    uint64_t r = 0;
    size_t n = 0;
    unsigned shift = 0;
    for (;;) {
        unsigned char b = p[n++];
        r |= (uint64_t)(b & 127) << shift;
        if (!(b & 128)) break;
        shift += 7;
    }
    *v = r;
    return n;
}

#endif
