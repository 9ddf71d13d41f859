#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/zset_value.h"

/* The model: members and scores in a sorted array, kept the slow obvious way. */
struct item {
    char m[16];
    double score;
};

typedef struct {
    struct item items[4096];
    size_t n;
} model;

static int item_cmp(const void *a, const void *b) {
    const struct item *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? -1 : 1;
    return strcmp(x->m, y->m);
}

static long model_find(const model *md, const char *m) {
    for (size_t i = 0; i < md->n; i++)
        if (strcmp(md->items[i].m, m) == 0) return (long)i;
    return -1;
}

static void model_set(model *md, const char *m, double score) {
    long i = model_find(md, m);
    if (i < 0) {
        i = (long)md->n++;
        snprintf(md->items[i].m, sizeof md->items[i].m, "%s", m);
    }
    md->items[i].score = score;
    qsort(md->items, md->n, sizeof *md->items, item_cmp);
}

static void model_delete_ranks(model *md, size_t start, size_t end) {
    memmove(md->items + start, md->items + end + 1, (md->n - end - 1) * sizeof *md->items);
    md->n -= end - start + 1;
}

/* Every member in both directions, every rank, every score. */
static void check_same(zset_value *z, const model *md) {
    assert_int_equal(zset_count(z), md->n);
    zset_iter it;
    const char *m;
    size_t len;
    double score;
    zset_iter_init(&it, z, 0, 0);
    for (size_t i = 0; i < md->n; i++) {
        assert_true(zset_iter_next(&it, &m, &len, &score));
        assert_int_equal(len, strlen(md->items[i].m));
        assert_memory_equal(m, md->items[i].m, len);
        assert_true(score == md->items[i].score);
    }
    assert_false(zset_iter_next(&it, &m, &len, &score));
    zset_iter_done(&it);
    if (md->n) {
        zset_iter_init(&it, z, md->n - 1, 1);
        for (size_t i = md->n; i-- > 0;) {
            assert_true(zset_iter_next(&it, &m, &len, &score));
            assert_memory_equal(m, md->items[i].m, len);
        }
        assert_false(zset_iter_next(&it, &m, &len, &score));
        zset_iter_done(&it);
    }
    for (size_t i = 0; i < md->n; i += 7) {
        size_t rank;
        const char *name = md->items[i].m;
        assert_true(zset_rank(z, name, strlen(name), &rank));
        assert_int_equal(rank, i);
        assert_true(zset_score(z, name, strlen(name), &score));
        assert_true(score == md->items[i].score);
    }
}

static int score_below(double score, const char *m, size_t len, const void *ctx) {
    (void)m, (void)len;
    return score < *(const double *)ctx;
}

static void run_random(size_t max_packed) {
    struct packed_limits lim = {max_packed, 64};
    size_t before = mem_used();
    zset_value *z = zset_new();
    model *md = calloc(1, sizeof *md);
    srandom(7);
    for (int step = 0; step < 20000; step++) {
        char m[16];
        snprintf(m, sizeof m, "m%ld", random() % 600);
        double score = (double)(random() % 100) / 4;
        int op = (int)(random() % 10);
        if (op < 6) {
            int is_new = model_find(md, m) < 0;
            assert_int_equal(zset_set(z, m, strlen(m), score, &lim), is_new);
            model_set(md, m, score);
        } else if (op < 8) {
            long i = model_find(md, m);
            assert_int_equal(zset_delete(z, m, strlen(m)), i >= 0);
            if (i >= 0) model_delete_ranks(md, (size_t)i, (size_t)i);
        } else if (op == 8 && md->n > 0) {
            size_t start = (size_t)random() % md->n;
            size_t end = start + (size_t)random() % 5;
            if (end >= md->n) end = md->n - 1;
            zset_delete_ranks(z, start, end);
            model_delete_ranks(md, start, end);
        } else {
            size_t expected = 0;
            while (expected < md->n && md->items[expected].score < score) expected++;
            assert_int_equal(zset_count_before(z, score_below, &score), expected);
        }
        if (step % 500 == 0) check_same(z, md);
    }
    check_same(z, md);
    assert_int_equal(zset_bytes(z), mem_used() - before);
    zset_value *copy = zset_dup(z);
    check_same(copy, md);
    zset_free(copy);
    zset_free(z);
    free(md);
}

static void test_zset_packed_matches_model(void **state) {
    size_t before = mem_used();
    run_random(100000); /* never converts */
    assert_int_equal(mem_used(), before);
}

static void test_zset_skiplist_matches_model(void **state) {
    size_t before = mem_used();
    run_random(16); /* converts early */
    assert_int_equal(mem_used(), before);
}

static void test_zset_converts_past_limits(void **state) {
    struct packed_limits lim = {4, 8};
    zset_value *z = zset_new();
    for (int i = 0; i < 4; i++) {
        char m[16];
        snprintf(m, sizeof m, "m%d", i);
        zset_set(z, m, strlen(m), i, &lim);
    }
    assert_non_null(z->pl);
    zset_set(z, "m9", 2, 9, &lim);
    assert_null(z->pl);
    zset_free(z);
    z = zset_new();
    zset_set(z, "a-long-member", 13, 1, &lim);
    assert_null(z->pl);
    zset_free(z);
}

static void test_zset_packed_zero_has_no_sign(void **state) {
    /* Redis keeps listpack scores as text: -0 reads back as 0 there, not in a skip list. */
    struct packed_limits lim = {128, 64};
    zset_value *z = zset_new();
    zset_set(z, "a", 1, -0.0, &lim);
    double score;
    assert_true(zset_score(z, "a", 1, &score));
    assert_false(signbit(score));
    zset_free(z);
}

/* A packed sorted set built at once (a snapshot's listpack) must be in (score, member) order;
 * a repeated member is found by pl_has_duplicates. */
static void test_zset_from_packed_takes_only_ordered_pairs(void **state) {
    (void)state;
    double s1 = 1, s2 = 2;
    const char *ordered[] = {"b", (const char *)&s1, "a", (const char *)&s2};
    const char *unordered[] = {"b", (const char *)&s2, "a", (const char *)&s1};
    const char *dup[] = {"a", (const char *)&s1, "a", (const char *)&s2};
    size_t lens[] = {1, 8, 1, 8};
    packlist *pl = pl_from_strings(ordered, lens, 4);
    assert_false(pl_has_duplicates(pl, 2));
    zset_value *z = zset_from_packed(pl);
    assert_non_null(z);
    double score;
    assert_true(zset_score(z, "a", 1, &score) && score == 2);
    assert_int_equal(zset_count(z), 2);
    zset_free(z);
    pl = pl_from_strings(unordered, lens, 4);
    assert_null(zset_from_packed(pl));
    pl_free(pl);
    pl = pl_from_strings(dup, lens, 4);
    assert_true(pl_has_duplicates(pl, 2));
    pl_free(pl);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zset_packed_matches_model),
        cmocka_unit_test(test_zset_skiplist_matches_model),
        cmocka_unit_test(test_zset_converts_past_limits),
        cmocka_unit_test(test_zset_packed_zero_has_no_sign),
        cmocka_unit_test(test_zset_from_packed_takes_only_ordered_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
