/* Redis 7.0's listpack layout (see listpack.h). Element encodings, by the first byte's top
 * bits: 0 a 7-bit uint; 10 a 6-bit string length; 110 a 13-bit int; 1110 a 12-bit string
 * length; then 0xf0 a 32-bit string length, 0xf1..0xf4 a 16/24/32/64-bit int. After the data
 * comes the back length: the encoding and data size in 7-bit groups, read right to left. */
#include "listpack.h"

#include <string.h>

#include "mem.h"
#include "numconv.h"

static void set_u32(unsigned char *p, size_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static size_t get_count(const unsigned char *lp) { return (size_t)lp[4] | (size_t)lp[5] << 8; }

static void set_header(unsigned char *lp, size_t bytes, size_t count) {
    set_u32(lp, bytes);
    /* 65535 means "unknown" to readers, as in Redis. */
    if (count > UINT16_MAX) count = UINT16_MAX;
    lp[4] = (unsigned char)count;
    lp[5] = (unsigned char)(count >> 8);
}

unsigned char *lp_new(size_t capacity) {
    if (capacity < LP_HEADER_SIZE + 1) capacity = LP_HEADER_SIZE + 1;
    unsigned char *lp = mem_alloc(capacity);
    set_header(lp, LP_HEADER_SIZE + 1, 0);
    lp[LP_HEADER_SIZE] = LP_END;
    return lp;
}

unsigned char *lp_shrink_to_fit(unsigned char *lp) {
    size_t n = lp_bytes(lp);
    return mem_usable(lp) > n ? mem_realloc(lp, n) : lp;
}

size_t lp_backlen_size(size_t len) {
    return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/* Encoding and data bytes of the element at p (back length excluded). */
static size_t element_size(const unsigned char *p) {
    unsigned char b = p[0];
    if (b >> 7 == 0) return 1;
    if (b >> 6 == 2) return 1 + (b & 0x3f);
    if (b >> 5 == 6) return 2;
    if (b >> 4 == 0xe) return 2 + ((size_t)(b & 0x0f) << 8 | p[1]);
    switch (b) {
    case 0xf0: return 5 + ((size_t)p[1] | (size_t)p[2] << 8 | (size_t)p[3] << 16 | (size_t)p[4] << 24);
    case 0xf1: return 3;
    case 0xf2: return 4;
    case 0xf3: return 5;
    default: return 9; /* 0xf4 */
    }
}

static size_t full_size(const unsigned char *p) {
    size_t n = element_size(p);
    return n + lp_backlen_size(n);
}

unsigned char *lp_first(unsigned char *lp) {
    unsigned char *p = lp + LP_HEADER_SIZE;
    return *p == LP_END ? NULL : p;
}

unsigned char *lp_next(unsigned char *lp, unsigned char *p) {
    (void)lp;
    p += full_size(p);
    return *p == LP_END ? NULL : p;
}

/* The element whose back length ends just before q. */
static unsigned char *element_before(unsigned char *q) {
    size_t len = 0;
    unsigned shift = 0;
    for (;;) {
        q--;
        len |= (size_t)(*q & 127) << shift;
        if (!(*q & 128)) break;
        shift += 7;
    }
    return q - len;
}

unsigned char *lp_prev(unsigned char *lp, unsigned char *p) {
    if (p == lp + LP_HEADER_SIZE) return NULL;
    return element_before(p);
}

unsigned char *lp_last(unsigned char *lp) {
    unsigned char *end = lp + lp_bytes(lp) - 1;
    return end == lp + LP_HEADER_SIZE ? NULL : element_before(end);
}

static int64_t signed_le(const unsigned char *p, unsigned n) {
    uint64_t u = 0;
    for (unsigned i = 0; i < n; i++)
        u |= (uint64_t)p[i] << (8 * i);
    if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~0ULL << (8 * n);
    return (int64_t)u;
}

/* 1 with *v when the element is an integer, else 0 with its string. */
static int decode(const unsigned char *p, int64_t *v, const char **s, size_t *len) {
    unsigned char b = p[0];
    if (b >> 7 == 0) {
        *v = b;
        return 1;
    }
    if (b >> 6 == 2) {
        *s = (const char *)p + 1;
        *len = b & 0x3f;
        return 0;
    }
    if (b >> 5 == 6) {
        unsigned u = (unsigned)(b & 0x1f) << 8 | p[1];
        *v = u >= 1u << 12 ? (int64_t)u - (1 << 13) : (int64_t)u;
        return 1;
    }
    if (b >> 4 == 0xe) {
        *s = (const char *)p + 2;
        *len = (size_t)(b & 0x0f) << 8 | p[1];
        return 0;
    }
    if (b == 0xf0) {
        *s = (const char *)p + 5;
        *len = element_size(p) - 5;
        return 0;
    }
    *v = signed_le(p + 1, (unsigned)element_size(p) - 1);
    return 1;
}

const char *lp_get(const unsigned char *p, char buf[LP_INT_BUF], size_t *len) {
    int64_t v;
    const char *s;
    if (decode(p, &v, &s, len)) {
        *len = ll_to_str(buf, v);
        return buf;
    }
    return s;
}

int64_t lp_get_int(const unsigned char *p) {
    int64_t v = 0;
    const char *s;
    size_t len;
    if (!decode(p, &v, &s, &len)) {
        long long ll = 0;
        str_to_ll(s, len, &ll);
        v = ll;
    }
    return v;
}

static void put_backlen(unsigned char *p, size_t len) {
    size_t n = lp_backlen_size(len);
    for (size_t i = 0; i < n; i++) {
        unsigned shift = (unsigned)(7 * (n - 1 - i));
        p[i] = (unsigned char)(((len >> shift) & 127) | (i ? 128 : 0));
    }
}

static size_t int_size(int64_t v) {
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= INT16_MIN && v <= INT16_MAX) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    return v >= INT32_MIN && v <= INT32_MAX ? 5 : 9;
}

size_t lp_int_entry_size(int64_t v) {
    size_t n = int_size(v);
    return n + lp_backlen_size(n);
}

size_t lp_encode_int(unsigned char *out, int64_t v) {
    size_t n = int_size(v);
    if (n == 1) {
        out[0] = (unsigned char)v;
    } else if (n == 2) {
        uint64_t u = (uint64_t)v & 0x1fff;
        out[0] = (unsigned char)(0xc0 | (u >> 8));
        out[1] = (unsigned char)u;
    } else {
        static const unsigned char tags[] = {[3] = 0xf1, [4] = 0xf2, [5] = 0xf3, [9] = 0xf4};
        out[0] = tags[n];
        for (size_t i = 0; i + 1 < n; i++)
            out[1 + i] = (unsigned char)((uint64_t)v >> (8 * i));
    }
    put_backlen(out + n, n);
    return n + lp_backlen_size(n);
}

/* A string that listpack.c would store as an integer. */
static int as_int(const char *s, size_t len, int64_t *v) {
    long long ll;
    if (len > 20 || len == 0 || str_to_ll(s, len, &ll) != 0) return 0;
    *v = ll;
    return 1;
}

static size_t string_header(size_t len) { return len < 64 ? 1 : len < 4096 ? 2 : 5; }

size_t lp_entry_size(const char *s, size_t len) {
    int64_t v;
    if (as_int(s, len, &v)) return lp_int_entry_size(v);
    size_t n = string_header(len) + len;
    return n + lp_backlen_size(n);
}

size_t lp_encode(unsigned char *out, const char *s, size_t len) {
    int64_t v;
    if (as_int(s, len, &v)) return lp_encode_int(out, v);
    size_t header = string_header(len);
    if (header == 1) {
        out[0] = (unsigned char)(0x80 | len);
    } else if (header == 2) {
        out[0] = (unsigned char)(0xe0 | (len >> 8));
        out[1] = (unsigned char)len;
    } else {
        out[0] = 0xf0;
        set_u32(out + 1, len);
    }
    if (len) memcpy(out + header, s, len);
    put_backlen(out + header + len, header + len);
    return header + len + lp_backlen_size(header + len);
}

unsigned char *lp_reserve(unsigned char *lp, size_t more, unsigned char **at) {
    /* Growth follows the allocator's size classes, as listpack.c's does. */
    size_t bytes = lp_bytes(lp);
    if (bytes + more > mem_usable(lp)) lp = mem_realloc(lp, bytes + more);
    *at = lp + bytes - 1;
    return lp;
}

void lp_appended(unsigned char *lp, size_t bytes, size_t count) {
    size_t total = lp_bytes(lp) + bytes;
    lp[total - 1] = LP_END;
    size_t n = get_count(lp);
    set_header(lp, total, n == UINT16_MAX ? n : n + count);
}

unsigned char *lp_append(unsigned char *lp, const char *s, size_t len) {
    unsigned char *at;
    size_t n = lp_entry_size(s, len);
    lp = lp_reserve(lp, n, &at);
    lp_encode(at, s, len);
    lp_appended(lp, n, 1);
    return lp;
}

unsigned char *lp_append_int(unsigned char *lp, int64_t v) {
    unsigned char *at;
    size_t n = lp_int_entry_size(v);
    lp = lp_reserve(lp, n, &at);
    lp_encode_int(at, v);
    lp_appended(lp, n, 1);
    return lp;
}

unsigned char *lp_replace_int(unsigned char *lp, unsigned char **p, int64_t v) {
    size_t old = full_size(*p), n = lp_int_entry_size(v);
    size_t off = (size_t)(*p - lp), bytes = lp_bytes(lp);
    if (n > old && bytes + n - old > mem_usable(lp)) lp = mem_realloc(lp, bytes + n - old);
    unsigned char *at = lp + off;
    if (n != old) memmove(at + n, at + old, bytes - off - old);
    lp_encode_int(at, v);
    set_u32(lp, bytes + n - old);
    *p = at;
    return lp;
}
