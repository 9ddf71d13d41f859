/* A high-dynamic-range histogram with HdrHistogram's bucketing, so that percentiles and
 * cumulative buckets come out as Redis 7.0 prints them (LATENCY HISTOGRAM, INFO latencystats):
 * values from lowest to highest are counted in buckets whose width keeps the given number of
 * significant decimal digits. Values outside the range are clamped into it. */
#ifndef RILL_HISTOGRAM_H
#define RILL_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct histogram histogram;

/* lowest >= 1, highest >= 2 * lowest, 1 <= digits <= 5. */
histogram *histogram_new(int64_t lowest, int64_t highest, int digits);
void histogram_free(histogram *h);
/* Bytes the histogram holds. */
size_t histogram_bytes(const histogram *h);
void histogram_record(histogram *h, int64_t value);
int64_t histogram_total(const histogram *h);
/* HdrHistogram's hdr_value_at_percentile: the highest value equivalent to the one at which
 * the percentile (0 to 100) of the recorded values is reached (the lowest, for 0). */
int64_t histogram_value_at_percentile(const histogram *h, double percentile);

/* HdrHistogram's logarithmic iteration (hdr_iter_log_init): steps at first, first * base,
 * first * base^2, ...; each step gives the highest value equivalent to the bucket the walk
 * stands on and the count of values up to it. */
typedef struct histogram_log_iter {
    const histogram *h;
    int32_t index;
    int64_t cumulative, value, highest_equivalent;
    int64_t level, level_lowest, base;
} histogram_log_iter;
void histogram_log_iter_init(histogram_log_iter *it, const histogram *h, int64_t first, int64_t base);
/* 1 with it->highest_equivalent and it->cumulative set, 0 at the end. */
int histogram_log_iter_next(histogram_log_iter *it);

#endif
