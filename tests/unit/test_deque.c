#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "values/deque.h"

/* The model: an array of strings, operated on the slow obvious way. */
typedef struct {
    char **items;
    size_t *lens;
    size_t n;
} model;

static void model_insert(model *m, size_t at, const char *s, size_t len) {
    m->items = realloc(m->items, (m->n + 1) * sizeof *m->items);
    m->lens = realloc(m->lens, (m->n + 1) * sizeof *m->lens);
    memmove(m->items + at + 1, m->items + at, (m->n - at) * sizeof *m->items);
    memmove(m->lens + at + 1, m->lens + at, (m->n - at) * sizeof *m->lens);
    m->items[at] = malloc(len + 1);
    memcpy(m->items[at], s, len);
    m->lens[at] = len;
    m->n++;
}

static void model_delete(model *m, size_t at) {
    free(m->items[at]);
    memmove(m->items + at, m->items + at + 1, (m->n - at - 1) * sizeof *m->items);
    memmove(m->lens + at, m->lens + at + 1, (m->n - at - 1) * sizeof *m->lens);
    m->n--;
}

static void model_free(model *m) {
    while (m->n) model_delete(m, m->n - 1);
    free(m->items);
    free(m->lens);
}

static void assert_elem(const deque_elem *e, const model *m, size_t i) {
    assert_int_equal(e->len, m->lens[i]);
    assert_memory_equal(e->ptr, m->items[i], e->len);
}

/* Walks the whole deque both ways and compares it with the model. */
static void check_same(deque *d, const model *m) {
    assert_int_equal(d->count, m->n);
    if (m->n == 0) {
        assert_null(d->head);
        assert_null(d->tail);
        return;
    }
    deque_iter it;
    deque_elem e;
    size_t i = 0;
    for (deque_iter_at(&it, d, 0, 1); deque_iter_valid(&it); deque_iter_next(&it), i++) {
        deque_iter_get(&it, &e);
        assert_elem(&e, m, i);
    }
    assert_int_equal(i, m->n);
    for (deque_iter_at(&it, d, m->n - 1, 0); deque_iter_valid(&it); deque_iter_next(&it)) {
        deque_iter_get(&it, &e);
        assert_elem(&e, m, --i);
    }
    assert_int_equal(i, 0);
}

/* Random values: integers (packed), short strings, empty ones, and big ones that need a
 * chunk of their own. */
static size_t random_value(char *buf) {
    switch (rand() % 10) {
    case 0:
        return (size_t)snprintf(buf, 32, "%lld", (long long)rand() * (rand() % 2 ? 1 : -1));
    case 1:
        return (size_t)snprintf(buf, 32, "%lld", (long long)(rand() % 100000) << 40);
    case 2:
        return 0;
    case 3:
        return (size_t)snprintf(buf, 32, "007");
    case 4: {
        size_t len = 3000 + (size_t)(rand() % 9000);
        memset(buf, 'a' + rand() % 26, len);
        return len;
    }
    default: {
        size_t len = 1 + (size_t)(rand() % 40);
        for (size_t i = 0; i < len; i++) buf[i] = (char)(rand() % 256);
        return len;
    }
    }
}

