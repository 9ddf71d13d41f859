/* Integration tests: blocking list and sorted set pops with several clients against a live
 * rill-server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

static struct itest_server server;
static redisContext *admin; /* pushes and inspects */

static int setup(void **state) {
    (void)state;
    return itest_open(&server, &admin);
}

static int teardown(void **state) {
    (void)state;
    itest_close(&server, admin);
    return 0;
}

static int reset(void **state) {
    (void)state;
    freeReplyObject(redisCommand(admin, "FLUSHALL"));
    return 0;
}

static double now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* Sends a command without waiting for its reply. */
static void send_only(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    assert_int_equal(redisvAppendCommand(c, fmt, ap), REDIS_OK);
    va_end(ap);
    int done = 0;
    while (!done) assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
}

static long long info_field(const char *field) {
    redisReply *r = redisCommand(admin, "INFO clients");
    const char *p = strstr(r->str, field);
    long long v = p ? atoll(p + strlen(field) + 1) : -1;
    freeReplyObject(r);
    return v;
}

/* Waits (bounded) until the server counts n blocked clients. */
static void wait_blocked(long long n) {
    for (int i = 0; i < 500; i++) {
        if (info_field("blocked_clients") == n) return;
        itest_sleep_ms(2);
    }
    fail_msg("blocked_clients never reached %lld (now %lld)", n, info_field("blocked_clients"));
}

/* Expects a [key, value] array. */
static void expect_key_value(redisContext *c, const char *key, const char *value) {
    redisReply *r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[0]->str, key);
    assert_string_equal(r->element[1]->str, value);
    freeReplyObject(r);
}

static void expect_bulk(redisContext *c, const char *value) {
    redisReply *r = itest_reply(c);
    assert_non_null(r->str);
    assert_string_equal(r->str, value);
    freeReplyObject(r);
}

static void test_first_blocked_first_served(void **state) {
    (void)state;
    redisContext *w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = itest_connect(&server);
        send_only(w[i], "BLPOP q 0");
        wait_blocked(i + 1);
    }
    /* One push of three elements: each waiter gets exactly one, in blocking order. */
    assert_int_equal(itest_integer(admin, "RPUSH q a b c"), 3);
    expect_key_value(w[0], "q", "a");
    expect_key_value(w[1], "q", "b");
    expect_key_value(w[2], "q", "c");
    assert_int_equal(itest_integer(admin, "EXISTS q"), 0);
    for (int i = 0; i < 3; i++) redisFree(w[i]);
}

static void test_more_waiters_than_elements(void **state) {
    (void)state;
    redisContext *a = itest_connect(&server), *b = itest_connect(&server);
    send_only(a, "BRPOP q 0");
    wait_blocked(1);
    send_only(b, "BRPOP q 0");
    wait_blocked(2);
    assert_int_equal(itest_integer(admin, "LPUSH q only"), 1);
    expect_key_value(a, "q", "only");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "LPUSH q second"), 1);
    expect_key_value(b, "q", "second");
    redisFree(a);
    redisFree(b);
}

static void test_multi_key_served_by_the_key_that_gets_data(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    send_only(c, "BLPOP k1 k2 k3 0");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "RPUSH k2 v"), 1);
    expect_key_value(c, "k2", "v");
    /* The client left every queue: a later push to k1 stays in the list. */
    wait_blocked(0);
    assert_int_equal(itest_integer(admin, "RPUSH k1 x"), 1);
    assert_int_equal(itest_integer(admin, "LLEN k1"), 1);
    redisFree(c);
}

static void test_pipelined_pushes_serve_after_each_command(void **state) {
    (void)state;
    redisContext *a = itest_connect(&server), *b = itest_connect(&server);
    send_only(a, "BLPOP q 0");
    wait_blocked(1);
    send_only(b, "BLPOP q 0");
    wait_blocked(2);
    redisAppendCommand(admin, "RPUSH q 1");
    redisAppendCommand(admin, "RPUSH q 2");
    redisAppendCommand(admin, "LLEN q");
    redisReply *r = itest_reply(admin);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    r = itest_reply(admin);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    r = itest_reply(admin);
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    expect_key_value(a, "q", "1");
    expect_key_value(b, "q", "2");
    redisFree(a);
    redisFree(b);
}

