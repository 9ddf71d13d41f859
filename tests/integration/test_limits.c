/* Integration tests: limits that keep one client from costing the others (issue 8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "itest.h"

static long long info_field(redisContext *c, const char *section, const char *field) {
    redisReply *r = redisCommand(c, "INFO %s", section);
    assert_non_null(r);
    const char *at = strstr(r->str, field);
    assert_non_null(at);
    long long v = atoll(at + strlen(field) + 1);
    freeReplyObject(r);
    return v;
}

static int open_fds(pid_t pid) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* Waits (bounded) until the server counts this many clients. */
static void wait_for_clients(redisContext *c, long long n) {
    for (int i = 0; i < 500 && info_field(c, "clients", "connected_clients") != n; i++)
        itest_sleep_ms(10);
    assert_int_equal(info_field(c, "clients", "connected_clients"), n);
}

static void test_ten_thousand_connections_leak_nothing(void **state) {
    (void)state;
    struct itest_server s;
    redisContext *c;
    assert_int_equal(itest_open(&s, &c), 0);
    wait_for_clients(c, 1);
    int fds = open_fds(s.pid);
    long long used = info_field(c, "memory", "used_memory");
    for (int i = 0; i < 10000; i++) {
        int fd = itest_raw_connect(&s);
        assert_true(fd >= 0);
        if (i % 2) { /* half of them say something first */
            char buf[8] = {0};
            assert_int_equal(write(fd, "PING\r\n", 6), 6);
            for (size_t got = 0; got < 7;) {
                ssize_t n = read(fd, buf + got, 7 - got);
                assert_true(n > 0);
                got += (size_t)n;
            }
            assert_string_equal(buf, "+PONG\r\n");
        }
        close(fd);
    }
    wait_for_clients(c, 1);
    assert_int_equal(open_fds(s.pid), fds);
    assert_true(info_field(c, "memory", "used_memory") - used < 64 * 1024);
    itest_close(&s, c);
}

