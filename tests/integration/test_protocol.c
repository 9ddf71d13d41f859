/* Integration tests: the protocol and the loop, against a live rill-server. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "itest.h"

static struct itest_server server;

static int setup(void **state) {
    (void)state;
    return itest_start(&server, NULL);
}

static int teardown(void **state) {
    (void)state;
    itest_stop(&server);
    return 0;
}

static void test_pipeline_of_10000_commands_in_one_write(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    for (int i = 0; i < 10000; i++) redisAppendCommand(c, "SET pipe:%d %d", i, i);
    for (int i = 0; i < 10000; i++) redisAppendCommand(c, "GET pipe:%d", i);
    for (int i = 0; i < 10000; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
        assert_string_equal(r->str, "OK");
        freeReplyObject(r);
    }
    for (int i = 0; i < 10000; i++) {
        redisReply *r;
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
        assert_string_equal(r->str, want);
        freeReplyObject(r);
    }
    redisFree(c);
}

static void test_command_split_at_every_byte(void **state) {
    (void)state;
    const char req[] = "*3\r\n$3\r\nSET\r\n$5\r\nsplit\r\n$5\r\nvalue\r\nPING\r\n";
    int fd = itest_raw_connect(&server);
    for (size_t i = 0; i < sizeof req - 1; i++) {
        assert_int_equal(write(fd, req + i, 1), 1);
        itest_sleep_ms(1);
    }
    char buf[64];
    size_t n = 0;
    for (int tries = 0; n < 12 && tries < 50; tries++)
        n += itest_read_all(fd, buf + n, sizeof buf - n, 200);
    assert_string_equal(buf, "+OK\r\n+PONG\r\n");
    close(fd);
}

static void expect_protocol_error(const char *input, const char *reply) {
    int fd = itest_raw_connect(&server);
    assert_int_equal(write(fd, input, strlen(input)), (ssize_t)strlen(input));
    char buf[256];
    itest_read_all(fd, buf, sizeof buf, 2000);
    /* The error is sent and the connection closed (read_all returns at EOF). */
    assert_string_equal(buf, reply);
    close(fd);
}

static void test_protocol_errors_reply_and_close(void **state) {
    (void)state;
    expect_protocol_error("*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    expect_protocol_error("*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    expect_protocol_error("*1\r\n+x\r\n", "-ERR Protocol error: expected '$', got '+'\r\n");
    expect_protocol_error("PING\r\nSET \"a\r\n",
                          "+PONG\r\n-ERR Protocol error: unbalanced quotes in request\r\n");
    expect_protocol_error("*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length\r\n");
    /* The server keeps serving others. */
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "PING");
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    redisFree(c);
}

static void test_quit_replies_then_closes(void **state) {
    (void)state;
    expect_protocol_error("QUIT\r\nPING\r\n", "+OK\r\n");
}

static void test_big_value_round_trip(void **state) {
    (void)state;
    size_t len = 20 * 1024 * 1024;
    char *value = malloc(len);
    for (size_t i = 0; i < len; i++) value[i] = (char)(i * 7);
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "SET big %b", value, len);
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    r = redisCommand(c, "GET big");
    assert_int_equal(r->len, len);
    assert_memory_equal(r->str, value, len);
    freeReplyObject(r);
    assert_int_equal(itest_integer(c, "APPEND big %b", "xyz", (size_t)3), (long long)len + 3);
    assert_int_equal(itest_integer(c, "DEL big"), 1);
    redisFree(c);
    free(value);
}

static void test_thousand_concurrent_connections(void **state) {
    (void)state;
    enum { N = 1000 };
    redisContext **cs = calloc(N, sizeof *cs);
    for (int i = 0; i < N; i++) {
        cs[i] = itest_connect(&server);
        assert_non_null(cs[i]);
        assert_int_equal(cs[i]->err, 0);
        redisAppendCommand(cs[i], "INCR conns");
    }
    for (int i = 0; i < N; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(cs[i], (void **)&r), REDIS_OK);
        assert_int_equal(r->type, REDIS_REPLY_INTEGER);
        freeReplyObject(r);
    }
    redisReply *r = redisCommand(cs[0], "GET conns");
    assert_string_equal(r->str, "1000");
    freeReplyObject(r);
    for (int i = 0; i < N; i++) redisFree(cs[i]);
    free(cs);
}

