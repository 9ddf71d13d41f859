#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/hyperloglog.h"

/* The expected bytes below follow the layout in Redis's hyperloglog.c, worked by hand. */

static void test_elements_land_where_redis_puts_them(void **state) {
    (void)state;
    /* Registers redis-server 7.0 sets for these elements (PFADD then PFDEBUG GETREG). */
    uint32_t index;
    assert_int_equal(hll_pattern("hello", 5, &index), 1);
    assert_int_equal(index, 9216);
    assert_int_equal(hll_pattern("abcdefghi", 9, &index), 1);
    assert_int_equal(index, 6903);
    /* The empty string hashes to 0 with seed 0: nothing mixes in. */
    assert_true(hll_murmur64a("", 0, 0) == 0);
}

static void test_a_new_hll_is_sparse_with_one_xzero(void **state) {
    (void)state;
    hll_buf b;
    hll_new(&b);
    assert_int_equal(b.len, HLL_HDR_SIZE + 2);
    assert_memory_equal(b.p, "HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18);
    assert_true(hll_header_ok(b.p, b.len));
    int histo[HLL_HISTOGRAM_SLOTS];
    assert_int_equal(hll_histogram(b.p, b.len, histo), 0);
    assert_int_equal(histo[0], HLL_REGISTERS);
    assert_true(hll_estimate(histo) == 0);
    mem_free(b.p);
}

static void test_sparse_edits_split_and_merge_opcodes(void **state) {
    (void)state;
    hll_buf b;
    hll_new(&b);
    /* Register 100 to 3: XZERO(100) VAL(3,1) XZERO(16283). */
    assert_int_equal(hll_raise(&b, 100, 3, 3000), 1);
    assert_int_equal(b.len, HLL_HDR_SIZE + 5);
    assert_memory_equal(b.p + HLL_HDR_SIZE, "\x40\x63\x88\x7f\x9a", 5);
    assert_false(hll_cache_valid(b.p));
    /* Lower or equal values change nothing. */
    assert_int_equal(hll_raise(&b, 100, 2, 3000), 0);
    assert_int_equal(hll_raise(&b, 100, 3, 3000), 0);
    /* Register 101 to 3 merges into VAL(3,2). */
    assert_int_equal(hll_raise(&b, 101, 3, 3000), 1);
    assert_memory_equal(b.p + HLL_HDR_SIZE, "\x40\x63\x89\x7f\x99", 5);
    /* Register 0 splits XZERO(100) into VAL(1,1) XZERO(99): past 64, a zero run is an XZERO. */
    assert_int_equal(hll_raise(&b, 0, 1, 3000), 1);
    assert_int_equal(b.len, HLL_HDR_SIZE + 6);
    assert_memory_equal(b.p + HLL_HDR_SIZE, "\x80\x40\x62\x89\x7f\x99", 6);
    /* Register 2 splits XZERO(99) into ZERO(1) VAL(2,1) XZERO(97). */
    assert_int_equal(hll_raise(&b, 2, 2, 3000), 1);
    assert_memory_equal(b.p + HLL_HDR_SIZE, "\x80\x00\x84\x40\x60\x89\x7f\x99", 8);
    int histo[HLL_HISTOGRAM_SLOTS];
    assert_int_equal(hll_histogram(b.p, b.len, histo), 0);
    assert_int_equal(histo[0], HLL_REGISTERS - 4);
    assert_int_equal(histo[1], 1);
    assert_int_equal(histo[2], 1);
    assert_int_equal(histo[3], 2);
    mem_free(b.p);
}

static void test_sparse_becomes_dense_past_32_or_the_size_limit(void **state) {
    (void)state;
    hll_buf b;
    hll_new(&b);
    assert_int_equal(hll_raise(&b, 7, 5, 3000), 1);
    assert_int_equal(hll_raise(&b, 9000, 33, 3000), 1);
    assert_int_equal(hll_encoding_of(b.p), HLL_DENSE);
    assert_int_equal(b.len, HLL_DENSE_SIZE);
    assert_int_equal(hll_dense_get(b.p + HLL_HDR_SIZE, 7), 5);
    assert_int_equal(hll_dense_get(b.p + HLL_HDR_SIZE, 9000), 33);
    mem_free(b.p);

    /* A limit of 20 bytes leaves room for one split only. */
    hll_new(&b);
    assert_int_equal(hll_raise(&b, 100, 1, 21), 1);
    assert_int_equal(hll_encoding_of(b.p), HLL_SPARSE);
    assert_int_equal(hll_raise(&b, 5000, 1, 21), 1);
    assert_int_equal(hll_encoding_of(b.p), HLL_DENSE);
    assert_int_equal(hll_dense_get(b.p + HLL_HDR_SIZE, 100), 1);
    assert_int_equal(hll_dense_get(b.p + HLL_HDR_SIZE, 5000), 1);
    mem_free(b.p);
}

static void test_sparse_and_dense_give_the_same_estimate(void **state) {
    (void)state;
    hll_buf sparse, dense;
    hll_new(&sparse);
    hll_new(&dense);
    assert_int_equal(hll_to_dense(&dense), 0);
    for (uint64_t i = 0; i < 2000; i++) {
        hll_add(&sparse, &i, sizeof i, 1u << 20);
        hll_add(&dense, &i, sizeof i, 1u << 20);
    }
    assert_int_equal(hll_encoding_of(sparse.p), HLL_SPARSE);
    int hs[HLL_HISTOGRAM_SLOTS], hd[HLL_HISTOGRAM_SLOTS];
    assert_int_equal(hll_histogram(sparse.p, sparse.len, hs), 0);
    assert_int_equal(hll_histogram(dense.p, dense.len, hd), 0);
    assert_memory_equal(hs, hd, sizeof hs);
    uint64_t estimate = hll_estimate(hs);
    assert_true(estimate > 1900 && estimate < 2100);
    /* Merging either into byte registers gives the same histogram again. */
    uint8_t *max = calloc(1, HLL_REGISTERS);
    assert_int_equal(hll_merge(max, sparse.p, sparse.len), 0);
    assert_int_equal(hll_merge(max, dense.p, dense.len), 0);
    int hr[HLL_HISTOGRAM_SLOTS];
    hll_raw_histogram(max, hr);
    assert_memory_equal(hr, hd, sizeof hr);
    /* And the dense form of the sparse one is the dense one, byte for byte. */
    assert_int_equal(hll_to_dense(&sparse), 0);
    assert_memory_equal(sparse.p + HLL_HDR_SIZE, dense.p + HLL_HDR_SIZE,
                        HLL_DENSE_SIZE - HLL_HDR_SIZE);
    free(max);
    mem_free(sparse.p);
    mem_free(dense.p);
}

static void test_dense_registers_do_not_disturb_neighbours(void **state) {
    (void)state;
    uint8_t *regs = calloc(1, HLL_DENSE_SIZE - HLL_HDR_SIZE);
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) hll_dense_put(regs, i, (i * 7 + 3) & 63);
    for (uint32_t i = 0; i < HLL_REGISTERS; i++) assert_int_equal(hll_dense_get(regs, i), (i * 7 + 3) & 63);
    hll_dense_put(regs, HLL_REGISTERS - 1, 63);
    assert_int_equal(hll_dense_get(regs, HLL_REGISTERS - 2), ((HLL_REGISTERS - 2) * 7 + 3) & 63);
    free(regs);
}

