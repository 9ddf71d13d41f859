#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "packed_blobs.h"

/* Blobs are built by hand from the layouts in Redis's ziplist.c, listpack.c, intset.c and
 * zipmap.c, so that the readers are checked against the format, not against themselves. */
struct blob {
    unsigned char b[1024];
    size_t len;
};

static void put(struct blob *x, const void *p, size_t n) {
    memcpy(x->b + x->len, p, n);
    x->len += n;
}
static void put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* ---- listpack ---- */

static void lp_entry(struct blob *x, const unsigned char *enc, size_t n) {
    put(x, enc, n);
    unsigned char back = (unsigned char)n; /* every entry here is under 128 bytes */
    put(x, &back, 1);
}

static void lp_finish(struct blob *x, uint16_t count) {
    unsigned char end = 0xff;
    put(x, &end, 1);
    put_le32(x->b, (uint32_t)x->len);
    x->b[4] = (unsigned char)count;
    x->b[5] = (unsigned char)(count >> 8);
}

static struct blob listpack_of_every_encoding(void) {
    struct blob x = {.len = 6};
    lp_entry(&x, (const unsigned char[]){0x05}, 1);                   /* 7-bit 5 */
    lp_entry(&x, (const unsigned char[]){0x82, 'a', 'b'}, 3);         /* 6-bit "ab" */
    lp_entry(&x, (const unsigned char[]){0xdf, 0xff}, 2);             /* 13-bit -1 */
    lp_entry(&x, (const unsigned char[]){0xf1, 0xfe, 0xff}, 3);       /* int16 -2 */
    lp_entry(&x, (const unsigned char[]){0xf2, 0x56, 0x34, 0x12}, 4); /* int24 */
    lp_entry(&x, (const unsigned char[]){0xf3, 0, 0, 0, 0x80}, 5);    /* int32 min */
    lp_entry(&x, (const unsigned char[]){0xf4, 1, 0, 0, 0, 0, 0, 0, 0x80}, 9);
    unsigned char str12[2 + 70] = {0xe0, 70};
    memset(str12 + 2, 'z', 70);
    lp_entry(&x, str12, sizeof str12); /* 12-bit string length */
    lp_finish(&x, 8);
    return x;
}

static void test_listpack_reads_every_encoding(void **state) {
    (void)state;
    struct blob x = listpack_of_every_encoding();
    packed_iter it;
    packed_elem el;
    assert_int_equal(packed_iter_init(&it, PACKED_LISTPACK, x.b, x.len), 0);
    const long long ints[] = {5, 0, -1, -2, 0x123456, INT32_MIN, (long long)0x8000000000000001ULL};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(packed_iter_next(&it, &el), 1);
        if (i == 1) {
            assert_false(el.is_int);
            assert_int_equal(el.len, 2);
            assert_memory_equal(el.s, "ab", 2);
        } else {
            assert_true(el.is_int);
            assert_true(el.v == ints[i]);
        }
    }
    assert_int_equal(packed_iter_next(&it, &el), 1);
    assert_int_equal(el.len, 70);
    assert_int_equal(packed_iter_next(&it, &el), 0);
    assert_null(it.err);
}

static void test_listpack_damage_is_refused(void **state) {
    (void)state;
    struct blob good = listpack_of_every_encoding();
    packed_iter it;
    /* A wrong back length, a wrong count, a wrong total. */
    struct blob x = good;
    x.b[7] = 9;
    assert_int_equal(packed_count(&it, PACKED_LISTPACK, x.b, x.len), -1);
    assert_non_null(strstr(it.err, "back length"));
    x = good;
    x.b[4] = 9;
    assert_int_equal(packed_count(&it, PACKED_LISTPACK, x.b, x.len), -1);
    assert_non_null(strstr(it.err, "count"));
    x = good;
    x.b[0]++;
    assert_int_equal(packed_count(&it, PACKED_LISTPACK, x.b, x.len), -1);
    /* Every truncation, with the header patched to agree, is refused. */
    for (size_t cut = 0; cut < good.len - 1; cut++) {
        x = good;
        x.b[cut] = 0xff;
        x.len = cut + 1;
        if (cut >= 4) put_le32(x.b, (uint32_t)x.len);
        assert_int_equal(packed_count(&it, PACKED_LISTPACK, x.b, x.len), -1);
    }
}