static void test_disconnect_mid_pipeline_costs_nothing(void **state) {
    (void)state;
    int fd = itest_raw_connect(&server);
    char req[64 * 1024];
    size_t n = 0;
    while (n + 40 < sizeof req) n += (size_t)snprintf(req + n, sizeof req - n, "SET gone %zu\r\n", n);
    assert_int_equal(write(fd, req, n), (ssize_t)n);
    close(fd);
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "PING");
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    redisFree(c);
}

static long long info_field(redisContext *c, const char *field) {
    redisReply *r = redisCommand(c, "INFO");
    const char *p = strstr(r->str, field);
    long long v = p ? atoll(p + strlen(field) + 1) : -1;
    freeReplyObject(r);
    return v;
}

static void test_active_expiry_reclaims_unread_keys(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "SELECT 5");
    freeReplyObject(r);
    for (int i = 0; i < 2000; i++) redisAppendCommand(c, "SET exp:%d v PX 100", i);
    for (int i = 0; i < 2000; i++) {
        redisGetReply(c, (void **)&r);
        freeReplyObject(r);
    }
    assert_int_equal(itest_integer(c, "DBSIZE"), 2000);
    /* Nobody reads these keys: only the active cycle can remove them. */
    long long size = -1;
    for (int i = 0; i < 300 && size != 0; i++) {
        itest_sleep_ms(10);
        size = itest_integer(c, "DBSIZE");
    }
    assert_int_equal(size, 0);
    assert_true(info_field(c, "expired_keys") >= 2000);
    redisFree(c);
}

static void test_lazy_expiry_on_access(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "SET lazy v PX 30");
    freeReplyObject(r);
    itest_sleep_ms(60);
    r = redisCommand(c, "GET lazy");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    assert_int_equal(itest_integer(c, "TTL lazy"), -2);
    redisFree(c);
}

static void test_scan_returns_every_key_while_table_grows(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, "SELECT 6");
    freeReplyObject(r);
    for (int i = 0; i < 1000; i++) redisAppendCommand(c, "SET base:%d v", i);
    for (int i = 0; i < 1000; i++) {
        redisGetReply(c, (void **)&r);
        freeReplyObject(r);
    }
    char *seen = calloc(1000, 1);
    unsigned long long cursor = 0;
    int extra = 0;
    do {
        r = redisCommand(c, "SCAN %llu COUNT 20", cursor);
        cursor = strtoull(r->element[0]->str, NULL, 10);
        for (size_t i = 0; i < r->element[1]->elements; i++) {
            int k;
            if (sscanf(r->element[1]->element[i]->str, "base:%d", &k) == 1) seen[k] = 1;
        }
        freeReplyObject(r);
        /* Grow the table (several doublings) during the first steps of the iteration. */
        for (int j = 0; j < 200 && extra < 10000; j++, extra++) {
            redisReply *s = redisCommand(c, "SET extra:%d v", extra);
            freeReplyObject(s);
        }
    } while (cursor != 0);
    for (int i = 0; i < 1000; i++) assert_true(seen[i]);
    free(seen);
    redisFree(c);
}

static void test_maxclients_refuses_the_one_over(void **state) {
    (void)state;
    struct itest_server small;
    assert_int_equal(itest_start(&small, "--maxclients", "3", NULL), 0);
    redisContext *cs[3];
    for (int i = 0; i < 3; i++) {
        cs[i] = itest_connect(&small);
        redisReply *r = redisCommand(cs[i], "PING");
        assert_non_null(r);
        freeReplyObject(r);
    }
    int fd = itest_raw_connect(&small);
    char buf[128];
    itest_read_all(fd, buf, sizeof buf, 2000);
    assert_string_equal(buf, "-ERR max number of clients reached\r\n");
    close(fd);
    for (int i = 0; i < 3; i++) redisFree(cs[i]);
    itest_stop(&small);
}

