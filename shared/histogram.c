#include "histogram.h"

#include <math.h>
#include <stdint.h>

#include "mem.h"

/* The layout of HdrHistogram: buckets of sub_bucket_count slots, each bucket twice as wide
 * per slot as the one before it, the lower half of every bucket but the first overlapping
 * the one before (so it is not stored). The slots are stored in chunks of half a bucket,
 * each allocated when a value first falls in it: a command's latencies touch a few of them
 * (a few KB), where the whole table of Redis's histograms takes 24 KB. */
struct histogram {
    int64_t lowest, highest, total;
    int32_t unit_magnitude, half_count_magnitude, half_count, sub_bucket_count;
    int64_t sub_bucket_mask;
    int32_t bucket_count, counts_len, nchunks, chunks_allocated;
    int64_t *chunks[];
};

static int64_t count_at(const histogram *h, int32_t index) {
    const int64_t *chunk = h->chunks[index >> h->half_count_magnitude];
    return chunk ? chunk[index & (h->half_count - 1)] : 0;
}

static int32_t bucket_index(const histogram *h, int64_t value) {
    int32_t pow2ceiling = 64 - __builtin_clzll((uint64_t)(value | h->sub_bucket_mask));
    return pow2ceiling - h->unit_magnitude - (h->half_count_magnitude + 1);
}

static int32_t sub_bucket_index(const histogram *h, int64_t value, int32_t bucket) {
    return (int32_t)(value >> (bucket + h->unit_magnitude));
}

static int32_t counts_index_for(const histogram *h, int64_t value) {
    int32_t b = bucket_index(h, value), sb = sub_bucket_index(h, value, b);
    return ((b + 1) << h->half_count_magnitude) + (sb - h->half_count);
}

static int64_t value_at_index(const histogram *h, int32_t index) {
    int32_t b = (index >> h->half_count_magnitude) - 1;
    int32_t sb = (index & (h->half_count - 1)) + h->half_count;
    if (b < 0) {
        sb -= h->half_count;
        b = 0;
    }
    return (int64_t)sb << (b + h->unit_magnitude);
}

static int64_t lowest_equivalent(const histogram *h, int64_t value) {
    int32_t b = bucket_index(h, value);
    return (int64_t)sub_bucket_index(h, value, b) << (b + h->unit_magnitude);
}

static int64_t highest_equivalent(const histogram *h, int64_t value) {
    int32_t b = bucket_index(h, value), sb = sub_bucket_index(h, value, b);
    int32_t adjusted = sb >= h->sub_bucket_count ? b + 1 : b;
    return lowest_equivalent(h, value) + ((int64_t)1 << (h->unit_magnitude + adjusted)) - 1;
}

histogram *histogram_new(int64_t lowest, int64_t highest, int digits) {
    int64_t single_unit_resolution = 2 * (int64_t)pow(10, digits);
    int32_t count_magnitude = (int32_t)ceil(log((double)single_unit_resolution) / log(2));
    int32_t half_count_magnitude = (count_magnitude > 1 ? count_magnitude : 1) - 1;
    int32_t unit_magnitude = (int32_t)(log((double)lowest) / log(2));
    int32_t sub_bucket_count = (int32_t)1 << (half_count_magnitude + 1);
    int32_t buckets = 1;
    for (int64_t untrackable = (int64_t)sub_bucket_count << unit_magnitude; untrackable <= highest;
         untrackable <<= 1)
        buckets++;
    int32_t counts_len = (buckets + 1) * (sub_bucket_count / 2);
    int32_t nchunks = buckets + 1;
    histogram *h = mem_calloc(1, sizeof *h + (size_t)nchunks * sizeof h->chunks[0]);
    h->nchunks = nchunks;
    h->lowest = lowest;
    h->highest = highest;
    h->unit_magnitude = unit_magnitude;
    h->half_count_magnitude = half_count_magnitude;
    h->half_count = sub_bucket_count / 2;
    h->sub_bucket_count = sub_bucket_count;
    h->sub_bucket_mask = ((int64_t)sub_bucket_count - 1) << unit_magnitude;
    h->bucket_count = buckets;
    h->counts_len = counts_len;
    return h;
}

void histogram_free(histogram *h) {
    if (!h) return;
    for (int32_t i = 0; i < h->nchunks; i++) mem_free(h->chunks[i]);
    mem_free(h);
}

size_t histogram_bytes(const histogram *h) {
    return sizeof *h + (size_t)h->nchunks * sizeof h->chunks[0] +
           (size_t)h->chunks_allocated * (size_t)h->half_count * sizeof(int64_t);
}

void histogram_record(histogram *h, int64_t value) {
    if (value < h->lowest) value = h->lowest;
    if (value > h->highest) value = h->highest;
    int32_t index = counts_index_for(h, value);
    if (index < 0 || index >= h->counts_len) return;
    int64_t **chunk = &h->chunks[index >> h->half_count_magnitude];
    if (!*chunk) {
        *chunk = mem_calloc((size_t)h->half_count, sizeof **chunk);
        h->chunks_allocated++;
    }
    (*chunk)[index & (h->half_count - 1)]++;
    h->total++;
}

int64_t histogram_total(const histogram *h) { return h->total; }

int64_t histogram_value_at_percentile(const histogram *h, double percentile) {
    double requested = percentile < 100.0 ? percentile : 100.0;
    int64_t wanted = (int64_t)((requested / 100) * (double)h->total + 0.5);
    if (wanted < 1) wanted = 1;
    int64_t value = 0, seen = 0;
    for (int32_t i = 0; i < h->counts_len; i++) {
        seen += count_at(h, i);
        if (seen >= wanted) {
            value = value_at_index(h, i);
            break;
        }
    }
    return percentile == 0.0 ? lowest_equivalent(h, value) : highest_equivalent(h, value);
}

void histogram_log_iter_init(histogram_log_iter *it, const histogram *h, int64_t first, int64_t base) {
    *it = (histogram_log_iter){.h = h, .index = -1, .level = first, .base = base};
    it->level_lowest = lowest_equivalent(h, first);
}

static int move_next(histogram_log_iter *it) {
    const histogram *h = it->h;
    if (++it->index >= h->counts_len) return 0;
    it->cumulative += count_at(h, it->index);
    it->value = value_at_index(h, it->index);
    it->highest_equivalent = highest_equivalent(h, it->value);
    return 1;
}

/* hdr's log_iter_next, step for step: also its last step, which stands where the walk ran
 * out of slots. */
int histogram_log_iter_next(histogram_log_iter *it) {
    const histogram *h = it->h;
    int more_slots = it->index < h->counts_len && value_at_index(h, it->index + 1) > it->level_lowest;
    if (it->cumulative >= h->total && !more_slots) return 0;
    for (;;) {
        if (it->value >= it->level_lowest) {
            it->level = it->level > INT64_MAX / it->base ? INT64_MAX : it->level * it->base;
            it->level_lowest = lowest_equivalent(h, it->level);
            return 1;
        }
        if (!move_next(it)) return 1;
    }
}
