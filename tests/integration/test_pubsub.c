/* Integration tests: PUBLISH / SUBSCRIBE with several clients against a live rill-server. */
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

/* Checks the next push is {kind, [pattern,] channel, payload}. */
static void expect_message(redisContext *c, const char *kind, const char *pattern,
                           const char *channel, const char *payload, size_t payload_len) {
    redisReply *r = itest_reply(c);
    size_t n = pattern ? 4 : 3;
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, n);
    assert_string_equal(r->element[0]->str, kind);
    if (pattern) assert_string_equal(r->element[1]->str, pattern);
    assert_string_equal(r->element[n - 2]->str, channel);
    assert_int_equal(r->element[n - 1]->len, payload_len);
    assert_memory_equal(r->element[n - 1]->str, payload, payload_len);
    freeReplyObject(r);
}

/* Reads one subscribe-style confirmation and returns its count. */
static long long confirmation(redisContext *c, const char *kind) {
    redisReply *r = itest_reply(c);
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_string_equal(r->element[0]->str, kind);
    long long n = r->element[2]->integer;
    freeReplyObject(r);
    return n;
}

static redisContext *subscriber(const char *command) {
    redisContext *c = itest_connect(&server);
    redisReply *r = redisCommand(c, command);
    freeReplyObject(r);
    return c;
}

static void test_publish_reaches_every_subscriber_in_order(void **state) {
    (void)state;
    redisContext *s[3];
    for (int i = 0; i < 3; i++) s[i] = subscriber("SUBSCRIBE news");
    assert_int_equal(itest_integer(admin, "PUBLISH news first"), 3);
    assert_int_equal(itest_integer(admin, "PUBLISH news second"), 3);
    assert_int_equal(itest_integer(admin, "PUBLISH other x"), 0);
    for (int i = 0; i < 3; i++) {
        expect_message(s[i], "message", NULL, "news", "first", 5);
        expect_message(s[i], "message", NULL, "news", "second", 6);
        redisFree(s[i]);
    }
}

static void test_channel_and_pattern_both_deliver(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisAppendCommand(c, "SUBSCRIBE log.error");
    redisAppendCommand(c, "PSUBSCRIBE log.*");
    assert_int_equal(confirmation(c, "subscribe"), 1);
    assert_int_equal(confirmation(c, "psubscribe"), 2);
    /* One subscription by channel, one by pattern: two receivers, two messages. */
    assert_int_equal(itest_integer(admin, "PUBLISH log.error disk"), 2);
    expect_message(c, "message", NULL, "log.error", "disk", 4);
    expect_message(c, "pmessage", "log.*", "log.error", "disk", 4);
    assert_int_equal(itest_integer(admin, "PUBLISH log.info ok"), 1);
    expect_message(c, "pmessage", "log.*", "log.info", "ok", 2);
    redisFree(c);
}

static void test_pattern_edge_cases(void **state) {
    (void)state;
    static const struct {
        const char *pattern, *channel;
        int match;
    } cases[] = {
        {"h?llo", "hello", 1},       {"h?llo", "hllo", 0},      {"h[ae]llo", "hallo", 1},
        {"h[^e]llo", "hello", 0},    {"h[^e]llo", "hallo", 1},  {"h[a-c]llo", "hbllo", 1},
        {"h\\*llo", "h*llo", 1},     {"h\\*llo", "hello", 0},   {"*", "", 0},
        {"a*b*c", "axxbyyc", 1},     {"a*b*c", "axxbyy", 0},    {"[", "[", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        redisContext *c = itest_connect(&server);
        freeReplyObject(redisCommand(c, "PSUBSCRIBE %s", cases[i].pattern));
        long long got = itest_integer(admin, "PUBLISH %s payload", cases[i].channel);
        if (got != cases[i].match)
            fail_msg("pattern %s channel %s: %lld receivers", cases[i].pattern, cases[i].channel,
                     got);
        redisFree(c);
        /* Wait until the disconnect is processed before the next pattern. */
        for (int k = 0; k < 500 && itest_integer(admin, "PUBSUB NUMPAT") != 0; k++) itest_sleep_ms(2);
    }
}

static void test_binary_safe_channels_and_big_messages(void **state) {
    (void)state;
    const char chan[] = {'b', 0, 'n', '\r', '\n'};
    redisContext *c = itest_connect(&server);
    freeReplyObject(redisCommand(c, "SUBSCRIBE %b", chan, sizeof chan));
    size_t big_len = 4 * 1024 * 1024;
    char *big = malloc(big_len);
    for (size_t i = 0; i < big_len; i++) big[i] = (char)(i * 7);
    redisReply *r = redisCommand(admin, "PUBLISH %b %b", chan, sizeof chan, big, big_len);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    r = itest_reply(c);
    assert_int_equal(r->element[1]->len, sizeof chan);
    assert_memory_equal(r->element[1]->str, chan, sizeof chan);
    assert_int_equal(r->element[2]->len, big_len);
    assert_memory_equal(r->element[2]->str, big, big_len);
    freeReplyObject(r);
    free(big);
    redisFree(c);
}

static void test_subscribed_mode_allows_only_pubsub_commands(void **state) {
    (void)state;
    redisContext *c = subscriber("SUBSCRIBE ch");
    redisReply *r = redisCommand(c, "SET k v");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, "ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE "
                                "/ PING / QUIT / RESET are allowed in this context");
    freeReplyObject(r);
    r = redisCommand(c, "PING");
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[0]->str, "pong");
    freeReplyObject(r);
    /* Leaving the last subscription returns to normal mode. */
    r = redisCommand(c, "UNSUBSCRIBE");
    assert_int_equal(r->element[2]->integer, 0);
    freeReplyObject(r);
    r = redisCommand(c, "SET k v");
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);
    redisFree(c);
}