/* ---- ziplist ---- */

static struct blob ziplist_of_every_encoding(void) {
    struct blob x = {.len = 10};
    size_t prev = 0, tail = 10;
    const unsigned char *entries[] = {
        (const unsigned char[]){0x02, 'a', 'b'},               /* 6-bit string */
        (const unsigned char[]){0xfe, 0xfb},                   /* int8 -5 */
        (const unsigned char[]){0xf8},                         /* immediate 7 */
        (const unsigned char[]){0xc0, 0xe8, 0x03},             /* int16 1000 */
        (const unsigned char[]){0xf0, 0xff, 0xff, 0xff},       /* int24 -1 */
        (const unsigned char[]){0xd0, 0x00, 0x00, 0x00, 0x80}, /* int32 min */
        (const unsigned char[]){0xe0, 2, 0, 0, 0, 0, 0, 0, 0}, /* int64 2 */
    };
    const size_t sizes[] = {3, 2, 1, 3, 4, 5, 9};
    for (int i = 0; i < 7; i++) {
        tail = x.len;
        unsigned char p = (unsigned char)prev;
        put(&x, &p, 1);
        put(&x, entries[i], sizes[i]);
        prev = sizes[i] + 1;
    }
    /* A 14-bit string length, with the 5-byte previous-length form. */
    tail = x.len;
    unsigned char big_prev[5] = {0xfe};
    put_le32(big_prev + 1, (uint32_t)prev);
    put(&x, big_prev, 5);
    unsigned char str14[2 + 100] = {0x40, 100};
    memset(str14 + 2, 'q', 100);
    put(&x, str14, sizeof str14);
    unsigned char end = 0xff;
    put(&x, &end, 1);
    put_le32(x.b, (uint32_t)x.len);
    put_le32(x.b + 4, (uint32_t)tail);
    x.b[8] = 8;
    x.b[9] = 0;
    return x;
}

static void test_ziplist_reads_every_encoding(void **state) {
    (void)state;
    struct blob x = ziplist_of_every_encoding();
    packed_iter it;
    packed_elem el;
    assert_int_equal(packed_iter_init(&it, PACKED_ZIPLIST, x.b, x.len), 0);
    assert_int_equal(packed_iter_next(&it, &el), 1);
    assert_false(el.is_int);
    assert_memory_equal(el.s, "ab", 2);
    const long long ints[] = {-5, 7, 1000, -1, INT32_MIN, 2};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(packed_iter_next(&it, &el), 1);
        assert_true(el.is_int);
        assert_true(el.v == ints[i]);
    }
    assert_int_equal(packed_iter_next(&it, &el), 1);
    assert_int_equal(el.len, 100);
    assert_int_equal(packed_iter_next(&it, &el), 0);
    char digits[24];
    size_t len;
    el.is_int = 1;
    el.v = -42;
    assert_memory_equal(packed_elem_bytes(&el, digits, &len), "-42", 3);
}

static void test_ziplist_damage_is_refused(void **state) {
    (void)state;
    struct blob good = ziplist_of_every_encoding();
    packed_iter it;
    struct blob x = good;
    x.b[14] = 7; /* the second entry's previous length */
    assert_int_equal(packed_count(&it, PACKED_ZIPLIST, x.b, x.len), -1);
    assert_non_null(strstr(it.err, "previous-entry"));
    x = good;
    x.b[4]++; /* tail offset */
    assert_int_equal(packed_count(&it, PACKED_ZIPLIST, x.b, x.len), -1);
    x = good;
    x.b[8] = 3; /* count */
    assert_int_equal(packed_count(&it, PACKED_ZIPLIST, x.b, x.len), -1);
    x = good;
    x.b[8] = 0xff, x.b[9] = 0xff; /* "unknown" count is fine */
    assert_int_equal(packed_count(&it, PACKED_ZIPLIST, x.b, x.len), 8);
    for (size_t cut = 0; cut < good.len - 1; cut++) {
        x = good;
        x.b[cut] = 0xff;
        x.len = cut + 1;
        if (cut >= 4) put_le32(x.b, (uint32_t)x.len);
        assert_int_equal(packed_count(&it, PACKED_ZIPLIST, x.b, x.len), -1);
    }
}

/* ---- intset and zipmap ---- */

