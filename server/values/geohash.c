/* Geohash cells, neighbours, search areas and distances (see geohash.h). */
#include "values/geohash.h"

#include <math.h>

#include "numconv.h"

#define DEG_TO_RAD (M_PI / 180.0)
#define EARTH_RADIUS_IN_METERS 6372797.560856
#define MERCATOR_MAX 20037726.37

static const struct geo_range wgs84_lon = {GEO_LONG_MIN, GEO_LONG_MAX};
static const struct geo_range wgs84_lat = {GEO_LAT_MIN, GEO_LAT_MAX};

static inline double deg_rad(double a) { return a * DEG_TO_RAD; }
static inline double rad_deg(double a) { return a / DEG_TO_RAD; }

/* Spreads the 32 bits of v to the even bits of the result. */
static uint64_t spread(uint32_t v) {
    uint64_t x = v;
    x = (x | x << 16) & 0x0000FFFF0000FFFFULL;
    x = (x | x << 8) & 0x00FF00FF00FF00FFULL;
    x = (x | x << 4) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | x << 2) & 0x3333333333333333ULL;
    x = (x | x << 1) & 0x5555555555555555ULL;
    return x;
}

/* The even bits of x, packed. */
static uint32_t gather(uint64_t x) {
    x &= 0x5555555555555555ULL;
    x = (x | x >> 1) & 0x3333333333333333ULL;
    x = (x | x >> 2) & 0x0F0F0F0F0F0F0F0FULL;
    x = (x | x >> 4) & 0x00FF00FF00FF00FFULL;
    x = (x | x >> 8) & 0x0000FFFF0000FFFFULL;
    x = (x | x >> 16) & 0x00000000FFFFFFFFULL;
    return (uint32_t)x;
}

int geo_encode(const struct geo_range *lon_range, const struct geo_range *lat_range,
               double longitude, double latitude, uint8_t step, geo_cell *cell) {
    if (step > 32 || step == 0) return 0;
    if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX ||
        latitude < GEO_LAT_MIN)
        return 0;
    cell->bits = 0;
    cell->step = step;
    if (latitude < lat_range->min || latitude > lat_range->max || longitude < lon_range->min ||
        longitude > lon_range->max)
        return 0;
    double lat_offset = (latitude - lat_range->min) / (lat_range->max - lat_range->min);
    double lon_offset = (longitude - lon_range->min) / (lon_range->max - lon_range->min);
    lat_offset *= (double)(1ULL << step);
    lon_offset *= (double)(1ULL << step);
    /* Latitude in the even bits, longitude in the odd ones. */
    cell->bits = spread((uint32_t)lat_offset) | spread((uint32_t)lon_offset) << 1;
    return 1;
}

int geo_encode_wgs84(double longitude, double latitude, uint8_t step, geo_cell *cell) {
    return geo_encode(&wgs84_lon, &wgs84_lat, longitude, latitude, step, cell);
}

uint64_t geo_score_bits(geo_cell cell) { return cell.bits << (52 - cell.step * 2); }

static void decode_area(const struct geo_range *lon_range, const struct geo_range *lat_range,
                        geo_cell cell, struct geo_area *area) {
    uint32_t ilat = gather(cell.bits), ilon = gather(cell.bits >> 1);
    double lat_scale = lat_range->max - lat_range->min;
    double lon_scale = lon_range->max - lon_range->min;
    double cells = (double)(1ULL << cell.step);
    area->latitude.min = lat_range->min + (ilat * 1.0 / cells) * lat_scale;
    area->latitude.max = lat_range->min + ((uint32_t)(ilat + 1) * 1.0 / cells) * lat_scale;
    area->longitude.min = lon_range->min + (ilon * 1.0 / cells) * lon_scale;
    area->longitude.max = lon_range->min + ((uint32_t)(ilon + 1) * 1.0 / cells) * lon_scale;
}

void geo_decode_score(double score, double xy[2]) {
    /* The cast Redis applies to the score, as the processor performs it. */
    geo_cell cell = {double_to_u64_x86(score), GEO_STEP_MAX};
    struct geo_area area;
    decode_area(&wgs84_lon, &wgs84_lat, cell, &area);
    xy[0] = (area.longitude.min + area.longitude.max) / 2;
    if (xy[0] > GEO_LONG_MAX) xy[0] = GEO_LONG_MAX;
    if (xy[0] < GEO_LONG_MIN) xy[0] = GEO_LONG_MIN;
    xy[1] = (area.latitude.min + area.latitude.max) / 2;
    if (xy[1] > GEO_LAT_MAX) xy[1] = GEO_LAT_MAX;
    if (xy[1] < GEO_LAT_MIN) xy[1] = GEO_LAT_MIN;
}

static double latitude_distance(double lat1, double lat2) {
    return EARTH_RADIUS_IN_METERS * fabs(deg_rad(lat2) - deg_rad(lat1));
}

