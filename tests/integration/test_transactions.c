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

/* WATCH dst; another client SMOVEs a member from src to dst; then EXEC's reply length. */
static long long exec_after_smove(const char *watched, const char *dst_members) {
    redisContext *c = itest_connect(&server);
    freeReplyObject(redisCommand(admin, "DEL tx:src tx:dst"));
    freeReplyObject(redisCommand(admin, "SADD tx:src a b"));
    freeReplyObject(redisCommand(admin, "SADD tx:dst %s", dst_members));
    freeReplyObject(redisCommand(c, "WATCH %s", watched));
    assert_int_equal(itest_integer(admin, "SMOVE tx:src tx:dst a"), 1);
    expect_status(c, "MULTI", "OK");
    expect_status(c, "SCARD tx:dst", "QUEUED");
    long long n = exec_length(c);
    redisFree(c);
    return n;
}

static void test_smove_onto_a_member_already_there_leaves_the_destination_unchanged(void **state) {
    (void)state;
    assert_int_equal(exec_after_smove("tx:dst", "a"), 1);
    assert_int_equal(exec_after_smove("tx:dst", "z"), -1);
    assert_int_equal(exec_after_smove("tx:src", "a"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watched_key_changed_by_another_client_aborts_exec),
        cmocka_unit_test(test_unwatch_forgets_a_change_already_seen),
        cmocka_unit_test(test_reset_forgets_a_change_already_seen),
        cmocka_unit_test(test_smove_onto_a_member_already_there_leaves_the_destination_unchanged),
    };
    return cmocka_run_group_tests_name("transactions", tests, setup, teardown);
}
