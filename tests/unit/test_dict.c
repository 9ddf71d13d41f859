#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

typedef struct item {
    dict_node node;
    int seen;
    char key[16];
} item;

static void item_key(const dict_node *n, const char **k, size_t *len) {
    const item *it = (const item *)n;
    *k = it->key;
    *len = strlen(it->key);
}

static const dict_type item_type = {item_key};

/* A table that may grow only while allowed; records what it was asked. */
static int growth_allowed;
static size_t asked_bytes;
static double asked_load;

static int may_grow(size_t more_bytes, double load) {
    asked_bytes = more_bytes;
    asked_load = load;
    return growth_allowed;
}

static const dict_type guarded_type = {item_key, may_grow};

static item *make_items(int n) {
    item *items = calloc((size_t)n, sizeof *items);
    for (int i = 0; i < n; i++) snprintf(items[i].key, sizeof items[i].key, "k%d", i);
    return items;
}

static void test_dict_grows_and_finds(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(10000);
    for (int i = 0; i < 10000; i++) dict_add(&d, &items[i].node);
    assert_int_equal(dict_size(&d), 10000);
    for (int i = 0; i < 10000; i++)
        assert_ptr_equal(dict_find(&d, items[i].key, strlen(items[i].key)), &items[i].node);
    assert_null(dict_find(&d, "nope", 4));
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_asks_before_it_grows(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &guarded_type);
    item *items = make_items(100);
    growth_allowed = 1;
    for (int i = 0; i < 16; i++) dict_add(&d, &items[i].node);
    size_t bytes = dict_bytes(&d), buckets = bytes / sizeof(dict_node *);
    growth_allowed = 0;
    for (int i = 16; i < 40; i++) dict_add(&d, &items[i].node);
    assert_int_equal(dict_bytes(&d), bytes); /* refused: the same table, more crowded */
    assert_int_equal(asked_bytes, 128 * sizeof(dict_node *)); /* 39 nodes: 2x, a power of 2 */
    assert_true(asked_load > 39.0 / (double)buckets - 0.01 && asked_load >= 1.0);
    for (int i = 0; i < 40; i++)
        assert_ptr_equal(dict_find(&d, items[i].key, strlen(items[i].key)), &items[i].node);
    growth_allowed = 1;
    dict_add(&d, &items[40].node);
    assert_true(dict_bytes(&d) > bytes);
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_reserve_sizes_once_for_all(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    dict_reserve(&d, 5000);
    size_t bytes = dict_bytes(&d);
    assert_true(bytes >= 5000 * sizeof(dict_node *));
    item *items = make_items(5000);
    for (int i = 0; i < 5000; i++) dict_add(&d, &items[i].node);
    assert_int_equal(dict_bytes(&d), bytes); /* no growth on the way */
    for (int i = 0; i < 5000; i++)
        assert_ptr_equal(dict_find(&d, items[i].key, strlen(items[i].key)), &items[i].node);
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_removes_and_shrinks(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(4096);
    for (int i = 0; i < 4096; i++) dict_add(&d, &items[i].node);
    while (dict_rehash(&d, 100)) {
    }
    size_t big = d.size[0];
    for (int i = 0; i < 4090; i++)
        assert_ptr_equal(dict_remove(&d, items[i].key, strlen(items[i].key)), &items[i].node);
    assert_null(dict_remove(&d, items[0].key, strlen(items[0].key)));
    dict_maybe_shrink(&d);
    while (dict_rehash(&d, 100)) {
    }
    assert_true(d.size[0] < big);
    assert_int_equal(dict_size(&d), 6);
    for (int i = 4090; i < 4096; i++)
        assert_non_null(dict_find(&d, items[i].key, strlen(items[i].key)));
    dict_release(&d, NULL, NULL);
    free(items);
}

static void mark_seen(dict_node *n, void *ctx) {
    (void)ctx;
    ((item *)n)->seen++;
}

/* Every item present for the whole scan is seen, while the table grows and shrinks. */
static void test_dict_scan_survives_resizing(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(20000);
    for (int i = 0; i < 1000; i++) dict_add(&d, &items[i].node);
    size_t cursor = 0;
    int steps = 0, next = 1000;
    do {
        cursor = dict_scan(&d, cursor, mark_seen, NULL);
        steps++;
        if (steps < 200) {
            for (int j = 0; j < 50; j++, next++) dict_add(&d, &items[next].node);
        } else if (next > 1000) {
            for (int j = 0; j < 100 && next > 1000; j++) {
                next--;
                dict_remove(&d, items[next].key, strlen(items[next].key));
            }
            dict_maybe_shrink(&d);
        }
    } while (cursor != 0);
    for (int i = 0; i < 1000; i++) assert_true(items[i].seen >= 1);
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_random_and_replace(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(100);
    for (int i = 0; i < 100; i++) dict_add(&d, &items[i].node);
    for (int i = 0; i < 1000; i++) {
        item *r = (item *)dict_random(&d);
        assert_true(r >= items && r < items + 100);
    }
    item copy = items[7];
    dict_replace(&d, &items[7].node, &copy.node);
    assert_ptr_equal(dict_find(&d, "k7", 2), &copy.node);
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_hash_depends_on_seed(void **state) {
    (void)state;
    uint8_t a[16] = {1}, b[16] = {2};
    dict_set_seed(a);
    uint64_t ha = dict_hash("key", 3);
    dict_set_seed(b);
    assert_true(ha != dict_hash("key", 3));
}

static void test_dict_iterator_visits_all_while_removing(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(5000);
    for (int i = 0; i < 5000; i++) dict_add(&d, &items[i].node);
    /* Shrink so a rehash is under way when the walk starts. */
    for (int i = 0; i < 4000; i++) dict_remove(&d, items[i].key, strlen(items[i].key));
    dict_maybe_shrink(&d);
    assert_true(d.rehash_idx >= 0);
    dict_iter it;
    dict_iter_init(&it, &d);
    size_t seen = 0;
    for (dict_node *n; (n = dict_iter_next(&it));) {
        item *x = (item *)n;
        assert_int_equal(x->seen, 0);
        x->seen = 1;
        seen++;
        /* Lookups and removing the node just returned are allowed. */
        assert_ptr_equal(dict_find(&d, x->key, strlen(x->key)), n);
        dict_remove(&d, x->key, strlen(x->key));
    }
    dict_iter_done(&it);
    assert_int_equal(seen, 1000);
    assert_int_equal(dict_size(&d), 0);
    dict_release(&d, NULL, NULL);
    free(items);
}

static void test_dict_random_distinct_picks_each_once(void **state) {
    (void)state;
    dict d;
    dict_init(&d, &item_type);
    item *items = make_items(1000);
    for (int i = 0; i < 1000; i++) dict_add(&d, &items[i].node);
    size_t counts[] = {5, 300, 400, 1000};
    dict_node *out[1000];
    for (size_t c = 0; c < 4; c++) {
        for (int i = 0; i < 1000; i++) items[i].seen = 0;
        dict_random_distinct(&d, counts[c], out);
        for (size_t i = 0; i < counts[c]; i++) {
            item *x = (item *)out[i];
            assert_int_equal(x->seen, 0);
            x->seen = 1;
        }
    }
    dict_release(&d, NULL, NULL);
    free(items);
}

/* 10 nodes in a table of 16 or so buckets share some chains: drawing a bucket, then a node
 * of its chain, favours the lone ones. The fair draw passes the chi-square test Redis's own
 * suite puts HRANDFIELD and SRANDMEMBER through (df = 9, bound 40). */
static void test_dict_fair_random_is_uniform(void **state) {
    (void)state;
    srandom(1);
    for (int round = 0; round < 20; round++) {
        dict d;
        dict_init(&d, &item_type);
        item *items = make_items(10);
        for (int i = 0; i < 10; i++) {
            snprintf(items[i].key, sizeof items[i].key, "r%uk%u", (unsigned)round & 0xffu,
                     (unsigned)i & 0xffu);
            dict_add(&d, &items[i].node);
        }
        for (int i = 0; i < 10000; i++) ((item *)dict_fair_random(&d))->seen++;
        double chi = 0, expected = 1000;
        for (int i = 0; i < 10; i++)
            chi += (items[i].seen - expected) * (items[i].seen - expected) / expected;
        assert_true(chi < 40);
        free(items);
        dict_release(&d, NULL, NULL);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dict_grows_and_finds),
        cmocka_unit_test(test_dict_asks_before_it_grows),
        cmocka_unit_test(test_dict_reserve_sizes_once_for_all),
        cmocka_unit_test(test_dict_removes_and_shrinks),
        cmocka_unit_test(test_dict_scan_survives_resizing),
        cmocka_unit_test(test_dict_random_and_replace),
        cmocka_unit_test(test_dict_hash_depends_on_seed),
        cmocka_unit_test(test_dict_iterator_visits_all_while_removing),
        cmocka_unit_test(test_dict_random_distinct_picks_each_once),
        cmocka_unit_test(test_dict_fair_random_is_uniform),
    };
    return cmocka_run_group_tests_name("dict", tests, NULL, NULL);
}