double geo_distance(double lon1, double lat1, double lon2, double lat2) {
    double lon1r = deg_rad(lon1), lon2r = deg_rad(lon2);
    double v = sin((lon2r - lon1r) / 2);
    /* The same longitude: no trigonometry needed. */
    if (v == 0.0) return latitude_distance(lat1, lat2);
    double lat1r = deg_rad(lat1), lat2r = deg_rad(lat2);
    double u = sin((lat2r - lat1r) / 2);
    double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
    return 2.0 * EARTH_RADIUS_IN_METERS * asin(sqrt(a));
}

/* Moves a cell by d (-1, 0, 1) cells along longitude (the odd bits) or latitude (the even). */
static void move_cell(geo_cell *cell, int d, int along_longitude) {
    if (d == 0) return;
    uint64_t moving_mask = along_longitude ? 0xaaaaaaaaaaaaaaaaULL : 0x5555555555555555ULL;
    uint64_t moving = cell->bits & moving_mask, other = cell->bits & ~moving_mask;
    unsigned shift = 64 - cell->step * 2u;
    /* The other coordinate's bits, set, carry a +1 or -1 across them. */
    uint64_t fill = ~moving_mask >> shift;
    if (d > 0) {
        moving += fill + 1;
    } else {
        moving |= fill;
        moving -= fill + 1;
    }
    moving &= moving_mask >> shift;
    cell->bits = moving | other;
}

static geo_cell neighbour(geo_cell cell, int dlon, int dlat) {
    move_cell(&cell, dlon, 1);
    move_cell(&cell, dlat, 0);
    return cell;
}

static int estimate_step(double range_meters, double lat) {
    if (range_meters == 0) return 26;
    int step = 1;
    while (range_meters < MERCATOR_MAX) {
        range_meters *= 2;
        step++;
    }
    step -= 2; /* so that the range fits in most cases */
    /* Cells are narrower towards the poles. */
    if (lat > 66 || lat < -66) {
        step--;
        if (lat > 80 || lat < -80) step--;
    }
    if (step < 1) step = 1;
    if (step > 26) step = 26;
    return step;
}

/* min_lon, min_lat, max_lon, max_lat of the shape. */
static void bounding_box(const struct geo_shape *s, double b[4]) {
    double lon = s->xy[0], lat = s->xy[1];
    double height = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->height / 2);
    double width = s->conversion * (s->type == GEO_CIRCLE ? s->radius : s->width / 2);
    const double lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    const double lon_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat + lat_delta)));
    const double lon_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / cos(deg_rad(lat - lat_delta)));
    /* The wider edge is towards the equator, on either hemisphere. */
    int southern = lat < 0;
    b[0] = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
    b[2] = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
    b[1] = lat - lat_delta;
    b[3] = lat + lat_delta;
}

enum { C_CENTRE, C_N, C_S, C_E, C_W, C_NE, C_NW, C_SE, C_SW };

static void cell_and_neighbours(double lon, double lat, int step, geo_cell c[GEO_SEARCH_CELLS],
                                struct geo_area *area) {
    geo_encode(&wgs84_lon, &wgs84_lat, lon, lat, (uint8_t)step, &c[C_CENTRE]);
    c[C_N] = neighbour(c[C_CENTRE], 0, 1);
    c[C_S] = neighbour(c[C_CENTRE], 0, -1);
    c[C_E] = neighbour(c[C_CENTRE], 1, 0);
    c[C_W] = neighbour(c[C_CENTRE], -1, 0);
    c[C_NE] = neighbour(c[C_CENTRE], 1, 1);
    c[C_NW] = neighbour(c[C_CENTRE], -1, 1);
    c[C_SE] = neighbour(c[C_CENTRE], 1, -1);
    c[C_SW] = neighbour(c[C_CENTRE], -1, -1);
    decode_area(&wgs84_lon, &wgs84_lat, c[C_CENTRE], area);
}

static void drop(geo_cell *c) { c->bits = c->step = 0; }