static void test_intsets_must_ascend_and_match_their_size(void **state) {
    (void)state;
    unsigned char b[8 + 6] = {2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 5, 0, 0x2c, 0x01};
    packed_iter it;
    packed_elem el;
    assert_int_equal(packed_iter_init(&it, PACKED_INTSET, b, sizeof b), 0);
    const long long want[] = {-1, 5, 300};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(packed_iter_next(&it, &el), 1);
        assert_true(el.v == want[i]);
    }
    assert_int_equal(packed_iter_next(&it, &el), 0);
    b[10] = 0xfe, b[11] = 0xff; /* -2 after -1 */
    assert_int_equal(packed_count(&it, PACKED_INTSET, b, sizeof b), -1);
    assert_int_equal(packed_count(&it, PACKED_INTSET, b, sizeof b - 1), -1);
    b[0] = 3;
    assert_int_equal(packed_count(&it, PACKED_INTSET, b, sizeof b), -1);
}

static void test_zipmaps_give_keys_and_values_and_skip_free_space(void **state) {
    (void)state;
    const unsigned char b[] = {2, 1, 'a', 1, 0, 'x', 3, 'b', 'c', 'd', 2, 1, 'y', 'z', '!', 0xff};
    packed_iter it;
    packed_elem el;
    assert_int_equal(packed_iter_init(&it, PACKED_ZIPMAP, b, sizeof b), 0);
    const char *want[] = {"a", "x", "bcd", "yz"};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(packed_iter_next(&it, &el), 1);
        assert_int_equal(el.len, strlen(want[i]));
        assert_memory_equal(el.s, want[i], el.len);
    }
    assert_int_equal(packed_iter_next(&it, &el), 0);
    for (size_t cut = 1; cut < sizeof b - 1; cut++) {
        unsigned char x[sizeof b];
        memcpy(x, b, cut);
        x[cut] = 0xff;
        assert_int_equal(packed_count(&it, PACKED_ZIPMAP, x, cut + 1), -1);
    }
}

static void test_listpack_writer_output_reads_back_with_predicted_sizes(void **state) {
    (void)state;
    static const char *const values[] = {
        "0",     "127",   "128",      "-1",      "-4096",      "4095",
        "-4097", "32767", "-8388608", "8388608", "2147483648", "-9223372036854775808",
        "007",   "+1",    "",         "text"};
    char big[5000];
    memset(big, 'b', sizeof big);
    listpack_writer lp;
    listpack_init(&lp);
    size_t predicted = 6;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        listpack_append(&lp, values[i], strlen(values[i]));
        predicted += listpack_entry_size(values[i], strlen(values[i]));
    }
    listpack_append(&lp, big, 70);
    listpack_append(&lp, big, sizeof big);
    predicted += listpack_entry_size(big, 70) + listpack_entry_size(big, sizeof big);
    assert_int_equal(lp.len, predicted);
    listpack_finish(&lp);
    packed_iter it;
    packed_elem el;
    assert_int_equal(packed_iter_init(&it, PACKED_LISTPACK, lp.buf, lp.len), 0);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        assert_int_equal(packed_iter_next(&it, &el), 1);
        char digits[24];
        size_t len;
        const char *got = packed_elem_bytes(&el, digits, &len);
        assert_int_equal(len, strlen(values[i]));
        assert_memory_equal(got, values[i], len);
        /* Canonical integers, and only they, take an integer encoding. */
        assert_int_equal(el.is_int, i < 12);
    }
    assert_int_equal(packed_iter_next(&it, &el), 1);
    assert_int_equal(el.len, 70);
    assert_int_equal(packed_iter_next(&it, &el), 1);
    assert_int_equal(el.len, sizeof big);
    assert_int_equal(packed_iter_next(&it, &el), 0);
    mem_free(lp.buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listpack_reads_every_encoding),
        cmocka_unit_test(test_listpack_damage_is_refused),
        cmocka_unit_test(test_ziplist_reads_every_encoding),
        cmocka_unit_test(test_ziplist_damage_is_refused),
        cmocka_unit_test(test_intsets_must_ascend_and_match_their_size),
        cmocka_unit_test(test_zipmaps_give_keys_and_values_and_skip_free_space),
        cmocka_unit_test(test_listpack_writer_output_reads_back_with_predicted_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