static void test_timeout_fires_on_time_with_nil(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    double start = now_ms();
    redisReply *r = redisCommand(c, "BLPOP nothing 0.2");
    double elapsed = now_ms() - start;
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    /* Not before its timeout; how late it may be is the machine's business (make bench). */
    assert_true(elapsed >= 195);
    r = redisCommand(c, "BLMOVE nothing dst LEFT RIGHT 0.05");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    assert_int_equal(info_field("blocked_clients"), 0);
    redisFree(c);
}

static void test_disconnect_while_blocked_loses_nothing(void **state) {
    (void)state;
    redisContext *gone = itest_connect(&server), *stays = itest_connect(&server);
    send_only(gone, "BLPOP q 0");
    wait_blocked(1);
    send_only(stays, "BLPOP q 0");
    wait_blocked(2);
    redisFree(gone);
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "RPUSH q a b"), 2);
    expect_key_value(stays, "q", "a");
    assert_int_equal(itest_integer(admin, "LLEN q"), 1);
    redisFree(stays);
}

static void test_rest_of_pipeline_runs_after_wakeup(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisAppendCommand(c, "BLPOP q 0");
    redisAppendCommand(c, "PING");
    redisAppendCommand(c, "RPUSH mine x");
    int done = 0;
    while (!done) redisBufferWrite(c, &done);
    wait_blocked(1);
    /* Nothing after the blocking command has run yet. */
    assert_int_equal(itest_integer(admin, "EXISTS mine"), 0);
    assert_int_equal(itest_integer(admin, "RPUSH q go"), 1);
    expect_key_value(c, "q", "go");
    expect_bulk(c, "PONG");
    redisReply *r = itest_reply(c);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    redisFree(c);
}

static void test_blmove_chain_wakes_the_next_queue(void **state) {
    (void)state;
    redisContext *mover = itest_connect(&server), *mover2 = itest_connect(&server),
                 *end = itest_connect(&server);
    send_only(mover, "BLMOVE q1 q2 LEFT RIGHT 0");
    wait_blocked(1);
    send_only(mover2, "BRPOPLPUSH q2 q3 0");
    wait_blocked(2);
    send_only(end, "BLPOP q3 0");
    wait_blocked(3);
    assert_int_equal(itest_integer(admin, "RPUSH q1 job"), 1);
    expect_bulk(mover, "job");
    expect_bulk(mover2, "job");
    expect_key_value(end, "q3", "job");
    assert_int_equal(itest_integer(admin, "EXISTS q1 q2 q3"), 0);
    redisFree(mover);
    redisFree(mover2);
    redisFree(end);
}

static void test_blmpop_takes_count_from_first_ready_key(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    send_only(c, "BLMPOP 0 2 a b RIGHT COUNT 2");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "RPUSH b 1 2 3"), 3);
    redisReply *r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_string_equal(r->element[0]->str, "b");
    assert_int_equal(r->element[1]->elements, 2);
    assert_string_equal(r->element[1]->element[0]->str, "3");
    assert_string_equal(r->element[1]->element[1]->str, "2");
    freeReplyObject(r);
    redisFree(c);
}

static void test_client_unblock_timeout_and_error(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    long long id = itest_integer(c, "CLIENT ID");
    send_only(c, "BLPOP q 0");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "CLIENT UNBLOCK %lld", id), 1);
    redisReply *r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    send_only(c, "BLPOP q 0");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "CLIENT UNBLOCK %lld ERROR", id), 1);
    r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    freeReplyObject(r);
    assert_int_equal(itest_integer(admin, "CLIENT UNBLOCK %lld", id), 0);
    redisFree(c);
}

static void test_key_of_another_type_keeps_waiters_waiting(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    send_only(c, "BLPOP k 0");
    wait_blocked(1);
    freeReplyObject(redisCommand(admin, "SET k string"));
    redisReply *r = redisCommand(admin, "LPUSH k x");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    assert_int_equal(itest_integer(admin, "DEL k"), 1);
    wait_blocked(1);
    /* A list arriving by RENAME serves the waiter too. */
    assert_int_equal(itest_integer(admin, "RPUSH other v"), 1);
    freeReplyObject(redisCommand(admin, "RENAME other k"));
    expect_key_value(c, "k", "v");
    redisFree(c);
}