static void test_disconnect_removes_every_subscription(void **state) {
    (void)state;
    redisContext *c = itest_connect(&server);
    redisAppendCommand(c, "SUBSCRIBE a b c");
    redisAppendCommand(c, "PSUBSCRIBE x* y*");
    for (int i = 0; i < 3; i++) confirmation(c, "subscribe");
    for (int i = 0; i < 2; i++) confirmation(c, "psubscribe");
    assert_int_equal(itest_integer(admin, "PUBSUB NUMPAT"), 2);
    redisFree(c);
    for (int k = 0; k < 500 && itest_integer(admin, "PUBSUB NUMPAT") != 0; k++) itest_sleep_ms(2);
    assert_int_equal(itest_integer(admin, "PUBSUB NUMPAT"), 0);
    assert_int_equal(itest_integer(admin, "PUBLISH a x"), 0);
    redisReply *r = redisCommand(admin, "PUBSUB CHANNELS");
    assert_int_equal(r->elements, 0);
    freeReplyObject(r);
}

static long long client_list_field(const char *name, const char *field) {
    redisReply *r = redisCommand(admin, "CLIENT LIST");
    const char *line = strstr(r->str, name);
    long long v = -1;
    if (line) {
        while (line > r->str && line[-1] != '\n') line--;
        char key[32];
        snprintf(key, sizeof key, " %s=", field);
        const char *p = strstr(line, key);
        if (p) v = atoll(p + strlen(key));
    }
    freeReplyObject(r);
    return v;
}

static void test_slow_subscriber_is_cut_off_others_keep_receiving(void **state) {
    (void)state;
    freeReplyObject(redisCommand(admin, "CONFIG SET client-output-buffer-limit %s",
                                 "pubsub 1mb 256kb 60"));
    redisContext *slow = itest_connect(&server), *fast = itest_connect(&server);
    freeReplyObject(redisCommand(slow, "CLIENT SETNAME slowone"));
    freeReplyObject(redisCommand(slow, "SUBSCRIBE feed"));
    freeReplyObject(redisCommand(fast, "SUBSCRIBE feed"));
    assert_int_equal(client_list_field("slowone", "sub"), 1);
    /* The slow one never reads; the fast one reads everything. 16 MB are published. */
    static char payload[16384];
    memset(payload, 'p', sizeof payload);
    for (int i = 0; i < 1024; i++) {
        redisReply *r = redisCommand(admin, "PUBLISH feed %b", payload, sizeof payload);
        freeReplyObject(r);
        redisReply *m = itest_reply(fast);
        assert_int_equal(m->element[2]->len, sizeof payload);
        freeReplyObject(m);
    }
    assert_int_equal(client_list_field("slowone", "sub"), -1); /* gone */
    assert_int_equal(itest_integer(admin, "PUBLISH feed last"), 1);
    expect_message(fast, "message", NULL, "feed", "last", 4);
    redisFree(slow);
    redisFree(fast);
    freeReplyObject(redisCommand(admin, "CONFIG SET client-output-buffer-limit %s",
                                 "pubsub 32mb 8mb 60"));
}

static void test_thousand_subscribers_all_receive(void **state) {
    (void)state;
    enum { N = 1000 };
    redisContext **s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        s[i] = itest_connect(&server);
        assert_non_null(s[i]);
        redisAppendCommand(s[i], "SUBSCRIBE crowd");
    }
    for (int i = 0; i < N; i++) confirmation(s[i], "subscribe");
    redisReply *r = redisCommand(admin, "PUBSUB NUMSUB crowd");
    assert_int_equal(r->element[1]->integer, N);
    freeReplyObject(r);
    for (int m = 0; m < 10; m++) assert_int_equal(itest_integer(admin, "PUBLISH crowd m%d", m), N);
    for (int i = 0; i < N; i++) {
        for (int m = 0; m < 10; m++) {
            char want[16];
            snprintf(want, sizeof want, "m%d", m);
            expect_message(s[i], "message", NULL, "crowd", want, strlen(want));
        }
        redisFree(s[i]);
    }
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_reaches_every_subscriber_in_order),
        cmocka_unit_test(test_channel_and_pattern_both_deliver),
        cmocka_unit_test(test_pattern_edge_cases),
        cmocka_unit_test(test_binary_safe_channels_and_big_messages),
        cmocka_unit_test(test_subscribed_mode_allows_only_pubsub_commands),
        cmocka_unit_test(test_disconnect_removes_every_subscription),
        cmocka_unit_test(test_slow_subscriber_is_cut_off_others_keep_receiving),
        cmocka_unit_test(test_thousand_subscribers_all_receive),
    };
    return cmocka_run_group_tests_name("pubsub", tests, setup, teardown);
}
