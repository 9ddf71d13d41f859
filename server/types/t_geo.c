/* Geo commands: GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
 * GEORADIUSBYMEMBER and their _RO forms. A geo index is a sorted set whose scores are 52-bit
 * geohashes (values/geohash.h), so ZRANGE and the other sorted set commands read it too.
 * Replies, errors, the order of checks, and the order of results (cells, then scores, then a
 * sort by distance that leaves ties as Redis leaves them) follow Redis 7.0's geo.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/commands.h"
#include "core/effects.h"
#include "core/reply.h"
#include "core/server.h"
#include "features/multi.h"
#include "keyspace/db.h"
#include "keyspace/value_limits.h"
#include "mem.h"
#include "numconv.h"
#include "values/geohash.h"
#include "values/zset_value.h"

/* A longitude and latitude from two arguments; -1 after the error reply. */
static int arg_lonlat(client *c, const resp_arg *a, double xy[2]) {
    for (int i = 0; i < 2; i++) {
        if (str_to_double(a[i].ptr, a[i].len, &xy[i]) != 0) {
            reply_error(c, ERR_NOT_FLOAT);
            return -1;
        }
    }
    if (xy[0] < GEO_LONG_MIN || xy[0] > GEO_LONG_MAX || xy[1] < GEO_LAT_MIN ||
        xy[1] > GEO_LAT_MAX) {
        reply_errorf(c, "invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
        return -1;
    }
    return 0;
}

/* Metres per unit (m, km, ft, mi), or -1 after the error reply. */
static double arg_unit(client *c, const resp_arg *a) {
    if (arg_is(a, "m")) return 1;
    if (arg_is(a, "km")) return 1000;
    if (arg_is(a, "ft")) return 0.3048;
    if (arg_is(a, "mi")) return 1609.34;
    reply_error(c, "unsupported unit provided. please use M, KM, FT, MI");
    return -1;
}

static int arg_double_msg(client *c, const resp_arg *a, double *v, const char *msg) {
    if (str_to_double(a->ptr, a->len, v) == 0) return 0;
    reply_error(c, msg);
    return -1;
}

/* RADIUS UNIT into the shape; -1 after the error reply. */
static int arg_radius(client *c, const resp_arg *a, struct geo_shape *s) {
    if (arg_double_msg(c, &a[0], &s->radius, "need numeric radius") != 0) return -1;
    if (s->radius < 0) {
        reply_error(c, "radius cannot be negative");
        return -1;
    }
    return (s->conversion = arg_unit(c, &a[1])) < 0 ? -1 : 0;
}

/* WIDTH HEIGHT UNIT into the shape; -1 after the error reply. */
static int arg_box(client *c, const resp_arg *a, struct geo_shape *s) {
    if (arg_double_msg(c, &a[0], &s->width, "need numeric width") != 0 ||
        arg_double_msg(c, &a[1], &s->height, "need numeric height") != 0)
        return -1;
    if (s->height < 0 || s->width < 0) {
        reply_error(c, "height or width cannot be negative");
        return -1;
    }
    return (s->conversion = arg_unit(c, &a[2])) < 0 ? -1 : 0;
}

/* A distance (never negative) with four decimals, rounded as Redis's fixed-point writer
 * rounds (llrint). */
static void reply_distance(client *c, double d) {
    char tmp[48];
    unsigned long long v = d == 0 ? 0 : (unsigned long long)llrint(d * 10000.0);
    int n = snprintf(tmp, sizeof tmp, "%llu.%04llu", v / 10000, v % 10000);
    reply_bulk(c, tmp, (size_t)n);
}

static void reply_coordinate(client *c, double v) {
    char tmp[LD_STR_SIZE];
    reply_bulk(c, tmp, ld_to_str(tmp, v));
}

/* The zset at key for reading: NULL when absent; *failed after WRONGTYPE. */
static zset_value *lookup_zset(client *c, const resp_arg *key, int *failed) {
    entry *e = db_lookup_read(c->db, key->ptr, key->len);
    *failed = 0;
    if (!e) return NULL;
    if (e->type != OBJ_ZSET) {
        reply_error(c, ERR_WRONGTYPE);
        *failed = 1;
        return NULL;
    }
    return entry_obj(e);
}

/* ---- GEOADD ---- */

#define SCORE_DIGITS 24

/* GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with each position as a score. */
void cmd_geoadd(client *c) {
    size_t first = 2;
    int nx = 0, xx = 0;
    for (; first < c->argc; first++) {
        const resp_arg *a = &c->argv[first];
        if (arg_is(a, "nx"))
            nx = 1;
        else if (arg_is(a, "xx"))
            xx = 1;
        else if (!arg_is(a, "ch"))
            break;
    }
    if ((c->argc - first) % 3 || (nx && xx)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    size_t points = (c->argc - first) / 3, zargc = first + points * 2;
    resp_arg *zargv = mem_alloc(zargc * sizeof *zargv);
    char *digits = mem_alloc(points * SCORE_DIGITS + 1);
    zargv[0] = (resp_arg){(char *)"zadd", 4};
    memcpy(zargv + 1, c->argv + 1, (first - 1) * sizeof *zargv);
    for (size_t i = 0; i < points; i++) {
        const resp_arg *p = &c->argv[first + i * 3];
        double xy[2];
        if (arg_lonlat(c, p, xy) != 0) goto done;
        geo_cell cell;
        geo_encode_wgs84(xy[0], xy[1], GEO_STEP_MAX, &cell);
        char *s = digits + i * SCORE_DIGITS;
        zargv[first + i * 2] = (resp_arg){s, ull_to_str(s, geo_score_bits(cell))};
        zargv[first + i * 2 + 1] = p[2];
    }
    /* ZADD does the rest, as in Redis: its options, replies, events. */
    resp_arg *argv = c->argv;
    size_t argc = c->argc;
    c->argv = zargv;
    c->argc = zargc;
    long long dirty = server.dirty;
    cmd_zadd(c);
    if (server.dirty != dirty) effects_rewrite(zargv, zargc); /* propagated as the ZADD, as in Redis */
    c->argv = argv;
    c->argc = argc;
done:
    mem_free(zargv);
    mem_free(digits);
}

/* ---- GEODIST, GEOHASH, GEOPOS ---- */

void cmd_geodist(client *c) {
    double to_meters = 1;
    if (c->argc == 5) {
        if ((to_meters = arg_unit(c, &c->argv[4])) < 0) return;
    } else if (c->argc > 5) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int failed;
    zset_value *z = lookup_zset(c, &c->argv[1], &failed);
    if (failed) return;
    double s1, s2;
    if (!z || !zset_score(z, c->argv[2].ptr, c->argv[2].len, &s1) ||
        !zset_score(z, c->argv[3].ptr, c->argv[3].len, &s2)) {
        reply_nil(c);
        return;
    }
    double a[2], b[2];
    geo_decode_score(s1, a);
    geo_decode_score(s2, b);
    reply_distance(c, geo_distance(a[0], a[1], b[0], b[1]) / to_meters);
}

void cmd_geohash(client *c) {
    int failed;
    zset_value *z = lookup_zset(c, &c->argv[1], &failed);
    if (failed) return;
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) {
        double score;
        if (!z || !zset_score(z, c->argv[i].ptr, c->argv[i].len, &score)) {
            reply_nil(c);
            continue;
        }
        char hash[11];
        geo_standard_hash(score, hash);
        reply_bulk(c, hash, sizeof hash);
    }
}

void cmd_geopos(client *c) {
    int failed;
    zset_value *z = lookup_zset(c, &c->argv[1], &failed);
    if (failed) return;
    reply_array(c, (long long)c->argc - 2);
    for (size_t i = 2; i < c->argc; i++) {
        double score, xy[2];
        if (!z || !zset_score(z, c->argv[i].ptr, c->argv[i].len, &score)) {
            reply_nil_array(c);
            continue;
        }
        geo_decode_score(score, xy);
        reply_array(c, 2);
        reply_coordinate(c, xy[0]);
        reply_coordinate(c, xy[1]);
    }
}

/* ---- Searches ---- */

struct geo_point {
    double longitude, latitude, dist, score;
    const char *member; /* in the source set, which does not change during the search */
    size_t len;
};

struct geo_points {
    struct geo_point *p;
    size_t n, cap;
};

static void points_add(struct geo_points *ps, const double xy[2], double dist, double score,
                       const char *m, size_t len) {
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->p = mem_realloc(ps->p, ps->cap * sizeof *ps->p);
    }
    ps->p[ps->n++] = (struct geo_point){xy[0], xy[1], dist, score, m, len};
}

