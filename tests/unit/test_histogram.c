#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "histogram.h"

/* Redis's command latency histograms: nanoseconds from 1 to 1 s, 2 significant digits. The
 * expected figures are HdrHistogram_c's (the copy Redis 7.0.15 embeds) for the same values. */
static histogram *recorded(void) {
    histogram *h = histogram_new(1, 1000000000, 2);
    for (int i = 0; i < 10; i++) histogram_record(h, 1000);
    for (int i = 0; i < 5; i++) histogram_record(h, 1500);
    histogram_record(h, 1000000);
    histogram_record(h, 1);
    histogram_record(h, 1);
    histogram_record(h, 1000000000);
    return h;
}

static void test_percentiles_are_hdr_histograms(void **state) {
    (void)state;
    histogram *h = recorded();
    assert_int_equal(histogram_total(h), 19);
    assert_int_equal(histogram_value_at_percentile(h, 0), 1);
    assert_int_equal(histogram_value_at_percentile(h, 50), 1003); /* INFO's p50=1.003 */
    assert_int_equal(histogram_value_at_percentile(h, 99), 1002438655);
    assert_int_equal(histogram_value_at_percentile(h, 100), 1002438655);
    assert_int_equal(histogram_value_at_percentile(h, 250), 1002438655);
    histogram_free(h);
}

static void test_log_steps_are_hdr_histograms(void **state) {
    (void)state;
    histogram *h = recorded();
    /* LATENCY HISTOGRAM's buckets: the steps where the count grows, in microseconds. */
    const int64_t want[][2] = {{1, 12}, {2, 17}, {1056, 18}, {1073741, 19}};
    size_t n = 0;
    int64_t previous = 0;
    histogram_log_iter it;
    histogram_log_iter_init(&it, h, 1024, 2);
    while (histogram_log_iter_next(&it)) {
        if (it.cumulative > previous) {
            assert_true(n < 4);
            assert_int_equal(it.highest_equivalent / 1000, want[n][0]);
            assert_int_equal(it.cumulative, want[n][1]);
            n++;
        }
        previous = it.cumulative;
    }
    assert_int_equal(n, 4);
    histogram_free(h);
}

static void test_values_out_of_range_are_clamped(void **state) {
    (void)state;
    histogram *h = histogram_new(1, 1000000000, 2);
    histogram_record(h, 0);
    histogram_record(h, -5);
    histogram_record(h, INT64_MAX);
    assert_int_equal(histogram_total(h), 3);
    assert_int_equal(histogram_value_at_percentile(h, 50), 1);
    assert_int_equal(histogram_value_at_percentile(h, 100), 1002438655);
    histogram_free(h);
}

static void test_empty_histogram(void **state) {
    (void)state;
    histogram *h = histogram_new(1, 1000000000, 2);
    assert_int_equal(histogram_value_at_percentile(h, 50), 0);
    histogram_log_iter it;
    histogram_log_iter_init(&it, h, 1024, 2);
    int64_t grew = 0;
    while (histogram_log_iter_next(&it)) grew += it.cumulative;
    assert_int_equal(grew, 0);
    assert_true(histogram_bytes(h) < 512); /* no slot stored yet */
    histogram_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentiles_are_hdr_histograms),
        cmocka_unit_test(test_log_steps_are_hdr_histograms),
        cmocka_unit_test(test_values_out_of_range_are_clamped),
        cmocka_unit_test(test_empty_histogram),
    };
    return cmocka_run_group_tests_name("test_histogram", tests, NULL, NULL);
}