void geo_search_cells(const struct geo_shape *shape, geo_cell c[GEO_SEARCH_CELLS]) {
    double b[4];
    bounding_box(shape, b);
    double min_lon = b[0], min_lat = b[1], max_lon = b[2], max_lat = b[3];
    double lon = shape->xy[0], lat = shape->xy[1];
    /* A box reaches as far as its corners. */
    double radius_meters =
        shape->type == GEO_CIRCLE
            ? shape->radius
            : sqrt((shape->width / 2) * (shape->width / 2) + (shape->height / 2) * (shape->height / 2));
    radius_meters *= shape->conversion;
    int step = estimate_step(radius_meters, lat);
    struct geo_area area;
    cell_and_neighbours(lon, lat, step, c, &area);

    /* Near the edge of its cell the shape may reach past a neighbour: one step coarser. */
    struct geo_area north, south, east, west;
    decode_area(&wgs84_lon, &wgs84_lat, c[C_N], &north);
    decode_area(&wgs84_lon, &wgs84_lat, c[C_S], &south);
    decode_area(&wgs84_lon, &wgs84_lat, c[C_E], &east);
    decode_area(&wgs84_lon, &wgs84_lat, c[C_W], &west);
    int coarser = north.latitude.max < max_lat || south.latitude.min > min_lat ||
                  east.longitude.max < max_lon || west.longitude.min > min_lon;
    if (step > 1 && coarser) cell_and_neighbours(lon, lat, --step, c, &area);

    /* Neighbours beyond the bounding box cannot hold a match. */
    if (step >= 2) {
        if (area.latitude.min < min_lat) {
            drop(&c[C_S]);
            drop(&c[C_SW]);
            drop(&c[C_SE]);
        }
        if (area.latitude.max > max_lat) {
            drop(&c[C_N]);
            drop(&c[C_NE]);
            drop(&c[C_NW]);
        }
        if (area.longitude.min < min_lon) {
            drop(&c[C_W]);
            drop(&c[C_SW]);
            drop(&c[C_NW]);
        }
        if (area.longitude.max > max_lon) {
            drop(&c[C_E]);
            drop(&c[C_SE]);
            drop(&c[C_NE]);
        }
    }
}

void geo_cell_scores(geo_cell cell, uint64_t *min, uint64_t *max) {
    *min = geo_score_bits(cell);
    cell.bits++;
    *max = geo_score_bits(cell);
}

/* The bands are wider than the shape by this much, so that a point they reject is outside by
 * far more than any rounding of the exact formulas. */
#define BAND_SLACK_RELATIVE 1e-7
#define BAND_SLACK_METERS 1e-6

void geo_shape_prepare(struct geo_shape *s) {
    double lat_reach = s->type == GEO_CIRCLE ? s->radius : s->height / 2;
    double lon_reach = s->type == GEO_CIRCLE ? s->radius : s->width / 2;
    lat_reach = lat_reach * s->conversion * (1 + BAND_SLACK_RELATIVE) + BAND_SLACK_METERS;
    lon_reach = lon_reach * s->conversion * (1 + BAND_SLACK_RELATIVE) + BAND_SLACK_METERS;
    /* A great circle is at least as long as its change of latitude. */
    s->lat_band = rad_deg(lat_reach / EARTH_RADIUS_IN_METERS);
    /* The haversine term cos(lat1) cos(lat2) sin^2(dlon / 2) alone gives a lower bound; for
     * a box, Redis measures the longitude at the point's own latitude (lat1 = lat2). Within
     * the latitude band, cos(lat2) is at least its value at the band's far edge. */
    double far_edge = fabs(s->xy[1]) + rad_deg(lat_reach / EARTH_RADIUS_IN_METERS);
    double half_angle = lon_reach / (2 * EARTH_RADIUS_IN_METERS);
    if (!(far_edge < 90) || !(half_angle < M_PI / 2)) {
        s->lon_band = INFINITY;
        return;
    }
    double cos_far = cos(deg_rad(far_edge));
    double k = s->type == GEO_CIRCLE ? sqrt(cos(deg_rad(s->xy[1])) * cos_far) : cos_far;
    double q = sin(half_angle) / k;
    s->lon_band = q >= 1 ? INFINITY : rad_deg(2 * asin(q));
}

int geo_within_shape(const struct geo_shape *shape, double score, double xy[2], double *distance) {
    geo_decode_score(score, xy);
    double dlon = fabs(xy[0] - shape->xy[0]);
    if (dlon > 180) dlon = 360 - dlon;
    if (shape->type == GEO_CIRCLE) {
        if (fabs(xy[1] - shape->xy[1]) > shape->lat_band || dlon > shape->lon_band) return 0;
        *distance = geo_distance(shape->xy[0], shape->xy[1], xy[0], xy[1]);
        return *distance <= shape->radius * shape->conversion;
    }
    /* Latitude first: it is the cheaper distance. */
    double width = shape->width * shape->conversion, height = shape->height * shape->conversion;
    if (latitude_distance(xy[1], shape->xy[1]) > height / 2) return 0;
    if (dlon > shape->lon_band) return 0;
    if (geo_distance(xy[0], xy[1], shape->xy[0], xy[1]) > width / 2) return 0;
    *distance = geo_distance(shape->xy[0], shape->xy[1], xy[0], xy[1]);
    return 1;
}

void geo_standard_hash(double score, char out[11]) {
    static const char alphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
    static const struct geo_range lon = {-180, 180}, lat = {-90, 90};
    double xy[2];
    geo_decode_score(score, xy);
    geo_cell cell = {0, 0};
    geo_encode(&lon, &lat, xy[0], xy[1], 26, &cell);
    for (int i = 0; i < 10; i++) out[i] = alphabet[(cell.bits >> (52 - (i + 1) * 5)) & 0x1f];
    out[10] = '0'; /* 52 bits make 10 characters and 2 bits; the 11th counts them as zero */
}
