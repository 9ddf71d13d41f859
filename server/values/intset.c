#include "values/intset.h"

#include <string.h>

#include "mem.h"

uint32_t intset_width_for(long long v) {
    if (v >= INT16_MIN && v <= INT16_MAX) return 2;
    if (v >= INT32_MIN && v <= INT32_MAX) return 4;
    return 8;
}

static long long get_at(const unsigned char *data, uint32_t width, size_t i) {
    if (width == 2) {
        int16_t v;
        memcpy(&v, data + i * 2, 2);
        return v;
    }
    if (width == 4) {
        int32_t v;
        memcpy(&v, data + i * 4, 4);
        return v;
    }
    int64_t v;
    memcpy(&v, data + i * 8, 8);
    return v;
}

static void set_at(unsigned char *data, uint32_t width, size_t i, long long v) {
    if (width == 2) {
        int16_t x = (int16_t)v;
        memcpy(data + i * 2, &x, 2);
    } else if (width == 4) {
        int32_t x = (int32_t)v;
        memcpy(data + i * 4, &x, 4);
    } else {
        int64_t x = v;
        memcpy(data + i * 8, &x, 8);
    }
}

intset *intset_new(void) {
    intset *is = mem_alloc(sizeof *is);
    is->width = 2;
    is->count = 0;
    return is;
}

intset *intset_dup(const intset *is) {
    size_t size = sizeof *is + (size_t)is->count * is->width;
    intset *n = mem_alloc(size);
    memcpy(n, is, size);
    return n;
}

void intset_free(intset *is) { mem_free(is); }

size_t intset_bytes(const intset *is) { return mem_usable(is); }

long long intset_get(const intset *is, size_t index) { return get_at(is->data, is->width, index); }

int intset_find(const intset *is, long long v, size_t *index) {
    size_t lo = 0, hi = is->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        long long m = get_at(is->data, is->width, mid);
        if (m == v) {
            *index = mid;
            return 1;
        }
        if (m < v) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *index = lo;
    return 0;
}

/* Rewrites every member in a wider width. */
static intset *widen(intset *is, uint32_t width) {
    is = mem_realloc(is, sizeof *is + (size_t)is->count * width);
    for (size_t i = is->count; i-- > 0;) set_at(is->data, width, i, get_at(is->data, is->width, i));
    is->width = width;
    return is;
}

intset *intset_add(intset *is, long long v, int *added) {
    size_t index;
    *added = 0;
    if (intset_width_for(v) <= is->width && intset_find(is, v, &index)) return is;
    if (intset_width_for(v) > is->width) {
        /* A value too wide for the others is beyond all of them: first or last. */
        is = widen(is, intset_width_for(v));
        index = v < 0 ? 0 : is->count;
    }
    is = mem_realloc(is, sizeof *is + ((size_t)is->count + 1) * is->width);
    memmove(is->data + (index + 1) * is->width, is->data + index * is->width,
            (is->count - index) * is->width);
    set_at(is->data, is->width, index, v);
    is->count++;
    *added = 1;
    return is;
}

intset *intset_remove(intset *is, long long v, int *removed) {
    size_t index;
    *removed = 0;
    if (intset_width_for(v) > is->width || !intset_find(is, v, &index)) return is;
    memmove(is->data + index * is->width, is->data + (index + 1) * is->width,
            (is->count - index - 1) * is->width);
    is->count--;
    *removed = 1;
    return mem_realloc(is, sizeof *is + (size_t)is->count * is->width);
}