static int below_score(double score, const char *m, size_t len, const void *ctx) {
    (void)m, (void)len;
    return score < *(const double *)ctx;
}

/* Appends the members of one cell that lie in the shape, stopping at limit points (0: none). */
static void points_in_cell(zset_value *z, geo_cell cell, const struct geo_shape *shape,
                           struct geo_points *ps, size_t limit) {
    uint64_t min_bits, max_bits;
    geo_cell_scores(cell, &min_bits, &max_bits);
    double min = (double)min_bits, max = (double)max_bits;
    size_t rank = zset_count_before(z, below_score, &min);
    if (rank >= zset_count(z)) return;
    zset_iter it;
    zset_iter_init(&it, z, rank, 0);
    const char *m;
    size_t len;
    double score;
    while (zset_iter_next(&it, &m, &len, &score) && score < max) {
        double xy[2], dist = 0;
        if (geo_within_shape(shape, score, xy, &dist)) points_add(ps, xy, dist, score, m, len);
        if (limit && ps->n >= limit) break;
    }
    zset_iter_done(&it);
}

static void points_in_shape(zset_value *z, const struct geo_shape *shape, struct geo_points *ps,
                            size_t limit) {
    geo_cell cells[GEO_SEARCH_CELLS];
    geo_search_cells(shape, cells);
    size_t last = 0;
    for (size_t i = 0; i < GEO_SEARCH_CELLS; i++) {
        if (cells[i].bits == 0 && cells[i].step == 0) continue;
        /* A huge radius makes neighbours coincide: a cell equal to the last scanned (unless
         * that was the centre, as in Redis) is skipped. */
        if (last && cells[i].bits == cells[last].bits && cells[i].step == cells[last].step)
            continue;
        if (limit && ps->n >= limit) break;
        points_in_cell(z, cells[i], shape, ps, limit);
        last = i;
    }
}

