#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "buf.h"

static void test_append_consume_and_printf(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_append_str(&b, "hello ");
    buf_printf(&b, "%s %d", "world", 42);
    assert_int_equal(b.len, 14);
    assert_memory_equal(b.data, "hello world 42", 14);
    buf_consume(&b, 6);
    assert_memory_equal(b.data, "world 42", 8);
    buf_free(&b);
    assert_null(b.data);
}

static void test_resize_never_cuts_what_is_in_use(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_reserve(&b, 100000);
    buf_append(&b, "abc", 3);
    buf_resize(&b, 1000);
    assert_int_equal(b.cap, 1000);
    buf_resize(&b, 1);
    assert_int_equal(b.cap, 3);
    assert_memory_equal(b.data, "abc", 3);
    b.len = 0;
    buf_resize(&b, 0);
    assert_null(b.data);
    assert_int_equal(b.cap, 0);
}

static void test_shrink_keeps_a_small_spare(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b);
    buf_reserve(&b, 1000);
    size_t cap = b.cap;
    buf_shrink(&b, 4096);
    assert_int_equal(b.cap, cap);
    buf_shrink(&b, 10);
    assert_null(b.data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_consume_and_printf),
        cmocka_unit_test(test_resize_never_cuts_what_is_in_use),
        cmocka_unit_test(test_shrink_keeps_a_small_spare),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
