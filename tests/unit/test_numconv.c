#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <limits.h>
#include <string.h>

#include "numconv.h"

static int ll(const char *s, long long *v) { return str_to_ll(s, strlen(s), v); }

static void test_str_to_ll_accepts_redis_integers(void **state) {
    (void)state;
    long long v;
    assert_int_equal(ll("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(ll("-123", &v), 0);
    assert_int_equal(v, -123);
    assert_int_equal(ll("9223372036854775807", &v), 0);
    assert_true(v == LLONG_MAX);
    assert_int_equal(ll("-9223372036854775808", &v), 0);
    assert_true(v == LLONG_MIN);
}

static void test_str_to_ll_rejects_the_rest(void **state) {
    (void)state;
    long long v;
    const char *bad[] = {"", "-", "+1", " 1", "1 ", "01", "-0", "1.0", "9223372036854775808",
                         "-9223372036854775809", "99999999999999999999", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(ll(bad[i], &v), -1);
}

static void test_ll_to_str_round_trips(void **state) {
    (void)state;
    char buf[LL_STR_SIZE];
    long long values[] = {0, 1, -1, 10, LLONG_MAX, LLONG_MIN};
    for (size_t i = 0; i < 6; i++) {
        long long back;
        size_t n = ll_to_str(buf, values[i]);
        assert_int_equal(n, strlen(buf));
        assert_int_equal(str_to_ll(buf, n, &back), 0);
        assert_true(back == values[i]);
    }
}

static void test_ld_to_str_human_format(void **state) {
    (void)state;
    char buf[LD_STR_SIZE];
    ld_to_str(buf, 10.5L);
    assert_string_equal(buf, "10.5");
    ld_to_str(buf, 3.0L);
    assert_string_equal(buf, "3");
    ld_to_str(buf, -0.0L);
    assert_string_equal(buf, "0");
    ld_to_str(buf, 5.0e3L);
    assert_string_equal(buf, "5000");
    ld_to_str(buf, 1.0L / 0.0L);
    assert_string_equal(buf, "inf");
}

static void test_str_to_ld_rules(void **state) {
    (void)state;
    long double v;
    assert_int_equal(str_to_ld("1.5", 3, &v), 0);
    assert_true(v == 1.5L);
    assert_int_equal(str_to_ld("5.0e3", 5, &v), 0);
    assert_int_equal(str_to_ld(" 1", 2, &v), -1);
    assert_int_equal(str_to_ld("1x", 2, &v), -1);
    assert_int_equal(str_to_ld("nan", 3, &v), -1);
    assert_int_equal(str_to_ld("", 0, &v), -1);
}

static void test_floats_holding_a_nul_byte_are_refused(void **state) {
    (void)state;
    long double ld;
    double d;
    /* "1\02": strtod would stop at the NUL and read 1. */
    assert_int_equal(str_to_ld("1\0002", 3, &ld), -1);
    assert_int_equal(str_to_double("1\0002", 3, &d), -1);
    assert_int_equal(str_to_double("1\0", 2, &d), -1);
}

static void test_double_casts_as_x86_computes_them(void **state) {
    (void)state;
    assert_true(double_to_u64_x86(-5) == (uint64_t)-5);
    assert_true(double_to_u64_x86(1e30) == 0);
    assert_true(double_to_u64_x86(NAN) == 1ULL << 63);
    assert_true(double_to_u64_x86(-1e30) == 1ULL << 63);
    assert_true(double_to_u64_x86(1e19) == 10000000000000000000ULL);
    assert_true(double_to_u64_x86(INFINITY) == 0);
    assert_true(double_to_i64_x86(1e19) == INT64_MIN);
    assert_true(double_to_i64_x86(-9223372036854775808.0) == INT64_MIN);
    assert_true(double_to_i64_x86(-3.9) == -3);
    assert_true(double_to_i64_x86(NAN) == INT64_MIN);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str_to_ll_accepts_redis_integers),
        cmocka_unit_test(test_str_to_ll_rejects_the_rest),
        cmocka_unit_test(test_ll_to_str_round_trips),
        cmocka_unit_test(test_ld_to_str_human_format),
        cmocka_unit_test(test_str_to_ld_rules),
        cmocka_unit_test(test_floats_holding_a_nul_byte_are_refused),
        cmocka_unit_test(test_double_casts_as_x86_computes_them),
    };
    return cmocka_run_group_tests_name("numconv", tests, NULL, NULL);
}
