/* HyperLogLog registers, the sparse opcodes and the estimator. The sparse edits follow the
 * steps of Redis 7.0's hyperloglog.c (split the opcode holding the register, then merge equal
 * neighbouring VAL opcodes in a window of five), because the bytes they leave are visible to
 * GET, DUMP and replication. */
#include "values/hyperloglog.h"

#include <endian.h>
#include <math.h>
#include <string.h>

#include "mem.h"

#define HLL_SEED 0xadc83b19u
#define SPARSE_VAL_MAX_VALUE 32
#define SPARSE_VAL_MAX_LEN 4
#define SPARSE_ZERO_MAX_LEN 64
#define SPARSE_XZERO_MAX_LEN 16384
/* A sparse edit replaces one opcode by at most five bytes (XZERO VAL XZERO): 3 more. */
#define SPARSE_EDIT_GROWTH 3
#define HLL_ALPHA_INF 0.721347520444481703680 /* 0.5 / ln(2) */

#define OP_IS_ZERO(b) (((b)&0xc0) == 0)
#define OP_IS_XZERO(b) (((b)&0xc0) == 0x40)
#define OP_IS_VAL(b) ((b)&0x80)
#define VAL_VALUE(b) ((((b) >> 2) & 0x1f) + 1)
#define VAL_LEN(b) (((b)&0x3) + 1)

static inline uint8_t val_op(unsigned value, unsigned len) {
    return (uint8_t)(0x80 | (value - 1) << 2 | (len - 1));
}

/* Writes a ZERO or, past 64 registers, an XZERO run; returns its size. */
static size_t put_zero_run(uint8_t *p, unsigned len) {
    if (len > SPARSE_ZERO_MAX_LEN) {
        p[0] = (uint8_t)(0x40 | (len - 1) >> 8);
        p[1] = (uint8_t)((len - 1) & 0xff);
        return 2;
    }
    p[0] = (uint8_t)(len - 1);
    return 1;
}

uint64_t hll_murmur64a(const void *key, size_t len, uint32_t seed) {
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const int r = 47;
    uint64_t h = seed ^ (len * m);
    const uint8_t *data = key, *end = data + (len - (len & 7));
    for (; data != end; data += 8) {
        uint64_t k;
        memcpy(&k, data, 8);
        k = le64toh(k);
        k *= m;
        k ^= k >> r;
        k *= m;
        h ^= k;
        h *= m;
    }
    switch (len & 7) {
    case 7: h ^= (uint64_t)data[6] << 48; /* fall through */
    case 6: h ^= (uint64_t)data[5] << 40; /* fall through */
    case 5: h ^= (uint64_t)data[4] << 32; /* fall through */
    case 4: h ^= (uint64_t)data[3] << 24; /* fall through */
    case 3: h ^= (uint64_t)data[2] << 16; /* fall through */
    case 2: h ^= (uint64_t)data[1] << 8;  /* fall through */
    case 1:
        h ^= (uint64_t)data[0];
        h *= m;
    }
    h ^= h >> r;
    h *= m;
    h ^= h >> r;
    return h;
}

int hll_pattern(const void *ele, size_t len, uint32_t *index) {
    uint64_t hash = hll_murmur64a(ele, len, HLL_SEED);
    *index = (uint32_t)(hash & (HLL_REGISTERS - 1));
    /* The bit past the top keeps the count within Q + 1. */
    hash = (hash >> HLL_P) | (1ULL << HLL_Q);
    return __builtin_ctzll(hash) + 1;
}

int hll_header_ok(const unsigned char *p, size_t len) {
    if (len < HLL_HDR_SIZE || memcmp(p, "HYLL", 4) != 0) return 0;
    if (p[4] == HLL_DENSE) return len == HLL_DENSE_SIZE;
    return p[4] == HLL_SPARSE;
}

int hll_cache_valid(const unsigned char *p) { return (p[15] & 0x80) == 0; }

uint64_t hll_cache_get(const unsigned char *p) {
    uint64_t card;
    memcpy(&card, p + 8, 8);
    return le64toh(card);
}

