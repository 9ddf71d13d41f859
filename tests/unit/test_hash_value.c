#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/hash_value.h"

static const struct packed_limits limits = {8, 16};

static void set(hash_value *h, const char *f, const char *v) {
    hash_set(h, f, strlen(f), v, strlen(v), &limits);
}

static void assert_value(hash_value *h, const char *f, const char *want) {
    const char *v;
    size_t vlen;
    if (!want) {
        assert_false(hash_get(h, f, strlen(f), &v, &vlen));
        return;
    }
    assert_true(hash_get(h, f, strlen(f), &v, &vlen));
    assert_int_equal(vlen, strlen(want));
    assert_memory_equal(v, want, vlen);
}

static void test_hash_packed_keeps_insertion_order(void **state) {
    hash_value *h = hash_new();
    set(h, "b", "1");
    set(h, "a", "2");
    set(h, "b", "3"); /* replaced in place */
    assert_non_null(h->pl);
    hash_iter it;
    const char *f, *v;
    size_t flen, vlen;
    hash_iter_init(&it, h);
    assert_true(hash_iter_next(&it, &f, &flen, &v, &vlen));
    assert_memory_equal(f, "b", 1);
    assert_memory_equal(v, "3", 1);
    assert_true(hash_iter_next(&it, &f, &flen, &v, &vlen));
    assert_memory_equal(f, "a", 1);
    assert_false(hash_iter_next(&it, &f, &flen, &v, &vlen));
    hash_iter_done(&it);
    hash_free(h);
}

static void test_hash_converts_by_count_and_by_length(void **state) {
    hash_value *h = hash_new();
    for (int i = 0; i < 8; i++) {
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        set(h, f, "v");
    }
    assert_non_null(h->pl);
    set(h, "f8", "v");
    assert_null(h->pl);
    assert_int_equal(hash_count(h), 9);
    assert_value(h, "f0", "v");
    hash_free(h);
    h = hash_new();
    set(h, "short", "a value longer than sixteen");
    assert_null(h->pl);
    assert_value(h, "short", "a value longer than sixteen");
    hash_free(h);
}

/* Both encodings agree with a plain array of fields. */
static void test_hash_random_ops(void **state) {
    size_t before = mem_used();
    hash_value *h = hash_new();
    char values[64][16] = {{0}};
    srandom(3);
    for (int step = 0; step < 4000; step++) {
        int i = (int)(random() % 64);
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        if (random() % 3) {
            char v[16];
            snprintf(v, sizeof v, "%ld", random() % 1000);
            int is_new = values[i][0] == 0;
            assert_int_equal(hash_set(h, f, strlen(f), v, strlen(v), &limits), is_new);
            strcpy(values[i], v);
        } else {
            assert_int_equal(hash_delete(h, f, strlen(f)), values[i][0] != 0);
            values[i][0] = 0;
        }
    }
    /* Every byte the hash holds is counted (for MEMORY USAGE and maxmemory). */
    assert_int_equal(hash_bytes(h), mem_used() - before);
    size_t n = 0;
    for (int i = 0; i < 64; i++) {
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        assert_value(h, f, values[i][0] ? values[i] : NULL);
        n += values[i][0] != 0;
    }
    assert_int_equal(hash_count(h), n);
    hash_value *copy = hash_dup(h);
    assert_int_equal(hash_count(copy), n);
    hash_free(copy);
    hash_free(h);
    assert_int_equal(mem_used(), before);
}

/* Duplicates among many packed fields are found, whatever their length and shared ends. */
static void test_packed_duplicates_are_found_among_fields(void **state) {
    (void)state;
    char names[100][48];
    const char *s[200];
    size_t len[200];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "field-with-a-long-shared-tail-%02d", i);
        s[2 * i] = names[i], len[2 * i] = strlen(names[i]);
        s[2 * i + 1] = "v", len[2 * i + 1] = 1; /* values may repeat */
    }
    packlist *pl = pl_from_strings(s, len, 200);
    assert_false(pl_has_duplicates(pl, 2));
    hash_value *h = hash_from_packed(pl);
    const char *v;
    size_t vlen;
    assert_true(hash_get(h, names[42], strlen(names[42]), &v, &vlen) && vlen == 1);
    hash_free(h);
    s[198] = names[3], len[198] = strlen(names[3]);
    pl = pl_from_strings(s, len, 200);
    assert_true(pl_has_duplicates(pl, 2));
    pl_free(pl);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_packed_keeps_insertion_order),
        cmocka_unit_test(test_hash_converts_by_count_and_by_length),
        cmocka_unit_test(test_hash_random_ops),
        cmocka_unit_test(test_packed_duplicates_are_found_among_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
