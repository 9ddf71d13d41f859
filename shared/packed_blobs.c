/* Readers of Redis's packed encodings (see packed_blobs.h). The layouts are Redis 7.0's
 * ziplist.c, listpack.c, intset.c and zipmap.c; every read is checked against the blob's end
 * before it happens. */
#include "packed_blobs.h"

#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "numconv.h"

#define ZIPLIST_HEADER 10 /* u32 bytes, u32 offset of the last entry, u16 count */
#define LISTPACK_HEADER 6 /* u32 bytes, u16 count */
#define INTSET_HEADER 8   /* u32 width, u32 count */
#define PACKED_END 0xff
#define UNKNOWN_COUNT UINT64_MAX

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const unsigned char *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}

/* A little-endian two's-complement integer of n bytes. */
static long long le_signed(const unsigned char *p, unsigned n) {
    uint64_t u = 0;
    for (unsigned i = 0; i < n; i++)
        u |= (uint64_t)p[i] << (8 * i);
    if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~0ULL << (8 * n); /* sign extension */
    return (long long)u;
}

static int fail(packed_iter *it, const char *why) {
    it->err = why;
    return -1;
}

static size_t left(const packed_iter *it) {
    return (size_t)(it->end - it->p);
}

const char *packed_kind_name(enum packed_kind kind) {
    static const char *const names[] = {"Ziplist", "Listpack", "Intset", "Zipmap"};
    return names[kind];
}

int packed_iter_init(packed_iter *it, enum packed_kind kind, const void *blob, size_t len) {
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->base = it->p = blob;
    it->end = it->base + len;
    it->declared = UNKNOWN_COUNT;
    switch (kind) {
    case PACKED_ZIPLIST:
        if (len < ZIPLIST_HEADER + 1) return fail(it, "ziplist shorter than its header");
        if (le32(it->base) != len) return fail(it, "ziplist size does not match its header");
        if (le32(it->base + 4) >= len) return fail(it, "ziplist tail offset out of range");
        if (le16(it->base + 8) != UINT16_MAX) it->declared = le16(it->base + 8);
        if (it->end[-1] != PACKED_END) return fail(it, "ziplist without its end byte");
        it->p += ZIPLIST_HEADER;
        return 0;
    case PACKED_LISTPACK:
        if (len < LISTPACK_HEADER + 1) return fail(it, "listpack shorter than its header");
        if (le32(it->base) != len) return fail(it, "listpack size does not match its header");
        if (le16(it->base + 4) != UINT16_MAX) it->declared = le16(it->base + 4);
        if (it->end[-1] != PACKED_END) return fail(it, "listpack without its end byte");
        it->p += LISTPACK_HEADER;
        return 0;
    case PACKED_INTSET: {
        if (len < INTSET_HEADER) return fail(it, "intset shorter than its header");
        uint32_t width = le32(it->base), count = le32(it->base + 4);
        if (width != 2 && width != 4 && width != 8) return fail(it, "intset with a bad encoding");
        if ((uint64_t)count * width != len - INTSET_HEADER)
            return fail(it, "intset size does not match its count");
        it->width = width;
        it->declared = count;
        it->p += INTSET_HEADER;
        return 0;
    }
    case PACKED_ZIPMAP:
        if (len < 2) return fail(it, "zipmap shorter than its header");
        if (it->base[0] < 254) it->declared = it->base[0];
        if (it->end[-1] != PACKED_END) return fail(it, "zipmap without its end byte");
        it->p++;
        return 0;
    }
    return fail(it, "unknown encoding");
}

/* The end of a blob: the terminator must be its last byte and the count as declared. */
static int at_end(packed_iter *it) {
    if (it->p != it->end - 1) return fail(it, "data after the end byte");
    if (it->declared != UNKNOWN_COUNT && it->seen != it->declared)
        return fail(it, "element count does not match the header");
    return 0;
}

static int set_string(packed_iter *it, packed_elem *el, size_t header, uint64_t len) {
    if (header > left(it) || len > left(it) - header) return fail(it, "string past the end");
    el->s = (const char *)it->p + header;
    el->len = (size_t)len;
    el->is_int = 0;
    return 0;
}