static void test_swapdb_serves_waiters(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    freeReplyObject(redisCommand(c, "SELECT 1"));
    send_only(c, "BLPOP k 0");
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "RPUSH k in-db-0"), 1);
    freeReplyObject(redisCommand(admin, "SWAPDB 0 1"));
    expect_key_value(c, "k", "in-db-0");
    redisFree(c);
}

static void test_push_inside_exec_serves_after_exec(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    send_only(c, "BLPOP q 0");
    wait_blocked(1);
    /* Within the transaction the list gets two elements and loses one: the waiter must
     * see only what is left once EXEC is complete. */
    redisAppendCommand(admin, "MULTI");
    redisAppendCommand(admin, "RPUSH q a b");
    redisAppendCommand(admin, "LPOP q");
    redisAppendCommand(admin, "EXEC");
    for (int i = 0; i < 3; i++) freeReplyObject(itest_reply(admin));
    redisReply *r = itest_reply(admin);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->element[0]->integer, 2);
    assert_string_equal(r->element[1]->str, "a");
    freeReplyObject(r);
    expect_key_value(c, "q", "b");
    redisFree(c);
}

static void test_watch_fails_exec_after_another_clients_write(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    freeReplyObject(redisCommand(c, "WATCH q"));
    assert_int_equal(itest_integer(admin, "RPUSH q x"), 1);
    freeReplyObject(redisCommand(c, "MULTI"));
    freeReplyObject(redisCommand(c, "LPOP q"));
    redisReply *r = redisCommand(c, "EXEC");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    /* Writes to other keys (here a blocked pop served elsewhere) leave the watch intact. */
    freeReplyObject(redisCommand(c, "WATCH q"));
    redisContext *w = itest_connect(&server);
    send_only(w, "BLPOP other 0");
    wait_blocked(1);
    freeReplyObject(redisCommand(admin, "RPUSH other y"));
    expect_key_value(w, "other", "y");
    freeReplyObject(redisCommand(c, "MULTI"));
    freeReplyObject(redisCommand(c, "LLEN q"));
    r = redisCommand(c, "EXEC");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    freeReplyObject(r);
    redisFree(w);
    redisFree(c);
}

static long cpu_ticks(pid_t pid) {
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* utime and stime are fields 14 and 15, after the ")" that ends the name. */
    const char *p = strrchr(buf, ')');
    long utime = 0, stime = 0;
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &utime, &stime);
    return utime + stime;
}

static void test_thousands_of_idle_waiters_cost_no_cpu(void **state) {
    (void)state;
    enum { N = 2000 };
    redisContext **w = calloc(N, sizeof *w);
    for (int i = 0; i < N; i++) {
        w[i] = itest_connect(&server);
        assert_non_null(w[i]);
        /* Half wait forever, half with a long timeout, on 200 keys. */
        send_only(w[i], i % 2 ? "BLPOP key:%d 0" : "BRPOP key:%d 3600", i % 200);
    }
    wait_blocked(N);
    long before = cpu_ticks(server.pid);
    itest_sleep_ms(1000);
    long used = cpu_ticks(server.pid) - before;
    /* At hz 10, a second of waiting is a few cron ticks: far below 5 jiffies (50 ms). */
    assert_true(used <= 5);
    /* Every waiter gets one element: 10 per key. */
    for (int k = 0; k < 200; k++) {
        redisAppendCommand(admin, "RPUSH key:%d 0 1 2 3 4 5 6 7 8 9", k);
    }
    for (int k = 0; k < 200; k++) freeReplyObject(itest_reply(admin));
    for (int i = 0; i < N; i++) {
        redisReply *r = itest_reply(w[i]);
        assert_int_equal(r->type, REDIS_REPLY_ARRAY);
        freeReplyObject(r);
        redisFree(w[i]);
    }
    free(w);
    assert_int_equal(itest_integer(admin, "DBSIZE"), 0);
}