static void test_corrupt_sparse_opcodes_are_reported(void **state) {
    (void)state;
    unsigned char p[HLL_HDR_SIZE + 4] = "HYLL\x01";
    int histo[HLL_HISTOGRAM_SLOTS];
    uint8_t *max = calloc(1, HLL_REGISTERS);
    /* Too few registers: one XZERO of 16383. */
    p[16] = 0x7f;
    p[17] = 0xfe;
    assert_int_equal(hll_histogram(p, 18, histo), -1);
    assert_int_equal(hll_merge(max, p, 18), -1);
    /* Too many: 16384 then one more. */
    p[17] = 0xff;
    p[18] = 0x00;
    assert_int_equal(hll_histogram(p, 19, histo), -1);
    /* An XZERO cut short. */
    assert_int_equal(hll_histogram(p, 17, histo), -1);
    hll_buf b = {mem_alloc(19), 19, 19};
    memcpy(b.p, p, 19);
    assert_int_equal(hll_to_dense(&b), -1);
    assert_int_equal(hll_encoding_of(b.p), HLL_SPARSE);
    /* Raising a register past the end of the runs is refused too. */
    b.len = 16;
    assert_int_equal(hll_raise(&b, 3, 1, 3000), -1);
    mem_free(b.p);
    free(max);
    /* Headers: magic, encoding, dense size. */
    assert_false(hll_header_ok((const unsigned char *)"HYLX\x01\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_false(hll_header_ok((const unsigned char *)"HYLL\x02\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_false(hll_header_ok((const unsigned char *)"HYLL\x00\0\0\0\0\0\0\0\0\0\0\0", 16));
    assert_false(hll_header_ok((const unsigned char *)"HYLL", 4));
}

static void test_cache_field_is_little_endian_with_a_stale_bit(void **state) {
    (void)state;
    unsigned char p[HLL_HDR_SIZE] = "HYLL";
    hll_cache_set(p, 0x0102030405060708ULL);
    assert_memory_equal(p + 8, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    assert_true(hll_cache_valid(p));
    assert_true(hll_cache_get(p) == 0x0102030405060708ULL);
    hll_cache_invalidate(p);
    assert_false(hll_cache_valid(p));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elements_land_where_redis_puts_them),
        cmocka_unit_test(test_a_new_hll_is_sparse_with_one_xzero),
        cmocka_unit_test(test_sparse_edits_split_and_merge_opcodes),
        cmocka_unit_test(test_sparse_becomes_dense_past_32_or_the_size_limit),
        cmocka_unit_test(test_sparse_and_dense_give_the_same_estimate),
        cmocka_unit_test(test_dense_registers_do_not_disturb_neighbours),
        cmocka_unit_test(test_corrupt_sparse_opcodes_are_reported),
        cmocka_unit_test(test_cache_field_is_little_endian_with_a_stale_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