static int nearer_first(const void *a, const void *b) {
    double x = ((const struct geo_point *)a)->dist, y = ((const struct geo_point *)b)->dist;
    return x > y ? 1 : x == y ? 0 : -1;
}

static int farther_first(const void *a, const void *b) { return -nearer_first(a, b); }

typedef int point_cmp(const void *, const void *);

static void swap_points(struct geo_point *a, struct geo_point *b) {
    struct geo_point t = *a;
    *a = *b;
    *b = t;
}

static void swap_runs(struct geo_point *a, struct geo_point *b, size_t n) {
    for (size_t i = 0; i < n; i++) swap_points(&a[i], &b[i]);
}

static struct geo_point *median_of_three(struct geo_point *a, struct geo_point *b,
                                         struct geo_point *c, point_cmp *cmp) {
    return cmp(a, b) < 0 ? (cmp(b, c) < 0 ? b : (cmp(a, c) < 0 ? c : a))
                         : (cmp(b, c) > 0 ? b : (cmp(a, c) < 0 ? a : c));
}

/* Sorts enough of a[0..n) that positions up to last hold what a full sort puts there. The
 * steps are those of Redis's pqsort (Bentley and McIlroy's quicksort, skipping the parts past
 * last), so points at equal distances come out in Redis's order too. */
