/* HyperLogLog in Redis's own representation, so that a string PFADD leaves is the string
 * redis-server leaves for the same input, and either server reads the other's:
 *   16-byte header: "HYLL", the encoding (0 dense, 1 sparse), 3 unused bytes, and the cached
 *   cardinality as 8 little-endian bytes whose top bit set means "stale";
 *   dense: 16384 registers of 6 bits, register i at bit i*6, least significant bits first;
 *   sparse: run-length opcodes, ZERO 00LLLLLL (1-64 zero registers), XZERO 01LLLLLL LLLLLLLL
 *   (1-16384 zero registers), VAL 1VVVVVLL (1-4 registers holding 1-32).
 * Elements hash with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, and
 * the run of zero bits above them, plus one, is the value offered to it. The estimate is Otmar
 * Ertl's improved estimator over the register histogram, as Redis 7.0 computes it. Knows
 * nothing of the server: the unit tests use it directly. */
#ifndef RILL_HYPERLOGLOG_H
#define RILL_HYPERLOGLOG_H

#include <stddef.h>
#include <stdint.h>

#define HLL_P 14
#define HLL_Q (64 - HLL_P)
#define HLL_REGISTERS (1 << HLL_P)
#define HLL_BITS 6
#define HLL_REGISTER_MAX ((1 << HLL_BITS) - 1)
#define HLL_HDR_SIZE 16
#define HLL_DENSE_SIZE (HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS + 7) / 8)
/* Histogram slots: register values are 0..63 in a dense HLL, whatever its contents. */
#define HLL_HISTOGRAM_SLOTS 64

enum hll_encoding { HLL_DENSE = 0, HLL_SPARSE = 1 };

/* An HLL string being edited. p is mem_alloc'd with cap bytes: a sparse HLL grows in place and
 * becomes dense in a new allocation. A dense HLL never changes size, so one may also be edited
 * where it lies, in memory the caller owns. */
typedef struct hll_buf {
    unsigned char *p;
    size_t len, cap;
} hll_buf;

uint64_t hll_murmur64a(const void *key, size_t len, uint32_t seed);
/* The register an element falls in, and the value (1..Q+1) it offers to it. */
int hll_pattern(const void *ele, size_t len, uint32_t *index);

/* 1 when the bytes carry an HLL header Redis accepts: the magic, a known encoding, and for
 * the dense encoding its exact size. (The sparse opcodes are checked as they are read.) */
int hll_header_ok(const unsigned char *p, size_t len);
static inline int hll_encoding_of(const unsigned char *p) { return p[4]; }

/* A new empty HLL, sparse (as Redis creates one). */
void hll_new(hll_buf *b);
/* Offers an element: 1 when a register grew, 0 when none did, -1 when the sparse opcodes are
 * corrupt. A sparse HLL becomes dense when a value passes 32 or when it would pass
 * sparse_max_bytes. Either way the cached cardinality is marked stale when something grew. */
int hll_add(hll_buf *b, const void *ele, size_t len, size_t sparse_max_bytes);
/* Raises one register to count (when it is lower): hll_add without the hash. */
int hll_raise(hll_buf *b, uint32_t index, uint8_t count, size_t sparse_max_bytes);
/* The dense form of a sparse HLL (the cached cardinality kept); 0, or -1 when corrupt. */
int hll_to_dense(hll_buf *b);

/* max[i] = MAX(max[i], register i); 0, or -1 when the sparse opcodes are corrupt. */
int hll_merge(uint8_t max[HLL_REGISTERS], const unsigned char *p, size_t len);
/* How many registers hold each value; 0, or -1 when the sparse opcodes are corrupt. */
int hll_histogram(const unsigned char *p, size_t len, int histo[HLL_HISTOGRAM_SLOTS]);
/* The same for registers of a byte each (PFCOUNT of several keys merges into those). */
void hll_raw_histogram(const uint8_t regs[HLL_REGISTERS], int histo[HLL_HISTOGRAM_SLOTS]);
/* The cardinality estimate for a register histogram. */
uint64_t hll_estimate(const int histo[HLL_HISTOGRAM_SLOTS]);

/* The cached cardinality in a header. */
int hll_cache_valid(const unsigned char *p);
uint64_t hll_cache_get(const unsigned char *p);
void hll_cache_set(unsigned char *p, uint64_t card);
void hll_cache_invalidate(unsigned char *p);

/* Dense registers. */
static inline unsigned hll_dense_get(const uint8_t *regs, uint32_t i) {
    size_t bit = (size_t)i * HLL_BITS, byte = bit >> 3;
    unsigned shift = bit & 7, v = regs[byte] >> shift;
    if (shift > 8 - HLL_BITS) v |= (unsigned)regs[byte + 1] << (8 - shift);
    return v & HLL_REGISTER_MAX;
}
static inline void hll_dense_put(uint8_t *regs, uint32_t i, unsigned v) {
    size_t bit = (size_t)i * HLL_BITS, byte = bit >> 3;
    unsigned shift = bit & 7;
    regs[byte] = (uint8_t)((regs[byte] & ~(HLL_REGISTER_MAX << shift)) | (v << shift));
    if (shift > 8 - HLL_BITS)
        regs[byte + 1] = (uint8_t)((regs[byte + 1] & ~(HLL_REGISTER_MAX >> (8 - shift))) |
                                   (v >> (8 - shift)));
}

/* One sparse opcode at p (before end): its kind ('z' ZERO, 'Z' XZERO, 'v' VAL), the register
 * value (0 for the zero runs), the run length. Returns its size, or 0 when it is cut short. */
size_t hll_sparse_opcode(const unsigned char *p, const unsigned char *end, char *kind,
                         unsigned *value, unsigned *run);

#endif