void hll_cache_set(unsigned char *p, uint64_t card) {
    card = htole64(card);
    memcpy(p + 8, &card, 8);
}

void hll_cache_invalidate(unsigned char *p) { p[15] |= 0x80; }

size_t hll_sparse_opcode(const unsigned char *p, const unsigned char *end, char *kind,
                         unsigned *value, unsigned *run) {
    unsigned char b = *p;
    if (OP_IS_ZERO(b)) {
        *kind = 'z';
        *value = 0;
        *run = (b & 0x3f) + 1u;
        return 1;
    }
    if (OP_IS_VAL(b)) {
        *kind = 'v';
        *value = VAL_VALUE(b);
        *run = VAL_LEN(b);
        return 1;
    }
    if (end - p < 2) return 0;
    *kind = 'Z';
    *value = 0;
    *run = ((unsigned)(b & 0x3f) << 8 | p[1]) + 1;
    return 2;
}

void hll_new(hll_buf *b) {
    size_t len = HLL_HDR_SIZE + 2 * ((HLL_REGISTERS + SPARSE_XZERO_MAX_LEN - 1) / SPARSE_XZERO_MAX_LEN);
    b->p = mem_calloc(1, len);
    b->len = b->cap = len;
    memcpy(b->p, "HYLL", 4);
    b->p[4] = HLL_SPARSE;
    unsigned char *op = b->p + HLL_HDR_SIZE;
    for (unsigned left = HLL_REGISTERS; left;) {
        unsigned run = left < SPARSE_XZERO_MAX_LEN ? left : SPARSE_XZERO_MAX_LEN;
        op[0] = (uint8_t)(0x40 | (run - 1) >> 8);
        op[1] = (uint8_t)((run - 1) & 0xff);
        op += 2;
        left -= run;
    }
}

/* Calls fn(ctx, first, run, value) for each run of a sparse HLL; 0 when the runs cover the
 * registers exactly, -1 otherwise. A VAL run past the last register stops the walk. */
typedef void run_fn(void *ctx, uint32_t first, unsigned run, unsigned value);

static int sparse_walk(const unsigned char *p, size_t len, run_fn *fn, void *ctx) {
    const unsigned char *op = p + HLL_HDR_SIZE, *end = p + len;
    size_t index = 0;
    while (op < end) {
        char kind;
        unsigned value, run;
        size_t size = hll_sparse_opcode(op, end, &kind, &value, &run);
        if (size == 0 || index + run > HLL_REGISTERS) return -1;
        if (value) fn(ctx, (uint32_t)index, run, value);
        index += run;
        op += size;
    }
    return index == HLL_REGISTERS ? 0 : -1;
}

static void run_to_dense(void *ctx, uint32_t first, unsigned run, unsigned value) {
    for (unsigned i = 0; i < run; i++) hll_dense_put(ctx, first + i, value);
}

int hll_to_dense(hll_buf *b) {
    if (b->p[4] == HLL_DENSE) return 0;
    unsigned char *dense = mem_calloc(1, HLL_DENSE_SIZE);
    memcpy(dense, b->p, HLL_HDR_SIZE); /* the magic and the cached cardinality */
    dense[4] = HLL_DENSE;
    if (sparse_walk(b->p, b->len, run_to_dense, dense + HLL_HDR_SIZE) != 0) {
        mem_free(dense);
        return -1;
    }
    mem_free(b->p);
    b->p = dense;
    b->len = b->cap = HLL_DENSE_SIZE;
    return 0;
}

static int dense_raise(uint8_t *regs, uint32_t index, unsigned count) {
    if (hll_dense_get(regs, index) >= count) return 0;
    hll_dense_put(regs, index, count);
    return 1;
}

