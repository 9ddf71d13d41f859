/* Integration tests: MULTI/EXEC/WATCH across several clients against a live rill-server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "itest.h"

static struct itest_server server;
static redisContext *admin;

static int setup(void **state) {
    (void)state;
    return itest_open(&server, &admin);
}

static int teardown(void **state) {
    (void)state;
    itest_close(&server, admin);
    return 0;
}

/* A status or bulk-string reply with this text. */
static void expect_status(redisContext *c, const char *cmd, const char *status) {
    redisReply *r = redisCommand(c, cmd);
    assert_non_null(r);
    assert_string_equal(r->str, status);
    freeReplyObject(r);
}

/* EXEC's reply: an array of n replies, or nil (-1) when a watched key changed. */
static long long exec_length(redisContext *c) {
    redisReply *r = redisCommand(c, "EXEC");
    assert_non_null(r);
    long long n = r->type == REDIS_REPLY_NIL ? -1 : (long long)r->elements;
    if (r->type != REDIS_REPLY_NIL) assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    return n;
}

static void test_watched_key_changed_by_another_client_aborts_exec(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    expect_status(admin, "SET tx:k 1", "OK");
    expect_status(c, "WATCH tx:k", "OK");
    expect_status(admin, "SET tx:k 2", "OK");
    expect_status(c, "MULTI", "OK");
    expect_status(c, "INCR tx:k", "QUEUED");
    assert_int_equal(exec_length(c), -1);
    redisFree(c);
}

static void test_unwatch_forgets_a_change_already_seen(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    expect_status(admin, "SET tx:u 1", "OK");
    expect_status(c, "WATCH tx:u", "OK");
    expect_status(admin, "SET tx:u 2", "OK");
    expect_status(c, "UNWATCH", "OK");
    expect_status(c, "MULTI", "OK");
    expect_status(c, "INCR tx:u", "QUEUED");
    assert_int_equal(exec_length(c), 1);
    expect_status(admin, "GET tx:u", "3");
    redisFree(c);
}

static void test_reset_forgets_a_change_already_seen(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    expect_status(admin, "SET tx:r 1", "OK");
    expect_status(c, "WATCH tx:r", "OK");
    expect_status(admin, "SET tx:r 2", "OK");
    expect_status(c, "RESET", "RESET");
    expect_status(c, "MULTI", "OK");
    expect_status(c, "INCR tx:r", "QUEUED");
    assert_int_equal(exec_length(c), 1);
    redisFree(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watched_key_changed_by_another_client_aborts_exec),
        cmocka_unit_test(test_unwatch_forgets_a_change_already_seen),
        cmocka_unit_test(test_reset_forgets_a_change_already_seen),
    };
    return cmocka_run_group_tests_name("transactions", tests, setup, teardown);
}