static void test_huge_multibulk_count_is_not_allocated_up_front(void **state) {
    (void)state;
    struct itest_server s;
    redisContext *c;
    assert_int_equal(itest_open(&s, &c), 0);
    long long used = info_field(c, "memory", "used_memory");
    int fd = itest_raw_connect(&s);
    /* A million arguments announced, two sent: room for a million would be 16 MB or more. */
    const char *head = "*1000000\r\n$3\r\nSET\r\n$1\r\nk\r\n";
    assert_int_equal(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    itest_sleep_ms(100);
    assert_true(info_field(c, "memory", "used_memory") - used < 1024 * 1024);
    close(fd);
    itest_close(&s, c);
}

static void test_idle_timeout_spares_blocked_and_subscribed_clients(void **state) {
    (void)state;
    struct itest_server s;
    assert_int_equal(itest_start(&s, "--timeout", "1", NULL), 0);
    int idle = itest_raw_connect(&s), blocked = itest_raw_connect(&s), subscribed = itest_raw_connect(&s);
    char buf[256];
    const char *blpop = "BLPOP q 0\r\n", *subscribe = "SUBSCRIBE ch\r\n";
    assert_int_equal(write(blocked, blpop, strlen(blpop)), (ssize_t)strlen(blpop));
    assert_int_equal(write(subscribed, subscribe, strlen(subscribe)), (ssize_t)strlen(subscribe));
    itest_read_all(subscribed, buf, sizeof buf, 300);
    assert_non_null(strstr(buf, "subscribe"));
    /* The idle client is closed after a second or two: read sees the end of the stream. */
    assert_int_equal(itest_read_all(idle, buf, sizeof buf, 5000), 0);
    itest_sleep_ms(1500);
    redisContext *c = itest_connect(&s);
    redisReply *r = redisCommand(c, "PUBLISH ch hello");
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    itest_read_all(subscribed, buf, sizeof buf, 300);
    assert_non_null(strstr(buf, "hello"));
    r = redisCommand(c, "LPUSH q v");
    freeReplyObject(r);
    itest_read_all(blocked, buf, sizeof buf, 300);
    assert_string_equal(buf, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
    redisFree(c);
    close(idle);
    close(blocked);
    close(subscribed);
    itest_stop(&s);
}

static void test_deep_pipelines_from_many_clients_at_once(void **state) {
    (void)state;
    struct itest_server s;
    redisContext *c;
    assert_int_equal(itest_open(&s, &c), 0);
    enum { CLIENTS = 50, DEPTH = 10000 };
    static const char cmd[] = "INCR counter\r\n";
    char *batch = malloc(DEPTH * (sizeof cmd - 1));
    for (int i = 0; i < DEPTH; i++) memcpy(batch + i * (sizeof cmd - 1), cmd, sizeof cmd - 1);
    int fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = itest_raw_connect(&s);
        assert_true(fds[i] >= 0);
    }
    /* Every client's whole pipeline goes out before any reply is read. */
    for (int i = 0; i < CLIENTS; i++) {
        size_t len = DEPTH * (sizeof cmd - 1), sent = 0;
        while (sent < len) {
            ssize_t n = write(fds[i], batch + sent, len - sent);
            assert_true(n > 0);
            sent += (size_t)n;
        }
    }
    /* Each reply is ":<n>\r\n": count the lines each client gets. */
    char buf[65536];
    for (int i = 0; i < CLIENTS; i++) {
        int lines = 0;
        while (lines < DEPTH) {
            ssize_t n = read(fds[i], buf, sizeof buf);
            assert_true(n > 0);
            for (ssize_t k = 0; k < n; k++) lines += buf[k] == '\n';
        }
        assert_int_equal(lines, DEPTH);
        close(fds[i]);
    }
    free(batch);
    redisReply *r = redisCommand(c, "GET counter");
    assert_string_equal(r->str, "500000");
    freeReplyObject(r);
    itest_close(&s, c);
}

/* A count from the client sizes a reply built in one go (random draws with repetition):
 * the client is cut off at its output limit, or at the ceiling where its class has none,
 * instead of the server filling memory for 2^63 draws. */
static void greedy_reply_is_cut_off(const char *limit) {
    struct itest_server s;
    redisContext *c;
    if (limit) {
        assert_int_equal(itest_start(&s, "--client-output-buffer-limit", limit, NULL), 0);
        c = itest_connect(&s);
    } else {
        assert_int_equal(itest_open(&s, &c), 0);
    }
    static const char *const greedy[] = {
        "SRANDMEMBER s -9223372036854775807\r\n",
        "HRANDFIELD h -4611686018427387903 WITHVALUES\r\n",
        "ZRANDMEMBER z -9223372036854775807\r\n",
        /* Small enough a count to start, and cut off on the way: 1 GB of 1 KB draws. */
        "SRANDMEMBER wide -1000000\r\n",
    };
    char member[1000];
    memset(member, 'm', sizeof member);
    freeReplyObject(redisCommand(c, "SADD wide %b", member, sizeof member));
    freeReplyObject(redisCommand(c, "SADD s a b c"));
    freeReplyObject(redisCommand(c, "HSET h f v"));
    freeReplyObject(redisCommand(c, "ZADD z 1 a"));
    for (size_t i = 0; i < sizeof greedy / sizeof greedy[0]; i++) {
        int fd = itest_raw_connect(&s);
        assert_int_equal(write(fd, greedy[i], strlen(greedy[i])), (ssize_t)strlen(greedy[i]));
        /* Read it all: the stream must end (the server closed it), not go on forever. */
        char buf[1 << 16];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {}
        assert_int_equal(n, 0);
        close(fd);
        redisReply *r = redisCommand(c, "PING");
        assert_non_null(r);
        assert_string_equal(r->str, "PONG");
        freeReplyObject(r);
    }
    if (!limit) {
        /* A script's client has no connection to close: the call fails instead. */
        redisReply *r = redisCommand(c, "EVAL %s 1 s",
                                     "return redis.call('srandmember', KEYS[1], "
                                     "'-9223372036854775807')");
        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_ERROR);
        assert_non_null(strstr(r->str, "reply exceeds the output buffer limit"));
        freeReplyObject(r);
    }
    assert_true(info_field(c, "memory", "used_memory") < 64 * 1024 * 1024);
    itest_close(&s, c);
}

static void test_greedy_random_draws_stop_at_the_output_limit(void **state) {
    (void)state;
    greedy_reply_is_cut_off("normal 8mb 0 0");
}

static void test_greedy_random_draws_stop_at_the_ceiling_without_a_limit(void **state) {
    (void)state;
    greedy_reply_is_cut_off(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_thousand_connections_leak_nothing),
        cmocka_unit_test(test_huge_multibulk_count_is_not_allocated_up_front),
        cmocka_unit_test(test_idle_timeout_spares_blocked_and_subscribed_clients),
        cmocka_unit_test(test_deep_pipelines_from_many_clients_at_once),
        cmocka_unit_test(test_greedy_random_draws_stop_at_the_output_limit),
        cmocka_unit_test(test_greedy_random_draws_stop_at_the_ceiling_without_a_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
