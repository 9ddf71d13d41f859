#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/id_index.h"
#include "values/stream.h"

static const struct stream_limits limits = {4096, 100};

static stream_id id_of(uint64_t ms, uint64_t seq) {
    stream_id id = {ms, seq};
    return id;
}

static void add(stream *s, uint64_t ms, uint64_t seq, const char *f, const char *v) {
    resp_arg fv[2] = {{(char *)f, strlen(f)}, {(char *)v, strlen(v)}};
    stream_id want = id_of(ms, seq), got;
    assert_int_equal(stream_append(s, fv, 1, &want, 1, 0, &limits, &got), 0);
    assert_int_equal(stream_id_cmp(&want, &got), 0);
}

/* The IDs the stream walks through from start to end, forwards or backwards. */
static size_t walk(stream *s, const stream_id *start, const stream_id *end, int rev,
                   stream_id *out, size_t cap) {
    stream_iter it;
    stream_iter_start(&it, s, start, end, rev);
    stream_id id;
    int64_t nfields;
    size_t n = 0;
    while (stream_iter_next(&it, &id, &nfields) && n < cap) {
        const char *f, *v;
        size_t flen, vlen;
        for (int64_t k = 0; k < nfields; k++)
            stream_iter_field(&it, &f, &flen, &v, &vlen);
        out[n++] = id;
    }
    return n;
}

static void test_id_index_keeps_order_through_splits(void **state) {
    (void)state;
    id_index ix;
    idx_init(&ix);
    /* Out of order on purpose: chunks split in the middle as well as at the end. */
    for (uint64_t i = 0; i < 1000; i++) {
        stream_id id = id_of((i * 7919) % 1000, 0);
        assert_int_equal(idx_insert(&ix, &id, (void *)(uintptr_t)(id.ms + 1)), 0);
    }
    stream_id dup = id_of(5, 0);
    assert_int_equal(idx_insert(&ix, &dup, NULL), -1);
    assert_int_equal(idx_size(&ix), 1000);
    idx_iter it;
    stream_id id;
    void *val;
    uint64_t expect = 0;
    for (idx_seek(&it, &ix, NULL); idx_next(&it, &id, &val); expect++) {
        assert_int_equal(id.ms, expect);
        assert_int_equal((uintptr_t)val, expect + 1);
    }
    assert_int_equal(expect, 1000);
    for (uint64_t i = 0; i < 1000; i += 2) {
        stream_id gone = id_of(i, 0);
        assert_non_null(idx_remove(&ix, &gone));
    }
    stream_id from = id_of(500, 0);
    idx_seek(&it, &ix, &from);
    assert_true(idx_next(&it, &id, NULL));
    assert_int_equal(id.ms, 501);
    assert_true(idx_last(&ix, &id, NULL));
    assert_int_equal(id.ms, 999);
    idx_release(&ix, NULL);
}

static void test_stream_walks_both_ways_across_nodes(void **state) {
    (void)state;
    stream *s = stream_new();
    for (uint64_t i = 1; i <= 350; i++)
        add(s, i, 0, i % 3 ? "f" : "other", "v");
    assert_int_equal(s->nnodes, 4); /* 100 entries a node */
    stream_id out[400];
    assert_int_equal(walk(s, NULL, NULL, 0, out, 400), 350);
    assert_int_equal(out[349].ms, 350);
    stream_id lo = id_of(99, 0), hi = id_of(201, 0);
    size_t n = walk(s, &lo, &hi, 1, out, 400);
    assert_int_equal(n, 103);
    assert_int_equal(out[0].ms, 201);
    assert_int_equal(out[n - 1].ms, 99);
    stream_free(s);
}

static void test_stream_delete_and_trim(void **state) {
    (void)state;
    stream *s = stream_new();
    for (uint64_t i = 1; i <= 250; i++)
        add(s, i, 0, "f", "v");
    stream_id gone = id_of(150, 0);
    assert_int_equal(stream_delete(s, &gone), 1);
    assert_int_equal(stream_delete(s, &gone), 0);
    assert_false(stream_entry_exists(s, &gone));
    assert_int_equal(s->length, 249);
    /* Approximate trimming only drops whole nodes. */
    struct stream_trim approx = {STREAM_TRIM_MAXLEN, 1, 0, 120, {0, 0}};
    assert_int_equal(stream_trim(s, &approx), 100);
    assert_int_equal(s->nnodes, 2);
    struct stream_trim exact = {STREAM_TRIM_MAXLEN, 0, 0, 120, {0, 0}};
    assert_int_equal(stream_trim(s, &exact), 29);
    assert_int_equal(s->length, 120);
    assert_int_equal(s->first_id.ms, 130);
    struct stream_trim minid = {STREAM_TRIM_MINID, 0, 0, 0, {240, 0}};
    assert_int_equal(stream_trim(s, &minid), 109);
    stream_id first;
    stream_edge_id(s, 1, 1, &first);
    assert_int_equal(first.ms, 240);
    /* Deleting a node's last live entry removes the node. */
    size_t nodes = s->nnodes;
    for (uint64_t i = 240; i <= 250; i++) {
        stream_id id = id_of(i, 0);
        stream_delete(s, &id);
    }
    assert_int_equal(s->length, 0);
    assert_int_equal(s->nnodes, nodes - 1);
    stream_free(s);
}

