#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/intset.h"
#include "values/packlist.h"
#include "values/set_value.h"

static const struct set_limits limits = {512, 128, 64};

static void add_str(set_value *s, const char *m) { set_add(s, m, strlen(m), &limits); }

static void test_intset_keeps_order_and_widens(void **state) {
    intset *is = intset_new();
    int added;
    long long values[] = {5, -3, 70000, -70000, 9223372036854775807LL, 0, 5};
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) is = intset_add(is, values[i], &added);
    assert_int_equal(is->count, 6);
    assert_int_equal(is->width, 8);
    long long sorted[] = {-70000, -3, 0, 5, 70000, 9223372036854775807LL};
    for (size_t i = 0; i < 6; i++) assert_true(intset_get(is, i) == sorted[i]);
    size_t index;
    assert_true(intset_find(is, 70000, &index));
    assert_int_equal(index, 4);
    is = intset_remove(is, 70000, &added);
    assert_true(added);
    assert_false(intset_find(is, 70000, &index));
    is = intset_remove(is, 12345, &added);
    assert_false(added);
    intset_free(is);
}

static void test_packlist_insert_find_delete(void **state) {
    size_t before = mem_used();
    packlist *pl = pl_new();
    pl = pl_append(pl, "a", 1);
    pl = pl_append(pl, "", 0);
    char big[300];
    memset(big, 'x', sizeof big);
    pl = pl_append(pl, big, sizeof big); /* a two-byte length */
    pl = pl_insert(pl, 0, "first", 5);
    assert_int_equal(pl->count, 4);
    assert_true(pl_equals(pl, 0, "first", 5));
    size_t off = pl_find(pl, 0, "", 0, 1);
    assert_int_equal(off, pl_offset_of(pl, 2));
    assert_int_equal(pl_find(pl, 0, "zz", 2, 1), pl->used);
    size_t len;
    pl_get(pl, pl_offset_of(pl, 3), &len);
    assert_int_equal(len, sizeof big);
    pl = pl_replace(pl, pl_offset_of(pl, 1), "bbb", 3);
    assert_true(pl_equals(pl, pl_offset_of(pl, 1), "bbb", 3));
    pl = pl_delete(pl, 0, 2);
    assert_int_equal(pl->count, 2);
    assert_true(pl_equals(pl, 0, "", 0));
    pl_free(pl);
    assert_int_equal(mem_used(), before);
}

static void test_set_integers_stay_an_intset(void **state) {
    set_value *s = set_new();
    for (int i = 0; i < 512; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", 1000 - i);
        add_str(s, num);
    }
    assert_int_equal(s->enc, SET_INTSET);
    add_str(s, "99999");
    assert_int_equal(s->enc, SET_TABLE); /* past set-max-intset-entries */
    assert_true(set_contains(s, "1000", 4));
    set_free(s);
}

static void test_set_non_canonical_integers_are_strings(void **state) {
    set_value *s = set_new();
    add_str(s, "1");
    add_str(s, "01");
    assert_int_equal(s->enc, SET_PACKED);
    assert_int_equal(set_count(s), 2);
    assert_true(set_contains(s, "01", 2));
    assert_true(set_contains(s, "1", 1));
    assert_false(set_contains(s, "+1", 2));
    set_free(s);
}

static void test_set_packed_converts_past_limits(void **state) {
    set_value *s = set_new();
    for (int i = 0; i < 128; i++) {
        char m[16];
        snprintf(m, sizeof m, "m%d", i);
        add_str(s, m);
    }
    assert_int_equal(s->enc, SET_PACKED);
    add_str(s, "one-more");
    assert_int_equal(s->enc, SET_TABLE);
    assert_int_equal(set_count(s), 129);
    set_free(s);
    s = set_new();
    char long_member[100];
    memset(long_member, 'y', sizeof long_member - 1);
    long_member[sizeof long_member - 1] = '\0';
    add_str(s, long_member);
    assert_int_equal(s->enc, SET_TABLE);
    set_free(s);
}

/* Every encoding: adds, removes, iteration and random picks agree with a plain array. */
static void test_set_random_ops_every_encoding(void **state) {
    size_t before = mem_used();
    for (int round = 0; round < 3; round++) {
        set_value *s = set_new();
        srandom(11 + round);
        for (int step = 0; step < 5000; step++) {
            int v = (int)(random() % 300);
            char m[16];
            /* round 0: integers only; 1: a few strings; 2: many strings */
            if (round == 0 || v % (round == 1 ? 50 : 2)) {
                snprintf(m, sizeof m, "%d", v);
            } else {
                snprintf(m, sizeof m, "s%d", v);
            }
            if (random() % 3) {
                int was = set_contains(s, m, strlen(m));
                assert_int_equal(set_add(s, m, strlen(m), &limits), !was);
            } else {
                int was = set_contains(s, m, strlen(m));
                assert_int_equal(set_remove(s, m, strlen(m)), was);
            }
        }
        assert_int_equal(set_bytes(s), mem_used() - before);
        size_t n = set_count(s), seen = 0;
        set_iter it;
        const char *m;
        size_t len;
        set_iter_init(&it, s);
        while (set_iter_next(&it, &m, &len)) {
            assert_true(set_contains(s, m, len));
            seen++;
        }
        set_iter_done(&it);
        assert_int_equal(seen, n);
        struct set_pick *picks = set_random_distinct(s, n / 2);
        for (size_t i = 0; i < n / 2; i++) {
            assert_true(set_contains(s, picks[i].ptr, picks[i].len));
            for (size_t j = 0; j < i; j++)
                assert_false(picks[i].len == picks[j].len &&
                             memcmp(picks[i].ptr, picks[j].ptr, picks[i].len) == 0);
        }
        for (size_t i = 0; i < n / 2; i++) mem_free(picks[i].ptr);
        mem_free(picks);
        set_value *copy = set_dup(s);
        assert_int_equal(set_count(copy), n);
        set_free(copy);
        set_free(s);
    }
    assert_int_equal(mem_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intset_keeps_order_and_widens),
        cmocka_unit_test(test_packlist_insert_find_delete),
        cmocka_unit_test(test_set_integers_stay_an_intset),
        cmocka_unit_test(test_set_non_canonical_integers_are_strings),
        cmocka_unit_test(test_set_packed_converts_past_limits),
        cmocka_unit_test(test_set_random_ops_every_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