/* Merges VAL opcodes of equal value whose runs fit one opcode, in the five opcodes from op. */
static void sparse_merge_neighbours(hll_buf *b, unsigned char *op) {
    unsigned char *end = b->p + b->len;
    for (int window = 5; op < end && window-- > 0;) {
        if (OP_IS_XZERO(*op)) {
            op += 2;
            continue;
        }
        if (OP_IS_ZERO(*op)) {
            op++;
            continue;
        }
        if (op + 1 < end && OP_IS_VAL(op[1]) && VAL_VALUE(op[0]) == VAL_VALUE(op[1])) {
            unsigned run = VAL_LEN(op[0]) + VAL_LEN(op[1]);
            if (run <= SPARSE_VAL_MAX_LEN) {
                op[1] = val_op(VAL_VALUE(op[0]), run);
                memmove(op, op + 1, (size_t)(end - op - 1));
                b->len--;
                end--;
                continue; /* the merged opcode may merge with the next one too */
            }
        }
        op++;
    }
}

static int promote_and_raise(hll_buf *b, uint32_t index, unsigned count) {
    if (hll_to_dense(b) != 0) return -1;
    dense_raise(b->p + HLL_HDR_SIZE, index, count);
    hll_cache_invalidate(b->p);
    return 1;
}

static int sparse_raise(hll_buf *b, uint32_t index, unsigned count, size_t sparse_max_bytes) {
    if (count > SPARSE_VAL_MAX_VALUE) return promote_and_raise(b, index, count);
    if (b->cap < b->len + SPARSE_EDIT_GROWTH) {
        b->cap = b->len + SPARSE_EDIT_GROWTH + b->len / 2;
        b->p = mem_realloc(b->p, b->cap);
    }
    /* Find the opcode covering the register. */
    unsigned char *sparse = b->p + HLL_HDR_SIZE, *end = b->p + b->len, *op = sparse, *prev = NULL;
    size_t first = 0, size = 0;
    char kind = 0;
    unsigned value = 0, run = 0;
    while (op < end) {
        size = hll_sparse_opcode(op, end, &kind, &value, &run);
        if (size == 0) return -1;
        if (index < first + run) break;
        prev = op;
        op += size;
        first += run;
    }
    if (op >= end) return -1;
    unsigned char *next = op + size < end ? op + size : NULL;

    if (kind == 'v') {
        if (value >= count) return 0;
        if (run == 1) {
            *op = val_op(count, 1);
            goto updated;
        }
    } else if (kind == 'z' && run == 1) {
        *op = val_op(count, 1);
        goto updated;
    }

    /* Split the opcode around the register: at most XZERO VAL XZERO. */
    uint8_t seq[5];
    size_t seqlen = 0;
    unsigned before = (unsigned)(index - first), after = (unsigned)(first + run - 1 - index);
    if (kind == 'v') {
        if (before) seq[seqlen++] = val_op(value, before);
        seq[seqlen++] = val_op(count, 1);
        if (after) seq[seqlen++] = val_op(value, after);
    } else {
        if (before) seqlen += put_zero_run(seq + seqlen, before);
        seq[seqlen++] = val_op(count, 1);
        if (after) seqlen += put_zero_run(seq + seqlen, after);
    }
    long delta = (long)seqlen - (long)size;
    if (delta > 0 && b->len + (size_t)delta > sparse_max_bytes)
        return promote_and_raise(b, index, count);
    if (delta && next) memmove(next + delta, next, (size_t)(end - next));
    b->len = (size_t)((long)b->len + delta);
    memcpy(op, seq, seqlen);

updated:
    sparse_merge_neighbours(b, prev ? prev : sparse);
    hll_cache_invalidate(b->p);
    return 1;
}

int hll_raise(hll_buf *b, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
    if (b->p[4] == HLL_SPARSE) return sparse_raise(b, index, count, sparse_max_bytes);
    if (!dense_raise(b->p + HLL_HDR_SIZE, index, count)) return 0;
    hll_cache_invalidate(b->p);
    return 1;
}

int hll_add(hll_buf *b, const void *ele, size_t len, size_t sparse_max_bytes) {
    uint32_t index;
    int count = hll_pattern(ele, len, &index);
    return hll_raise(b, index, (uint8_t)count, sparse_max_bytes);
}

static void run_to_max(void *ctx, uint32_t first, unsigned run, unsigned value) {
    uint8_t *max = ctx;
    for (unsigned i = 0; i < run; i++)
        if (value > max[first + i]) max[first + i] = (uint8_t)value;
}