static void random_ops(unsigned seed, int steps, int max_len) {
    srand(seed);
    deque *d = deque_new();
    model m = {0};
    static char buf[16384];
    for (int step = 0; step < steps; step++) {
        size_t len = random_value(buf);
        int op = rand() % 12;
        if ((int)m.n > max_len && op < 4) op += 4;
        switch (op) {
        case 0: case 1:
            deque_push(d, DEQUE_TAIL, buf, len);
            model_insert(&m, m.n, buf, len);
            break;
        case 2: case 3:
            deque_push(d, DEQUE_HEAD, buf, len);
            model_insert(&m, 0, buf, len);
            break;
        case 4: case 5:
            if (m.n) {
                deque_elem e;
                int head = op == 4;
                deque_peek(d, head ? DEQUE_HEAD : DEQUE_TAIL, &e);
                assert_elem(&e, &m, head ? 0 : m.n - 1);
                deque_pop(d, head ? DEQUE_HEAD : DEQUE_TAIL);
                model_delete(&m, head ? 0 : m.n - 1);
            }
            break;
        case 6:
            if (m.n) {
                size_t at = (size_t)rand() % m.n;
                deque_iter it;
                deque_iter_at(&it, d, at, 1);
                deque_iter_replace(&it, buf, len);
                free(m.items[at]);
                m.items[at] = malloc(len + 1);
                memcpy(m.items[at], buf, len);
                m.lens[at] = len;
            }
            break;
        case 7:
            if (m.n) {
                size_t at = (size_t)rand() % m.n;
                int after = rand() % 2;
                deque_iter it;
                deque_iter_at(&it, d, at, rand() % 2);
                deque_iter_insert(&it, after, buf, len);
                model_insert(&m, at + (size_t)after, buf, len);
            }
            break;
        case 8:
            /* Delete every k-th element walking one way, as LREM does. */
            if (m.n) {
                int forward = rand() % 2, k = 1 + rand() % 4;
                size_t at = (size_t)rand() % m.n, pos = at;
                deque_iter it;
                deque_iter_at(&it, d, at, forward);
                for (int i = 0; deque_iter_valid(&it); i++) {
                    deque_elem e;
                    deque_iter_get(&it, &e);
                    assert_elem(&e, &m, pos);
                    if (i % k == 0) {
                        deque_iter_delete(&it);
                        model_delete(&m, pos);
                        if (!forward) {
                            if (pos == 0) break;
                            pos--;
                        }
                    } else {
                        deque_iter_next(&it);
                        if (forward) {
                            pos++;
                        } else {
                            if (pos == 0) break;
                            pos--;
                        }
                    }
                }
            }
            break;
        case 9:
            if (m.n) {
                size_t at = (size_t)rand() % m.n;
                size_t count = (size_t)rand() % (m.n - at + 1);
                deque_delete_range(d, at, count);
                for (size_t i = 0; i < count; i++) model_delete(&m, at);
            }
            break;
        case 10:
            if (m.n) {
                size_t at = (size_t)rand() % m.n;
                deque_iter it;
                deque_elem e;
                deque_iter_at(&it, d, at, 1);
                deque_iter_get(&it, &e);
                assert_elem(&e, &m, at);
            }
            break;
        default: {
            deque *copy = deque_dup(d);
            check_same(copy, &m);
            deque_free(copy);
            break;
        }
        }
        if (step % 16 == 0) check_same(d, &m);
    }
    check_same(d, &m);
    deque_free(d);
    model_free(&m);
}

static void test_deque_random_small(void **state) {
    (void)state;
    for (unsigned seed = 1; seed <= 40; seed++) random_ops(seed, 600, 30);
}

static void test_deque_random_large(void **state) {
    (void)state;
    for (unsigned seed = 100; seed <= 109; seed++) random_ops(seed, 20000, 3000);
}

static void test_deque_integers_round_trip(void **state) {
    (void)state;
    static const char *values[] = {"0", "-1", "1", "9223372036854775807", "-9223372036854775808",
                                   "4611686018427387904", "-4611686018427387904",
                                   "4611686018427387903", "-4611686018427387903", "+1", "01",
                                   "-0", " 1", "1 "};
    deque *d = deque_new();
    size_t n = sizeof values / sizeof values[0];
    for (size_t i = 0; i < n; i++) deque_push(d, DEQUE_TAIL, values[i], strlen(values[i]));
    for (size_t i = 0; i < n; i++) {
        deque_elem e;
        deque_peek(d, DEQUE_HEAD, &e);
        assert_int_equal(e.len, strlen(values[i]));
        assert_memory_equal(e.ptr, values[i], e.len);
        deque_pop(d, DEQUE_HEAD);
    }
    assert_int_equal(d->count, 0);
    deque_free(d);
}

static void test_deque_small_elements_are_packed(void **state) {
    (void)state;
    size_t before = mem_used();
    deque *d = deque_new();
    char v[16];
    memset(v, 'x', sizeof v);
    for (int i = 0; i < 100000; i++) deque_push(d, i % 2 ? DEQUE_HEAD : DEQUE_TAIL, v, sizeof v);
    size_t per_element = (mem_used() - before) / 100000;
    /* 16 bytes of data, 2 of header and back-length, a little chunk overhead. */
    assert_true(per_element <= 19);
    assert_int_equal(deque_bytes(d), mem_used() - before);
    deque_free(d);
    assert_int_equal(mem_used(), before);
}

static void test_deque_fifo_keeps_memory_bounded(void **state) {
    (void)state;
    size_t before = mem_used();
    deque *d = deque_new();
    for (int i = 0; i < 1000; i++) deque_push(d, DEQUE_TAIL, "job-payload", 11);
    size_t steady = mem_used();
    for (int i = 0; i < 200000; i++) {
        deque_push(d, DEQUE_TAIL, "job-payload", 11);
        deque_pop(d, DEQUE_HEAD);
    }
    assert_true(mem_used() <= steady + 2 * 8192 + 256);
    deque_free(d);
    assert_int_equal(mem_used(), before);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deque_random_small),
        cmocka_unit_test(test_deque_random_large),
        cmocka_unit_test(test_deque_integers_round_trip),
        cmocka_unit_test(test_deque_small_elements_are_packed),
        cmocka_unit_test(test_deque_fifo_keeps_memory_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