static int ziplist_next(packed_iter *it, packed_elem *el) {
    if (left(it) == 0) return fail(it, "entry past the end");
    if (*it->p == PACKED_END) {
        if (it->prev_len && (size_t)(it->p - it->base) - it->prev_len != le32(it->base + 4))
            return fail(it, "ziplist tail offset does not match the last entry");
        if (!it->prev_len && le32(it->base + 4) != ZIPLIST_HEADER)
            return fail(it, "ziplist tail offset does not match the last entry");
        return at_end(it) == 0 ? 0 : -1;
    }
    const unsigned char *start = it->p;
    size_t prevlen_size = *it->p < 254 ? 1 : 5;
    if (*it->p == 255 || left(it) < prevlen_size + 1) return fail(it, "bad previous-entry length");
    uint32_t prevlen = prevlen_size == 1 ? *it->p : le32(it->p + 1);
    if (prevlen != it->prev_len) return fail(it, "previous-entry length does not match");
    it->p += prevlen_size;
    unsigned char b = *it->p;
    size_t header, data;
    el->is_int = 1;
    if (b >> 6 == 0) { /* strings: 6, 14 and 32-bit lengths, the longer ones big-endian */
        if (set_string(it, el, 1, b & 0x3f)) return -1;
        header = 1, data = el->len;
    } else if (b >> 6 == 1) {
        if (left(it) < 2) return fail(it, "string length past the end");
        if (set_string(it, el, 2, (size_t)(b & 0x3f) << 8 | it->p[1])) return -1;
        header = 2, data = el->len;
    } else if (b >> 6 == 2) {
        if (b != 0x80 || left(it) < 5) return fail(it, "bad string length");
        uint64_t len =
            (uint64_t)it->p[1] << 24 | (uint64_t)it->p[2] << 16 | it->p[3] << 8 | it->p[4];
        if (set_string(it, el, 5, len)) return -1;
        header = 5, data = el->len;
    } else {
        header = 1;
        switch (b) {
        case 0xc0:
            data = 2;
            break;
        case 0xd0:
            data = 4;
            break;
        case 0xe0:
            data = 8;
            break;
        case 0xf0:
            data = 3;
            break;
        case 0xfe:
            data = 1;
            break;
        default:
            if (b < 0xf1 || b > 0xfd) return fail(it, "bad entry encoding");
            data = 0; /* an immediate 0..12 */
        }
        if (left(it) < header + data) return fail(it, "integer past the end");
        el->v = data ? le_signed(it->p + 1, (unsigned)data) : (b & 0x0f) - 1;
    }
    it->p += header + data;
    it->prev_len = (size_t)(it->p - start);
    it->seen++;
    return 1;
}

static int listpack_next(packed_iter *it, packed_elem *el) {
    if (left(it) == 0) return fail(it, "entry past the end");
    unsigned char b = *it->p;
    if (b == PACKED_END) return at_end(it) == 0 ? 0 : -1;
    size_t header, data;
    el->is_int = 1;
    if (b >> 7 == 0) { /* 7-bit unsigned */
        header = 1, data = 0;
        el->v = b;
    } else if (b >> 6 == 2) { /* 6-bit string length */
        if (set_string(it, el, 1, b & 0x3f)) return -1;
        header = 1, data = el->len;
    } else if (b >> 5 == 6) { /* 13-bit signed */
        if (left(it) < 2) return fail(it, "integer past the end");
        unsigned u = (unsigned)(b & 0x1f) << 8 | it->p[1];
        el->v = u >= 1u << 12 ? (long long)u - (1 << 13) : (long long)u;
        header = 2, data = 0;
    } else if (b >> 4 == 0xe) { /* 12-bit string length */
        if (left(it) < 2) return fail(it, "string length past the end");
        if (set_string(it, el, 2, (size_t)(b & 0x0f) << 8 | it->p[1])) return -1;
        header = 2, data = el->len;
    } else if (b == 0xf0) { /* 32-bit string length */
        if (left(it) < 5) return fail(it, "string length past the end");
        if (set_string(it, el, 5, le32(it->p + 1))) return -1;
        header = 5, data = el->len;
    } else {
        static const unsigned char widths[] = {[0x1] = 2, [0x2] = 3, [0x3] = 4, [0x4] = 8};
        if (b < 0xf1 || b > 0xf4) return fail(it, "bad entry encoding");
        header = 1, data = widths[b & 0x0f];
        if (left(it) < header + data) return fail(it, "integer past the end");
        el->v = le_signed(it->p + 1, (unsigned)data);
    }
    uint64_t entry_len = header + data;
    size_t back = lp_backlen_size(entry_len);
    if (left(it) < entry_len + back + 1) return fail(it, "entry past the end");
    /* The back length, read backwards from its last byte as Redis does. */
    const unsigned char *q = it->p + entry_len + back - 1;
    uint64_t decoded = 0;
    for (unsigned shift = 0;; shift += 7, q--) {
        decoded |= (uint64_t)(*q & 127) << shift;
        if (!(*q & 128) || q == it->p + entry_len) break;
    }
    if (decoded != entry_len || (*q & 128)) return fail(it, "back length does not match the entry");
    it->p += entry_len + back;
    it->seen++;
    return 1;
}

