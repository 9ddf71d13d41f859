#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "values/geohash.h"

/* Expected figures are those redis-server 7.0 gives for the examples of its documentation
 * (GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania). */

static void test_positions_encode_to_redis_scores(void **state) {
    (void)state;
    geo_cell cell;
    assert_true(geo_encode_wgs84(13.361389, 38.115556, GEO_STEP_MAX, &cell));
    assert_true(geo_score_bits(cell) == 3479099956230698ULL);
    assert_true(geo_encode_wgs84(15.087269, 37.502669, GEO_STEP_MAX, &cell));
    assert_true(geo_score_bits(cell) == 3479447370796909ULL);
    /* Outside Web Mercator's latitudes there is no cell. */
    assert_false(geo_encode_wgs84(0, 85.06, GEO_STEP_MAX, &cell));
    assert_false(geo_encode_wgs84(180.1, 0, GEO_STEP_MAX, &cell));
}

static void test_scores_decode_to_cell_centres(void **state) {
    (void)state;
    double xy[2];
    geo_decode_score(3479099956230698.0, xy);
    assert_true(fabs(xy[0] - 13.36138933897018433) < 1e-12);
    assert_true(fabs(xy[1] - 38.11555639549629859) < 1e-12);
    /* Scores that are no geohash decode as the processor converts them: clamped to the map. */
    geo_decode_score(-5, xy);
    assert_true(xy[0] == GEO_LONG_MAX && xy[1] == GEO_LAT_MAX);
}

static void test_distance_and_standard_hash(void **state) {
    (void)state;
    double palermo[2], catania[2];
    geo_decode_score(3479099956230698.0, palermo);
    geo_decode_score(3479447370796909.0, catania);
    double d = geo_distance(palermo[0], palermo[1], catania[0], catania[1]);
    assert_true(fabs(d - 166274.1516) < 0.0001);
    /* The same longitude takes the latitude-only formula. */
    assert_true(fabs(geo_distance(10, 0, 10, 1) - 6372797.560856 * M_PI / 180) < 1e-6);
    char hash[11];
    geo_standard_hash(3479099956230698.0, hash);
    assert_memory_equal(hash, "sqc8b49rny0", 11);
    geo_standard_hash(3479447370796909.0, hash);
    assert_memory_equal(hash, "sqdtr74hyu0", 11);
}

static void test_cell_scores_cover_the_cell(void **state) {
    (void)state;
    geo_cell cell;
    geo_encode_wgs84(13.361389, 38.115556, 3, &cell);
    uint64_t min, max;
    geo_cell_scores(cell, &min, &max);
    assert_true(min == cell.bits << 46);
    assert_true(max == (cell.bits + 1) << 46);
    assert_true(min <= 3479099956230698ULL && 3479099956230698ULL < max);
}

static void test_search_cells_surround_the_centre(void **state) {
    (void)state;
    struct geo_shape shape = {GEO_CIRCLE, {15, 37}, 1000, 200, 0, 0, 0, 0};
    geo_shape_prepare(&shape);
    geo_cell cells[GEO_SEARCH_CELLS];
    geo_search_cells(&shape, cells);
    geo_cell centre;
    geo_encode_wgs84(15, 37, cells[0].step, &centre);
    assert_true(cells[0].bits == centre.bits);
    /* Every cell kept is at the centre's step and differs from it. */
    for (int i = 1; i < GEO_SEARCH_CELLS; i++) {
        if (cells[i].step == 0) continue;
        assert_int_equal(cells[i].step, cells[0].step);
        assert_true(cells[i].bits != cells[0].bits);
    }
    /* Both Sicilian cities are in the 200 km circle around (15, 37); only Catania in 100 km. */
    double xy[2], dist;
    assert_true(geo_within_shape(&shape, 3479099956230698.0, xy, &dist));
    assert_true(geo_within_shape(&shape, 3479447370796909.0, xy, &dist));
    shape.radius = 100;
    geo_shape_prepare(&shape);
    assert_false(geo_within_shape(&shape, 3479099956230698.0, xy, &dist));
    assert_true(geo_within_shape(&shape, 3479447370796909.0, xy, &dist));
    /* A box of 400 x 400 km holds both; 200 km wide and 400 tall only Catania. */
    struct geo_shape box = {GEO_BOX, {15, 37}, 1000, 0, 400, 400, 0, 0};
    geo_shape_prepare(&box);
    assert_true(geo_within_shape(&box, 3479099956230698.0, xy, &dist));
    box.width = 200;
    geo_shape_prepare(&box);
    assert_false(geo_within_shape(&box, 3479099956230698.0, xy, &dist));
    assert_true(geo_within_shape(&box, 3479447370796909.0, xy, &dist));
}