/* The dense registers as a byte each: four registers in every three bytes. */
static void dense_unpack(const uint8_t *r, uint8_t out[HLL_REGISTERS]) {
    for (int i = 0; i < HLL_REGISTERS; i += 4, r += 3) {
        out[i] = r[0] & 63;
        out[i + 1] = (uint8_t)((r[0] >> 6 | r[1] << 2) & 63);
        out[i + 2] = (uint8_t)((r[1] >> 4 | r[2] << 4) & 63);
        out[i + 3] = r[2] >> 2;
    }
}

int hll_merge(uint8_t max[HLL_REGISTERS], const unsigned char *p, size_t len) {
    if (p[4] == HLL_SPARSE) return sparse_walk(p, len, run_to_max, max);
    uint8_t regs[HLL_REGISTERS];
    dense_unpack(p + HLL_HDR_SIZE, regs);
    for (int i = 0; i < HLL_REGISTERS; i++) max[i] = regs[i] > max[i] ? regs[i] : max[i];
    return 0;
}

static void run_to_histogram(void *ctx, uint32_t first, unsigned run, unsigned value) {
    (void)first;
    ((int *)ctx)[value] += (int)run;
}

int hll_histogram(const unsigned char *p, size_t len, int histo[HLL_HISTOGRAM_SLOTS]) {
    memset(histo, 0, HLL_HISTOGRAM_SLOTS * sizeof(int));
    if (p[4] == HLL_SPARSE) {
        if (sparse_walk(p, len, run_to_histogram, histo) != 0) return -1;
        histo[0] = HLL_REGISTERS;
        for (int v = 1; v < HLL_HISTOGRAM_SLOTS; v++) histo[0] -= histo[v];
        return 0;
    }
    uint8_t regs[HLL_REGISTERS];
    dense_unpack(p + HLL_HDR_SIZE, regs);
    hll_raw_histogram(regs, histo);
    return 0;
}

void hll_raw_histogram(const uint8_t regs[HLL_REGISTERS], int histo[HLL_HISTOGRAM_SLOTS]) {
    /* Four partial histograms: neighbouring registers mostly hold the same value, and one
     * counter bumped over and over waits on itself. */
    int part[4][HLL_HISTOGRAM_SLOTS] = {{0}};
    for (int i = 0; i < HLL_REGISTERS; i += 4) {
        part[0][regs[i] & 63]++;
        part[1][regs[i + 1] & 63]++;
        part[2][regs[i + 2] & 63]++;
        part[3][regs[i + 3] & 63]++;
    }
    for (int v = 0; v < HLL_HISTOGRAM_SLOTS; v++)
        histo[v] = part[0][v] + part[1][v] + part[2][v] + part[3][v];
}

/* sigma and tau of "New cardinality estimation algorithms for HyperLogLog sketches" (Otmar
 * Ertl, arXiv:1702.01284), iterated to a fixed point as Redis does. */
static double hll_sigma(double x) {
    if (x == 1.) return INFINITY;
    double z = x, y = 1, previous;
    do {
        x *= x;
        previous = z;
        z += x * y;
        y += y;
    } while (previous != z);
    return z;
}

static double hll_tau(double x) {
    if (x == 0. || x == 1.) return 0.;
    double z = 1 - x, y = 1.0, previous;
    do {
        x = sqrt(x);
        previous = z;
        y *= 0.5;
        z -= pow(1 - x, 2) * y;
    } while (previous != z);
    return z / 3;
}

uint64_t hll_estimate(const int histo[HLL_HISTOGRAM_SLOTS]) {
    double m = HLL_REGISTERS;
    double z = m * hll_tau((m - histo[HLL_Q + 1]) / m);
    for (int j = HLL_Q; j >= 1; --j) {
        z += histo[j];
        z *= 0.5;
    }
    z += m * hll_sigma(histo[0] / m);
    return (uint64_t)llroundl(HLL_ALPHA_INF * m * m / z);
}
