#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "listpack.h"
#include "mem.h"
#include "packed_blobs.h"

/* Every element read back, forwards and backwards, equals what went in, and the blob passes
 * the checking reader (the layout is Redis's). */
static void assert_contents(unsigned char *lp, const char *const *want, size_t n) {
    packed_iter it;
    assert_int_equal(packed_count(&it, PACKED_LISTPACK, lp, lp_bytes(lp)), (long long)n);
    unsigned char *p = lp_first(lp);
    for (size_t i = 0; i < n; i++, p = lp_next(lp, p)) {
        char buf[LP_INT_BUF];
        size_t len;
        const char *s = lp_get(p, buf, &len);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(s, want[i], len);
    }
    assert_null(p);
    p = lp_last(lp);
    for (size_t i = n; i-- > 0; p = lp_prev(lp, p)) {
        char buf[LP_INT_BUF];
        size_t len;
        const char *s = lp_get(p, buf, &len);
        assert_int_equal(len, strlen(want[i]));
        assert_memory_equal(s, want[i], len);
    }
    assert_null(p);
}

static void test_listpack_appends_every_encoding(void **state) {
    (void)state;
    static char big[5000];
    memset(big, 'x', sizeof big - 1);
    const char *want[] = {"0",    "127",  "128",  "-4096", "4095",   "32767", "-8388608",
                          "2147483647", "-9223372036854775808", "007", "+1", "", "hello",
                          big};
    size_t n = sizeof want / sizeof want[0];
    unsigned char *lp = lp_new(0);
    for (size_t i = 0; i < n; i++)
        lp = lp_append(lp, want[i], strlen(want[i]));
    assert_contents(lp, want, n);
    /* "007" and "+1" are not canonical integers: they stay strings. */
    char buf[LP_INT_BUF];
    size_t len;
    unsigned char *p = lp_first(lp);
    for (int i = 0; i < 9; i++)
        p = lp_next(lp, p);
    assert_int_equal(*p >> 6, 2); /* 6-bit string */
    assert_memory_equal(lp_get(p, buf, &len), "007", 3);
    mem_free(lp);
}

static void test_listpack_replace_int_grows_and_shrinks(void **state) {
    (void)state;
    unsigned char *lp = lp_new(0);
    lp = lp_append_int(lp, 1);
    lp = lp_append(lp, "mid", 3);
    lp = lp_append_int(lp, 7);
    unsigned char *p = lp_first(lp);
    lp = lp_replace_int(lp, &p, 100000); /* 1 byte -> 4 bytes */
    assert_int_equal(lp_get_int(p), 100000);
    const char *want[] = {"100000", "mid", "7"};
    assert_contents(lp, want, 3);
    p = lp_first(lp);
    lp = lp_replace_int(lp, &p, 5);
    const char *again[] = {"5", "mid", "7"};
    assert_contents(lp, again, 3);
    p = lp_last(lp);
    lp = lp_replace_int(lp, &p, -1000000000000LL);
    const char *last[] = {"5", "mid", "-1000000000000"};
    assert_contents(lp, last, 3);
    mem_free(lp);
}

static void test_listpack_entry_size_matches_encoding(void **state) {
    (void)state;
    const char *samples[] = {"1", "-1", "300", "70000", "abc", "12345678901234567890"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        unsigned char out[64];
        size_t n = lp_encode(out, samples[i], strlen(samples[i]));
        assert_int_equal(n, lp_entry_size(samples[i], strlen(samples[i])));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listpack_appends_every_encoding),
        cmocka_unit_test(test_listpack_replace_int_grows_and_shrinks),
        cmocka_unit_test(test_listpack_entry_size_matches_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