/* Expects a [key, member, score] array (BZPOPMIN / BZPOPMAX). */
static void expect_key_member_score(redisContext *c, const char *key, const char *member,
                                    const char *score) {
    redisReply *r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[0]->str, key);
    assert_string_equal(r->element[1]->str, member);
    assert_string_equal(r->element[2]->str, score);
    freeReplyObject(r);
}

static void test_bzpopmin_served_by_zadd(void **state) {
    (void)state;
    redisContext *a = itest_connect(&server), *b = itest_connect(&server);
    send_only(a, "BZPOPMIN z1 z2 0");
    wait_blocked(1);
    send_only(b, "BZPOPMAX z2 0");
    wait_blocked(2);
    /* One ZADD of three members: the first waiter takes the lowest, the second the highest. */
    assert_int_equal(itest_integer(admin, "ZADD z2 1 low 2 mid 3 high"), 3);
    expect_key_member_score(a, "z2", "low", "1");
    expect_key_member_score(b, "z2", "high", "3");
    assert_int_equal(itest_integer(admin, "ZCARD z2"), 1);
    redisFree(a);
    redisFree(b);
}

static void test_waiters_are_woken_only_by_their_type(void **state) {
    (void)state;
    redisContext *list_waiter = itest_connect(&server), *zset_waiter = itest_connect(&server);
    send_only(list_waiter, "BLPOP k 0");
    wait_blocked(1);
    send_only(zset_waiter, "BZMPOP 0 1 k MIN COUNT 2");
    wait_blocked(2);
    /* A sorted set under the key serves the sorted set waiter; BLPOP keeps waiting. */
    assert_int_equal(itest_integer(admin, "ZADD k 2 b 1 a 3 c"), 3);
    redisReply *r = itest_reply(zset_waiter);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_string_equal(r->element[0]->str, "k");
    assert_int_equal(r->element[1]->elements, 2);
    assert_string_equal(r->element[1]->element[0]->element[0]->str, "a");
    assert_string_equal(r->element[1]->element[1]->element[0]->str, "b");
    freeReplyObject(r);
    wait_blocked(1);
    assert_int_equal(itest_integer(admin, "DEL k"), 1);
    assert_int_equal(itest_integer(admin, "RPUSH k v"), 1);
    expect_key_value(list_waiter, "k", "v");
    redisFree(list_waiter);
    redisFree(zset_waiter);
}

static void test_bzpopmin_times_out_with_a_nil_array(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "BZPOPMIN nothing 0.05");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    redisFree(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_first_blocked_first_served, reset),
        cmocka_unit_test_setup(test_more_waiters_than_elements, reset),
        cmocka_unit_test_setup(test_multi_key_served_by_the_key_that_gets_data, reset),
        cmocka_unit_test_setup(test_pipelined_pushes_serve_after_each_command, reset),
        cmocka_unit_test_setup(test_timeout_fires_on_time_with_nil, reset),
        cmocka_unit_test_setup(test_disconnect_while_blocked_loses_nothing, reset),
        cmocka_unit_test_setup(test_rest_of_pipeline_runs_after_wakeup, reset),
        cmocka_unit_test_setup(test_blmove_chain_wakes_the_next_queue, reset),
        cmocka_unit_test_setup(test_blmpop_takes_count_from_first_ready_key, reset),
        cmocka_unit_test_setup(test_client_unblock_timeout_and_error, reset),
        cmocka_unit_test_setup(test_key_of_another_type_keeps_waiters_waiting, reset),
        cmocka_unit_test_setup(test_swapdb_serves_waiters, reset),
        cmocka_unit_test_setup(test_push_inside_exec_serves_after_exec, reset),
        cmocka_unit_test_setup(test_watch_fails_exec_after_another_clients_write, reset),
        cmocka_unit_test_setup(test_thousands_of_idle_waiters_cost_no_cpu, reset),
        cmocka_unit_test_setup(test_bzpopmin_served_by_zadd, reset),
        cmocka_unit_test_setup(test_waiters_are_woken_only_by_their_type, reset),
        cmocka_unit_test_setup(test_bzpopmin_times_out_with_a_nil_array, reset),
    };
    return cmocka_run_group_tests_name("blocking", tests, setup, teardown);
}