static void partial_sort(struct geo_point *a, size_t n, point_cmp *cmp, size_t last) {
    for (;;) {
        if (n < 7) {
            for (size_t m = 1; m < n; m++)
                for (size_t l = m; l > 0 && cmp(&a[l - 1], &a[l]) > 0; l--) swap_points(&a[l], &a[l - 1]);
            return;
        }
        struct geo_point *pm = a + n / 2;
        if (n > 7) {
            struct geo_point *pl = a, *pn = a + n - 1;
            if (n > 40) {
                size_t d = n / 8;
                pl = median_of_three(pl, pl + d, pl + 2 * d, cmp);
                pm = median_of_three(pm - d, pm, pm + d, cmp);
                pn = median_of_three(pn - 2 * d, pn - d, pn, cmp);
            }
            pm = median_of_three(pl, pm, pn, cmp);
        }
        swap_points(a, pm);
        /* Partition around a[0]: [equal | less | ... | greater | equal]. */
        struct geo_point *pa = a + 1, *pb = a + 1, *pc = a + n - 1, *pd = a + n - 1;
        for (;;) {
            int r;
            while (pb <= pc && (r = cmp(pb, a)) <= 0) {
                if (r == 0) swap_points(pa++, pb);
                pb++;
            }
            while (pb <= pc && (r = cmp(pc, a)) >= 0) {
                if (r == 0) swap_points(pc, pd--);
                pc--;
            }
            if (pb > pc) break;
            swap_points(pb++, pc--);
        }
        struct geo_point *end = a + n;
        size_t r = (size_t)(pa - a) < (size_t)(pb - pa) ? (size_t)(pa - a) : (size_t)(pb - pa);
        swap_runs(a, pb - r, r);
        r = (size_t)(pd - pc) < (size_t)(end - pd - 1) ? (size_t)(pd - pc) : (size_t)(end - pd - 1);
        swap_runs(pb, end - r, r);
        /* The points below the pivot always matter (they start at 0, before last), those
         * above only when they start at or before last. The two parts are disjoint, so the
         * shorter one recurses and the longer goes round the loop: the stack stays
         * logarithmic in depth whatever the distances. */
        size_t less = (size_t)(pb - pa), greater = (size_t)(pd - pc);
        size_t start = (size_t)(end - greater - a);
        int sort_less = less > 1, sort_greater = greater > 1 && start <= last;
        if (sort_less && sort_greater && less < greater) {
            partial_sort(a, less, cmp, last);
            sort_less = 0;
        } else if (sort_less && sort_greater) {
            partial_sort(a + start, greater, cmp, last - start);
            sort_greater = 0;
        }
        if (sort_less) {
            n = less;
        } else if (sort_greater) {
            a += start;
            n = greater;
            last -= start;
        } else {
            return;
        }
    }
}

#define SEARCH_BY_COORDS (1u << 0) /* GEORADIUS: lon lat radius unit */
#define SEARCH_BY_MEMBER (1u << 1) /* GEORADIUSBYMEMBER: member radius unit */
#define SEARCH_NO_STORE (1u << 2)  /* the _RO forms */
#define SEARCH_OPTIONS (1u << 3)   /* GEOSEARCH: FROM... and BY... options */
#define SEARCH_STORE (1u << 4)     /* GEOSEARCHSTORE */

enum geo_sort { SORT_NONE, SORT_ASC, SORT_DESC };

struct search_args {
    struct geo_shape shape;
    const resp_arg *store;
    int storedist, withdist, withhash, withcoord, any;
    int frommember, fromlonlat, byradius, bybox;
    enum geo_sort sort;
    long long count;
};

/* The options after base; -1 after the error reply. z NULL: the key is absent (FROMMEMBER is
 * then read but not looked up). */