static void test_query_buffer_limit_closes_client(void **state) {
    (void)state;
    struct itest_server small;
    assert_int_equal(itest_start(&small, "--client-query-buffer-limit", "1mb", NULL), 0);
    int fd = itest_raw_connect(&small);
    const char *head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000000\r\n";
    assert_true(write(fd, head, strlen(head)) > 0);
    char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    ssize_t sent = 0;
    for (int i = 0; i < 40; i++) {
        ssize_t w = write(fd, chunk, sizeof chunk);
        if (w <= 0) break;
        sent += w;
    }
    /* Closed without a reply, as Redis closes it: the next read sees the end of the stream. */
    char buf[64];
    assert_int_equal(itest_read_all(fd, buf, sizeof buf, 5000), 0);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 5000), 1);
    ssize_t got = read(fd, buf, sizeof buf);
    assert_true(got == 0 || (got < 0 && errno == ECONNRESET)); /* a reset: data was unread */
    close(fd);
    redisContext *c = itest_connect(&small);
    redisReply *r = redisCommand(c, "PING");
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    redisFree(c);
    itest_stop(&small);
}

static void test_requirepass_gates_commands(void **state) {
    (void)state;
    struct itest_server locked;
    assert_int_equal(itest_start(&locked, "--requirepass", "pw", NULL), 0);
    /* itest_start's PING got NOAUTH; that still proves the server answers. */
    redisContext *c = itest_connect(&locked);
    redisReply *r = redisCommand(c, "GET x");
    assert_string_equal(r->str, "NOAUTH Authentication required.");
    freeReplyObject(r);
    r = redisCommand(c, "AUTH wrong");
    assert_string_equal(r->str, "WRONGPASS invalid username-password pair or user is disabled.");
    freeReplyObject(r);
    r = redisCommand(c, "AUTH pw");
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    r = redisCommand(c, "GET x");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    redisFree(c);
    itest_stop(&locked);
}

static void test_output_limit_closes_client_that_does_not_read(void **state) {
    (void)state;
    struct itest_server limited;
    /* The whole setting as one command-line value, as a config file line would give it. */
    assert_int_equal(itest_start(&limited, "--client-output-buffer-limit", "normal 1mb 0 0", NULL),
                     0);
    redisContext *c = itest_connect(&limited);
    static char value[100 * 1024];
    memset(value, 'v', sizeof value);
    freeReplyObject(redisCommand(c, "SET big %b", value, sizeof value));
    /* 50 pipelined GETs ask for 5 MB of replies from a client that reads nothing yet. */
    int fd = itest_raw_connect(&limited);
    char req[50 * 32];
    size_t len = 0;
    for (int i = 0; i < 50; i++) len += (size_t)sprintf(req + len, "GET big\r\n");
    assert_int_equal(write(fd, req, len), (ssize_t)len);
    itest_sleep_ms(200);
    static char sink[8 * 1024 * 1024];
    size_t got = itest_read_all(fd, sink, sizeof sink, 2000);
    assert_true(got < 50 * sizeof value);
    close(fd);
    redisReply *r = redisCommand(c, "CONFIG GET client-output-buffer-limit");
    assert_string_equal(r->element[1]->str,
                        "normal 1048576 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
    freeReplyObject(r);
    redisFree(c);
    itest_stop(&limited);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_of_10000_commands_in_one_write),
        cmocka_unit_test(test_command_split_at_every_byte),
        cmocka_unit_test(test_protocol_errors_reply_and_close),
        cmocka_unit_test(test_quit_replies_then_closes),
        cmocka_unit_test(test_big_value_round_trip),
        cmocka_unit_test(test_thousand_concurrent_connections),
        cmocka_unit_test(test_disconnect_mid_pipeline_costs_nothing),
        cmocka_unit_test(test_active_expiry_reclaims_unread_keys),
        cmocka_unit_test(test_lazy_expiry_on_access),
        cmocka_unit_test(test_scan_returns_every_key_while_table_grows),
        cmocka_unit_test(test_maxclients_refuses_the_one_over),
        cmocka_unit_test(test_query_buffer_limit_closes_client),
        cmocka_unit_test(test_requirepass_gates_commands),
        cmocka_unit_test(test_output_limit_closes_client_that_does_not_read),
    };
    return cmocka_run_group_tests_name("protocol", tests, setup, teardown);
}
