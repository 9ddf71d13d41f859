/* Geohashes as Redis's geo commands use them: a longitude/latitude pair becomes 52 bits of
 * interleaved grid cells (26 steps of halving, longitude bits above latitude bits), stored as
 * the score of a sorted set member. A search covers its shape with the cell holding the centre
 * and its eight neighbours, at a step coarse enough for the shape, then keeps the members
 * whose distance (haversine, on Redis's earth radius) is within it. Every formula and the
 * order of its floating-point operations follow Redis 7.0 (geohash.c, geohash_helper.c), so
 * that scores, positions, distances and search results agree bit for bit. Knows nothing of
 * the server: the unit tests use it directly. */
#ifndef RILL_GEOHASH_H
#define RILL_GEOHASH_H

#include <stdint.h>

#define GEO_STEP_MAX 26 /* 52 bits */
#define GEO_LAT_MIN -85.05112878
#define GEO_LAT_MAX 85.05112878
#define GEO_LONG_MIN -180
#define GEO_LONG_MAX 180

typedef struct geo_cell {
    uint64_t bits;
    uint8_t step; /* 0 with bits 0: no cell */
} geo_cell;

struct geo_range {
    double min, max;
};

struct geo_area {
    struct geo_range longitude, latitude;
};

/* The cell at step holding a point of the given ranges; 0 when outside them. */
int geo_encode(const struct geo_range *lon_range, const struct geo_range *lat_range,
               double longitude, double latitude, uint8_t step, geo_cell *cell);
/* The same on Redis's ranges (latitude +-85.05112878, as Web Mercator). */
int geo_encode_wgs84(double longitude, double latitude, uint8_t step, geo_cell *cell);
/* A step-26 cell as a sorted set score. */
uint64_t geo_score_bits(geo_cell cell);
/* The centre of the step-26 cell a score names, clamped to Redis's ranges: xy[0] longitude,
 * xy[1] latitude. A score that is no geohash (negative, too big, NaN) names the cell Redis's
 * cast to an integer gives on x86-64. */
void geo_decode_score(double score, double xy[2]);

/* Great-circle distance in metres. */
double geo_distance(double lon1, double lat1, double lon2, double lat2);

/* A search shape around xy: a circle of radius, or a box of width and height, in a unit of
 * conversion metres. */
enum geo_shape_type { GEO_CIRCLE = 1, GEO_BOX = 2 };
struct geo_shape {
    enum geo_shape_type type;
    double xy[2];
    double conversion;
    double radius;        /* GEO_CIRCLE */
    double width, height; /* GEO_BOX */
    /* Set by geo_shape_prepare: degrees of latitude and of longitude from the centre past
     * which a point cannot be inside, whatever the rounding (a cheap test before the exact
     * one). */
    double lat_band, lon_band;
};

/* Fills the shape's bands; call it before geo_within_shape. */
void geo_shape_prepare(struct geo_shape *shape);

/* The cells to scan for a shape: the centre cell, then north, south, east, west, north-east,
 * north-west, south-east, south-west; cells that cannot hold a match have step 0. */
#define GEO_SEARCH_CELLS 9
void geo_search_cells(const struct geo_shape *shape, geo_cell cells[GEO_SEARCH_CELLS]);
/* The scores [min, max) of the members inside a cell. */
void geo_cell_scores(geo_cell cell, uint64_t *min, uint64_t *max);
/* 1 and the point's position and distance from the centre when the point a score names lies
 * in the shape. */
int geo_within_shape(const struct geo_shape *shape, double score, double xy[2], double *distance);

/* The standard 11-character geohash (latitude +-90) of a score. */
void geo_standard_hash(double score, char out[11]);

#endif