static int parse_search_options(client *c, size_t base, unsigned flags, zset_value *z,
                                struct search_args *s) {
    size_t remaining = c->argc - base;
    const resp_arg *argv = c->argv + base;
    int geosearch = (flags & SEARCH_OPTIONS) != 0;
    int may_store = !(flags & SEARCH_NO_STORE) && !geosearch;
    for (size_t i = 0; i < remaining; i++) {
        const resp_arg *a = &argv[i];
        if (arg_is(a, "withdist")) {
            s->withdist = 1;
        } else if (arg_is(a, "withhash")) {
            s->withhash = 1;
        } else if (arg_is(a, "withcoord")) {
            s->withcoord = 1;
        } else if (arg_is(a, "any")) {
            s->any = 1;
        } else if (arg_is(a, "asc")) {
            s->sort = SORT_ASC;
        } else if (arg_is(a, "desc")) {
            s->sort = SORT_DESC;
        } else if (arg_is(a, "count") && i + 1 < remaining) {
            if (arg_ll(c, &argv[i + 1], &s->count) != 0) return -1;
            if (s->count <= 0) {
                reply_error(c, "COUNT must be > 0");
                return -1;
            }
            i++;
        } else if ((arg_is(a, "store") || arg_is(a, "storedist")) && i + 1 < remaining &&
                   may_store) {
            s->store = &argv[i + 1];
            s->storedist = arg_is(a, "storedist");
            i++;
        } else if (arg_is(a, "storedist") && geosearch && (flags & SEARCH_STORE)) {
            s->storedist = 1;
        } else if (arg_is(a, "frommember") && i + 1 < remaining && geosearch && !s->fromlonlat) {
            double score;
            if (z && !zset_score(z, argv[i + 1].ptr, argv[i + 1].len, &score)) {
                reply_error(c, "could not decode requested zset member");
                return -1;
            }
            if (z) geo_decode_score(score, s->shape.xy);
            s->frommember = 1;
            i++;
        } else if (arg_is(a, "fromlonlat") && i + 2 < remaining && geosearch && !s->frommember) {
            if (arg_lonlat(c, &argv[i + 1], s->shape.xy) != 0) return -1;
            s->fromlonlat = 1;
            i += 2;
        } else if (arg_is(a, "byradius") && i + 2 < remaining && geosearch && !s->bybox) {
            if (arg_radius(c, &argv[i + 1], &s->shape) != 0) return -1;
            s->shape.type = GEO_CIRCLE;
            s->byradius = 1;
            i += 2;
        } else if (arg_is(a, "bybox") && i + 3 < remaining && geosearch && !s->byradius) {
            if (arg_box(c, &argv[i + 1], &s->shape) != 0) return -1;
            s->shape.type = GEO_BOX;
            s->bybox = 1;
            i += 3;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    const resp_arg *name = &c->argv[0];
    if (s->store && (s->withdist || s->withhash || s->withcoord)) {
        reply_errorf(c, "%s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
                     (flags & SEARCH_STORE) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return -1;
    }
    if (geosearch && !(s->frommember || s->fromlonlat)) {
        reply_errorf(c, "exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                     (int)name->len, name->ptr);
        return -1;
    }
    if (geosearch && !(s->byradius || s->bybox)) {
        reply_errorf(c, "exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                     (int)name->len, name->ptr);
        return -1;
    }
    if (s->any && !s->count) {
        reply_error(c, "the ANY argument requires COUNT argument");
        return -1;
    }
    return 0;
}

static void reply_points(client *c, const struct search_args *s, struct geo_point *p, size_t n) {
    long long extras = s->withdist + s->withhash + s->withcoord;
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++) {
        if (extras) reply_array(c, extras + 1);
        reply_bulk(c, p[i].member, p[i].len);
        if (s->withdist) reply_distance(c, p[i].dist / s->shape.conversion);
        if (s->withhash) reply_int(c, (long long)p[i].score);
        if (s->withcoord) {
            reply_array(c, 2);
            reply_coordinate(c, p[i].longitude);
            reply_coordinate(c, p[i].latitude);
        }
    }
}

/* The results as a sorted set under the store key (scored by hash, or STOREDIST's distance). */
static void store_points(client *c, const struct search_args *s, unsigned flags,
                         const struct geo_point *p, size_t n) {
    zset_value *z = NULL;
    if (n) {
        struct packed_limits lim = zset_limits();
        z = zset_new();
        for (size_t i = 0; i < n; i++)
            zset_set(z, p[i].member, p[i].len,
                     s->storedist ? p[i].dist / s->shape.conversion : p[i].score, &lim);
    }
    const char *event = (flags & SEARCH_OPTIONS) ? "geosearchstore" : "georadiusstore";
    if (db_store_result(c->db, s->store->ptr, s->store->len, OBJ_ZSET, z, event)) {
        server.dirty += n ? (long long)n : 1;
        db_signal_modified(c->db, s->store->ptr, s->store->len);
    }
    multi_keys_touched_by_handler();
    reply_int(c, (long long)n);
}

static void search_generic(client *c, size_t src_index, unsigned flags) {
    int failed;
    zset_value *z = lookup_zset(c, &c->argv[src_index], &failed);
    if (failed) return;
    struct search_args s = {0};
    size_t base;
    if (flags & SEARCH_BY_COORDS) {
        base = 6;
        s.shape.type = GEO_CIRCLE;
        if (arg_lonlat(c, &c->argv[2], s.shape.xy) != 0 || arg_radius(c, &c->argv[4], &s.shape) != 0)
            return;
    } else if (flags & SEARCH_BY_MEMBER) {
        base = 5;
        if (z) {
            double score;
            s.shape.type = GEO_CIRCLE;
            if (!zset_score(z, c->argv[2].ptr, c->argv[2].len, &score)) {
                reply_error(c, "could not decode requested zset member");
                return;
            }
            geo_decode_score(score, s.shape.xy);
            if (arg_radius(c, &c->argv[3], &s.shape) != 0) return;
        }
    } else {
        base = 2;
        if (flags & SEARCH_STORE) {
            base = 3;
            s.store = &c->argv[1];
        }
    }
    if (parse_search_options(c, base, flags, z, &s) != 0) return;

    if (!z) {
        if (s.store)
            store_points(c, &s, flags, NULL, 0);
        else
            reply_array(c, 0);
        return;
    }
    /* COUNT wants the nearest, unless ANY asked for whichever come first. */
    if (s.count && s.sort == SORT_NONE && !s.any) s.sort = SORT_ASC;

    geo_shape_prepare(&s.shape);
    struct geo_points ps = {NULL, 0, 0};
    points_in_shape(z, &s.shape, &ps, s.any ? (size_t)s.count : 0);
    size_t n = ps.n;
    if (s.count && (unsigned long long)s.count < n) n = (size_t)s.count;
    if (s.sort != SORT_NONE && n) {
        point_cmp *cmp = s.sort == SORT_ASC ? nearer_first : farther_first;
        if (n == ps.n)
            qsort(ps.p, ps.n, sizeof *ps.p, cmp);
        else
            partial_sort(ps.p, ps.n, cmp, n - 1);
    }
    if (s.store)
        store_points(c, &s, flags, ps.p, n);
    else
        reply_points(c, &s, ps.p, n);
    mem_free(ps.p);
}

void cmd_georadius(client *c) { search_generic(c, 1, SEARCH_BY_COORDS); }
void cmd_georadius_ro(client *c) { search_generic(c, 1, SEARCH_BY_COORDS | SEARCH_NO_STORE); }
void cmd_georadiusbymember(client *c) { search_generic(c, 1, SEARCH_BY_MEMBER); }
void cmd_georadiusbymember_ro(client *c) {
    search_generic(c, 1, SEARCH_BY_MEMBER | SEARCH_NO_STORE);
}
void cmd_geosearch(client *c) { search_generic(c, 1, SEARCH_OPTIONS); }
void cmd_geosearchstore(client *c) { search_generic(c, 2, SEARCH_OPTIONS | SEARCH_STORE); }

/* GEORADIUS and GEORADIUSBYMEMBER keys: the searched key, and the STORE or STOREDIST
 * destination, the last one given (Redis's georadiusGetKeys). */
size_t georadius_find_keys(const resp_arg *argv, size_t argc, size_t *index, size_t cap) {
    size_t n = 0, store = 0;
    if (cap > 0) index[n++] = 1;
    for (size_t i = 5; i < argc; i++) {
        if ((arg_is(&argv[i], "store") || arg_is(&argv[i], "storedist")) && i + 1 < argc) {
            store = i + 1;
            i++;
        }
    }
    if (store && n < cap) index[n++] = store;
    return n;
}