static int intset_next(packed_iter *it, packed_elem *el) {
    if (it->p == it->end) return 0;
    el->is_int = 1;
    el->v = le_signed(it->p, it->width);
    if (it->seen && el->v <= it->last) return fail(it, "intset not in ascending order");
    it->last = el->v;
    it->p += it->width;
    it->seen++;
    return 1;
}

static int zipmap_next(packed_iter *it, packed_elem *el) {
    if (left(it) == 0) return fail(it, "entry past the end");
    if (*it->p == PACKED_END) {
        if (it->zipmap_value) return fail(it, "zipmap key without a value");
        if (it->p != it->end - 1) return fail(it, "data after the end byte");
        if (it->seen == 0) return fail(it, "empty zipmap"); /* Redis refuses these too */
        if (it->declared != UNKNOWN_COUNT && it->seen / 2 != it->declared)
            return fail(it, "element count does not match the header");
        return 0;
    }
    size_t header = *it->p < 254 ? 1 : 5;
    if (*it->p == 255 || left(it) < header) return fail(it, "bad zipmap length");
    uint32_t len = header == 1 ? *it->p : le32(it->p + 1);
    size_t free_bytes = 0;
    if (it->zipmap_value) { /* a value has a byte saying how much unused space follows it */
        if (left(it) < header + 1) return fail(it, "zipmap value past the end");
        free_bytes = it->p[header];
        header++;
    }
    if (set_string(it, el, header, len)) return -1;
    if (left(it) - header - len < free_bytes + 1) return fail(it, "zipmap value past the end");
    it->p += header + len + free_bytes;
    it->zipmap_value = !it->zipmap_value;
    it->seen++;
    return 1;
}

int packed_iter_next(packed_iter *it, packed_elem *el) {
    if (it->err) return -1;
    switch (it->kind) {
    case PACKED_ZIPLIST:
        return ziplist_next(it, el);
    case PACKED_LISTPACK:
        return listpack_next(it, el);
    case PACKED_INTSET:
        return intset_next(it, el);
    case PACKED_ZIPMAP:
        return zipmap_next(it, el);
    }
    return fail(it, "unknown encoding");
}

long long packed_count(packed_iter *it, enum packed_kind kind, const void *blob, size_t len) {
    if (packed_iter_init(it, kind, blob, len)) return -1;
    packed_elem el;
    int rc;
    while ((rc = packed_iter_next(it, &el)) == 1) {
    }
    return rc == 0 ? (long long)it->seen : -1;
}

const char *packed_elem_bytes(const packed_elem *el, char digits[24], size_t *len) {
    if (!el->is_int) {
        *len = el->len;
        return el->s;
    }
    *len = ll_to_str(digits, el->v);
    return digits;
}

/* ---- Listpack writer ---- */

void listpack_init(listpack_writer *lp) {
    lp->cap = 256;
    lp->buf = mem_alloc(lp->cap);
    lp->len = LISTPACK_HEADER;
    lp->count = 0;
}

static unsigned char *lp_room(listpack_writer *lp, size_t n) {
    if (lp->len + n > lp->cap) {
        while (lp->len + n > lp->cap)
            lp->cap *= 2;
        lp->buf = mem_realloc(lp->buf, lp->cap);
    }
    unsigned char *p = lp->buf + lp->len;
    lp->len += n;
    return p;
}

void listpack_append_int(listpack_writer *lp, long long v) {
    lp_encode_int(lp_room(lp, lp_int_entry_size(v)), v);
    lp->count++;
}

size_t listpack_entry_size(const char *s, size_t len) { return lp_entry_size(s, len); }

void listpack_append(listpack_writer *lp, const char *s, size_t len) {
    lp_encode(lp_room(lp, lp_entry_size(s, len)), s, len);
    lp->count++;
}

void listpack_finish(listpack_writer *lp) {
    *lp_room(lp, 1) = PACKED_END;
    uint32_t total = (uint32_t)lp->len;
    uint16_t count = lp->count < UINT16_MAX ? (uint16_t)lp->count : UINT16_MAX;
    for (int i = 0; i < 4; i++)
        lp->buf[i] = (unsigned char)(total >> (8 * i));
    lp->buf[4] = (unsigned char)count;
    lp->buf[5] = (unsigned char)(count >> 8);
}