/* What Redis computes, without the bands. */
static int exactly_within(const struct geo_shape *s, const double xy[2]) {
    if (s->type == GEO_CIRCLE)
        return geo_distance(s->xy[0], s->xy[1], xy[0], xy[1]) <= s->radius * s->conversion;
    return geo_distance(0, xy[1], 0, s->xy[1]) <= s->height * s->conversion / 2 &&
           geo_distance(xy[0], xy[1], s->xy[0], xy[1]) <= s->width * s->conversion / 2;
}

static double uniform(unsigned *seed, double lo, double hi) {
    return lo + (hi - lo) * (rand_r(seed) / (double)RAND_MAX);
}

static void test_bands_reject_only_what_is_outside(void **state) {
    (void)state;
    unsigned seed = 42;
    static const double radii[] = {0, 1, 100, 5000, 1e5, 1e6, 5e6, 2e7, 1e9};
    long inside = 0;
    for (int round = 0; round < 4000; round++) {
        struct geo_shape s = {rand_r(&seed) % 2 ? GEO_CIRCLE : GEO_BOX, {0, 0}, 1, 0, 0, 0, 0, 0};
        s.xy[0] = uniform(&seed, -180, 180);
        s.xy[1] = rand_r(&seed) % 4 ? uniform(&seed, -85, 85) : (rand_r(&seed) % 2 ? 84.9 : -84.9);
        s.radius = radii[rand_r(&seed) % 9] * uniform(&seed, 0.5, 1);
        s.width = radii[rand_r(&seed) % 9];
        s.height = radii[rand_r(&seed) % 9];
        geo_shape_prepare(&s);
        double reach = (s.type == GEO_CIRCLE ? s.radius : fmax(s.width, s.height) / 2) / 6372797.560856;
        for (int i = 0; i < 100; i++) {
            /* Mostly points around the shape's edge (a great-circle step of about its reach
             * in a random direction), some anywhere. */
            double lon, lat;
            if (i % 4) {
                double d = reach * uniform(&seed, 0.8, 1.2), theta = uniform(&seed, 0, 2 * M_PI);
                double la1 = s.xy[1] * M_PI / 180, lo1 = s.xy[0] * M_PI / 180;
                double la2 = asin(sin(la1) * cos(d) + cos(la1) * sin(d) * cos(theta));
                double lo2 = lo1 + atan2(sin(theta) * sin(d) * cos(la1), cos(d) - sin(la1) * sin(la2));
                lat = la2 * 180 / M_PI;
                lon = fmod(lo2 * 180 / M_PI + 540, 360) - 180;
            } else {
                lon = uniform(&seed, -180, 180);
                lat = uniform(&seed, -85, 85);
            }
            if (lat > 85 || lat < -85) lat = s.xy[1];
            geo_cell cell;
            assert_true(geo_encode_wgs84(lon, lat, GEO_STEP_MAX, &cell));
            double score = (double)geo_score_bits(cell), xy[2], dist;
            int got = geo_within_shape(&s, score, xy, &dist);
            assert_int_equal(got, exactly_within(&s, xy));
            inside += got;
        }
    }
    assert_true(inside > 1000); /* the check saw both answers */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions_encode_to_redis_scores),
        cmocka_unit_test(test_scores_decode_to_cell_centres),
        cmocka_unit_test(test_distance_and_standard_hash),
        cmocka_unit_test(test_cell_scores_cover_the_cell),
        cmocka_unit_test(test_search_cells_surround_the_centre),
        cmocka_unit_test(test_bands_reject_only_what_is_outside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