static void test_stream_radix_nodes_match_redis(void **state) {
    (void)state;
    stream *s = stream_new();
    assert_int_equal(stream_radix_nodes(s), 1);
    add(s, 1, 0, "f", "v");
    assert_int_equal(stream_radix_nodes(s), 2); /* a compressed root and the key */
    stream_free(s);
    /* Two keys that differ in the last byte: root, the branch, two keys. */
    s = stream_new();
    struct stream_limits one = {4096, 1};
    resp_arg fv[2] = {{"f", 1}, {"v", 1}};
    stream_id a = id_of(1, 0), b = id_of(1, 1), got;
    stream_append(s, fv, 1, &a, 1, 0, &one, &got);
    stream_append(s, fv, 1, &b, 1, 0, &one, &got);
    assert_int_equal(s->nnodes, 2);
    assert_int_equal(stream_radix_nodes(s), 4);
    stream_free(s);
}

static void test_stream_check_node_accepts_ours_refuses_damage(void **state) {
    (void)state;
    stream *s = stream_new();
    for (uint64_t i = 1; i <= 10; i++)
        add(s, i, 0, i % 2 ? "f" : "g", "value");
    stream_id gone = id_of(3, 0);
    stream_delete(s, &gone);
    const unsigned char *lp = stream_node_at(s, 0)->lp;
    size_t len = lp_bytes(lp);
    const char *why;
    assert_int_equal(stream_check_node(lp, len, &why), 0);
    unsigned char *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, lp, len);
            copy[i] ^= (unsigned char)(1 << bit);
            /* Must not crash; when accepted the node must still walk. */
            stream_check_node(copy, len, &why);
        }
    }
    free(copy);
    stream_free(s);
}

static void test_stream_groups_sorted_and_lag(void **state) {
    (void)state;
    stream *s = stream_new();
    for (uint64_t i = 1; i <= 5; i++)
        add(s, i, 0, "f", "v");
    stream_id zero = id_of(0, 0);
    assert_non_null(stream_group_create(s, "b", 1, &zero, 0));
    assert_non_null(stream_group_create(s, "a", 1, &zero, 0));
    assert_non_null(stream_group_create(s, "ab", 2, &zero, 0));
    assert_null(stream_group_create(s, "a", 1, &zero, 0));
    assert_int_equal(s->groups[0]->namelen, 1);
    assert_memory_equal(s->groups[0]->name, "a", 1); /* names are not NUL-terminated */
    assert_memory_equal(s->groups[1]->name, "ab", 2);
    struct stream_group *g = stream_group_find(s, "b", 1);
    long long lag;
    assert_true(stream_group_lag(s, g, &lag));
    assert_int_equal(lag, 5);
    stream_id two = id_of(2, 0);
    stream_group_advance(s, g, &two);
    assert_true(stream_group_lag(s, g, &lag));
    assert_int_equal(lag, 4);
    /* ENTRIESREAD past what was added gives a negative lag, not an unknown one. */
    struct stream_group *ahead = stream_group_create(s, "c", 1, &zero, 7);
    assert_true(stream_group_lag(s, ahead, &lag));
    assert_int_equal(lag, -2);
    stream_group_destroy(s, "c", 1);
    stream *copy = stream_dup(s);
    assert_int_equal(copy->ngroups, 3);
    stream_free(copy);
    assert_int_equal(stream_group_destroy(s, "ab", 2), 1);
    assert_int_equal(s->ngroups, 2);
    stream_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_index_keeps_order_through_splits),
        cmocka_unit_test(test_stream_walks_both_ways_across_nodes),
        cmocka_unit_test(test_stream_delete_and_trim),
        cmocka_unit_test(test_stream_radix_nodes_match_redis),
        cmocka_unit_test(test_stream_check_node_accepts_ours_refuses_damage),
        cmocka_unit_test(test_stream_groups_sorted_and_lag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
