/* Integration tests: EVAL / EVALSHA / SCRIPT against a live rill-server, with the cases a
 * single connection cannot show (busy scripts, SCRIPT KILL, WATCH, blocked clients). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static redisReply *command(redisContext *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    return r;
}

static void expect_status(redisContext *c, const char *status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->str, status);
    freeReplyObject(r);
}

static void expect_error(redisReply *r, const char *text) {
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, text);
    freeReplyObject(r);
}

/* Sends an EVAL without reading its reply. */
static void send_eval(redisContext *c, const char *script) {
    assert_int_equal(redisAppendCommand(c, "EVAL %s 0", script), REDIS_OK);
    int done = 0;
    while (!done) assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
}

/* Polls PING on c until the server answers -BUSY (a script is past its limit). */
static void wait_until_busy(redisContext *c) {
    for (int i = 0; i < 500; i++) {
        redisReply *r = command(c, "PING");
        int busy = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSY ", 5) == 0;
        if (busy) {
            assert_string_equal(r->str, "BUSY Redis is busy running a script. You can only call "
                                        "SCRIPT KILL or SHUTDOWN NOSAVE.");
        }
        freeReplyObject(r);
        if (busy) return;
        itest_sleep_ms(10);
    }
    fail_msg("the script never became busy");
}

static void test_eval_sees_keys_and_argv(void **state) {
    (void)state;
    redisReply *r = command(admin, "EVAL %s 2 k1 k2 a1 a2 a3",
                            "return {#KEYS, #ARGV, KEYS[1], KEYS[2], ARGV[3]}");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 5);
    assert_int_equal(r->element[0]->integer, 2);
    assert_int_equal(r->element[1]->integer, 3);
    assert_string_equal(r->element[2]->str, "k1");
    assert_string_equal(r->element[3]->str, "k2");
    assert_string_equal(r->element[4]->str, "a3");
    freeReplyObject(r);
    /* Binary-safe both ways. */
    r = command(admin, "EVAL %s 0 %b", "return ARGV[1]", "a\0b\r\n", (size_t)5);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 5);
    assert_memory_equal(r->str, "a\0b\r\n", 5);
    freeReplyObject(r);
}

static void test_script_writes_are_applied(void **state) {
    (void)state;
    freeReplyObject(command(admin, "DEL counter"));
    redisReply *r = command(admin, "EVAL %s 1 counter",
                            "for i = 1, 1000 do redis.call('incr', KEYS[1]) end "
                            "return redis.call('get', KEYS[1])");
    assert_string_equal(r->str, "1000");
    freeReplyObject(r);
    assert_int_equal(itest_integer(admin, "EXISTS counter"), 1);
}

static void test_conversions(void **state) {
    (void)state;
    freeReplyObject(command(admin, "DEL nokey"));
    redisReply *r = command(admin, "EVAL %s 0",
                            "return {3.99, -3.99, true, false, 'x', {ok='fine'}, "
                            "type(redis.call('get', 'nokey')), nil, 'after nil'}");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 7); /* stops at the first nil */
    assert_int_equal(r->element[0]->integer, 3);
    assert_int_equal(r->element[1]->integer, -3);
    assert_int_equal(r->element[2]->integer, 1);
    assert_int_equal(r->element[3]->type, REDIS_REPLY_NIL);
    assert_string_equal(r->element[4]->str, "x");
    assert_int_equal(r->element[5]->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->element[5]->str, "fine");
    assert_string_equal(r->element[6]->str, "boolean");
    freeReplyObject(r);
    /* Numbers reach commands as %.17g. */
    r = command(admin, "EVAL %s 0", "redis.call('set', 'f', 3.1) return redis.call('get', 'f')");
    assert_string_equal(r->str, "3.1000000000000001");
    freeReplyObject(r);
}

static void test_errors_name_the_script_and_line(void **state) {
    (void)state;
    freeReplyObject(command(admin, "SET str abc"));
    expect_error(command(admin, "EVAL %s 0", "local a = 1\nreturn redis.call('incr', 'str')"),
                 "ERR value is not an integer or out of range script: "
                 "2d296069b99ddaca8857ddbd662eaf27495853a5, on @user_script:2.");
}

static void test_evalsha_and_the_script_cache(void **state) {
    (void)state;
    expect_status(admin, "OK", "SCRIPT FLUSH");
    expect_error(command(admin, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
                 "NOSCRIPT No matching script. Please use EVAL.");
    redisReply *r = command(admin, "SCRIPT LOAD %s", "return 1");
    assert_string_equal(r->str, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    freeReplyObject(r);
    assert_int_equal(itest_integer(admin, "EVALSHA E0E1F9FABFC9D4800C877A703B823AC0578FF8DB 0"), 1);
    r = command(admin, "SCRIPT EXISTS e0e1f9fabfc9d4800c877a703b823ac0578ff8db nope");
    assert_int_equal(r->element[0]->integer, 1);
    assert_int_equal(r->element[1]->integer, 0);
    freeReplyObject(r);
    /* EVAL caches too. */
    freeReplyObject(command(admin, "EVAL %s 0", "return 2"));
    assert_int_equal(itest_integer(admin, "EVALSHA 7f923f79fe76194c868d7e1d0820de36700eb649 0"), 2);
    r = command(admin, "INFO memory");
    assert_non_null(strstr(r->str, "number_of_cached_scripts:2\r\n"));
    assert_non_null(strstr(r->str, "used_memory_lua:"));
    freeReplyObject(r);
    expect_status(admin, "OK", "SCRIPT FLUSH ASYNC");
    expect_error(command(admin, "EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0"),
                 "NOSCRIPT No matching script. Please use EVAL.");
    r = command(admin, "INFO memory");
    assert_non_null(strstr(r->str, "number_of_cached_scripts:0\r\n"));
    freeReplyObject(r);
}

/* Whatever a script tries, the next one finds the same clean environment. */
static void test_sandbox_holds(void **state) {
    (void)state;
    static const char *const attempts[] = {
        "x = 5",
        "rawset(_G, 'x', 5)",
        "string.len = nil",
        "rawset(string, 'len', nil)",
        "table.insert(string, 1)",
        "getmetatable('').__index = {}",
        "setmetatable(_G, nil)",
        "redis.call = function() return 'fake' end",
        "return os.execute('true')",
        "return io.open('/etc/passwd')",
        "return require('os')",
        "return dofile('/etc/passwd')",
        "return loadfile('/etc/passwd')",
        "return debug.getinfo(1)",
        "setfenv(1, {})",
        "return loadstring(string.dump(function() return 1 end))()",
    };
    for (size_t i = 0; i < sizeof attempts / sizeof *attempts; i++) {
        redisReply *r = command(admin, "EVAL %s 0", attempts[i]);
        if (r->type != REDIS_REPLY_ERROR) fail_msg("escaped: %s", attempts[i]);
        freeReplyObject(r);
    }
    redisReply *r = command(admin, "EVAL %s 0",
                            "return {string.len('abc'), type(redis.call), "
                            "rawget(_G, 'x') == nil and 'clean' or 'dirty', ('ab'):upper()}");
    assert_int_equal(r->element[0]->integer, 3);
    assert_string_equal(r->element[1]->str, "function");
    assert_string_equal(r->element[2]->str, "clean");
    assert_string_equal(r->element[3]->str, "AB");
    freeReplyObject(r);
    /* A self-referencing table is cut off, not followed forever (hiredis refuses replies
     * nested that deep: a connection of its own, and only the server's health counts). */
    redisContext *deep = itest_connect(&server);
    r = redisCommand(deep, "EVAL %s 0", "local t = {} t[1] = t return t");
    if (r) freeReplyObject(r);
    redisFree(deep);
    assert_string_equal((r = command(admin, "PING"))->str, "PONG");
    freeReplyObject(r);
}

static void test_busy_script_is_killed(void **state) {
    (void)state;
    expect_status(admin, "OK", "CONFIG SET busy-reply-threshold 100");
    redisContext *runner = itest_connect(&server);
    send_eval(runner, "local i = 0 while true do i = i + 1 end");
    wait_until_busy(admin);
    /* Commands flagged allow_busy still run; others are refused. */
    expect_status(admin, "OK", "MULTI");
    expect_error(command(admin, "GET x"),
                 "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                 "SHUTDOWN NOSAVE.");
    expect_status(admin, "OK", "DISCARD");
    /* EXEC refused by the busy script discards the transaction, naming why. */
    expect_status(admin, "OK", "MULTI");
    expect_error(command(admin, "EXEC"),
                 "EXECABORT Transaction discarded because of: BUSY Redis is busy running a "
                 "script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.");
    expect_error(command(admin, "DISCARD"), "ERR DISCARD without MULTI");
    expect_status(admin, "OK", "SCRIPT KILL");
    redisReply *r = itest_reply(runner);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(r->str, "ERR Script killed by user with SCRIPT KILL... script: "));
    freeReplyObject(r);
    assert_string_equal((r = command(admin, "PING"))->str, "PONG");
    freeReplyObject(r);
    /* The runner's connection goes on. */
    assert_int_equal(itest_integer(runner, "EVAL %s 0", "return 7"), 7);
    expect_error(command(admin, "SCRIPT KILL"), "NOTBUSY No scripts in execution right now.");
    redisFree(runner);
    expect_status(admin, "OK", "CONFIG SET busy-reply-threshold 5000");
}

static void test_script_that_wrote_is_unkillable(void **state) {
    (void)state;
    expect_status(admin, "OK", "CONFIG SET lua-time-limit 50");
    redisContext *runner = itest_connect(&server);
    send_eval(runner, "redis.call('set', 'written', 'yes') "
                      "local t = redis.call('time') local start = t[1] * 1000000 + t[2] "
                      "repeat t = redis.call('time') until t[1] * 1000000 + t[2] - start > 400000 "
                      "return 'finished'");
    wait_until_busy(admin);
    redisReply *r = command(admin, "SCRIPT KILL");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(r->str, "UNKILLABLE Sorry the script already executed write commands", 59) == 0);
    freeReplyObject(r);
    r = itest_reply(runner);
    assert_string_equal(r->str, "finished");
    freeReplyObject(r);
    r = command(admin, "GET written");
    assert_string_equal(r->str, "yes");
    freeReplyObject(r);
    redisFree(runner);
    expect_status(admin, "OK", "CONFIG SET lua-time-limit 5000");
}

static void test_shutdown_nosave_stops_a_busy_script(void **state) {
    (void)state;
    struct itest_server other;
    assert_int_equal(itest_start(&other, "--busy-reply-threshold", "50", NULL), 0);
    redisContext *runner = itest_connect(&other), *c = itest_connect(&other);
    send_eval(runner, "while true do end");
    wait_until_busy(c);
    expect_error(command(c, "SHUTDOWN"), "BUSY Redis is busy running a script. You can only call "
                                         "SCRIPT KILL or SHUTDOWN NOSAVE.");
    redisReply *r = redisCommand(c, "SHUTDOWN NOSAVE");
    if (r) freeReplyObject(r);
    /* The server exits: the runner's connection closes. */
    assert_null(itest_reply(runner));
    redisFree(runner);
    redisFree(c);
    itest_stop(&other);
}

static void test_scripts_in_transactions_and_watch(void **state) {
    (void)state;
    redisContext *other = itest_connect(&server);
    freeReplyObject(command(admin, "SET watched 1"));
    expect_status(admin, "OK", "WATCH watched");
    freeReplyObject(command(other, "EVAL %s 1 watched", "return redis.call('incr', KEYS[1])"));
    expect_status(admin, "OK", "MULTI");
    expect_status(admin, "QUEUED", "EVAL %s 0", "return 1");
    redisReply *r = command(admin, "EXEC");
    assert_int_equal(r->type, REDIS_REPLY_NIL); /* the script's write touched the key */
    freeReplyObject(r);
    expect_status(admin, "OK", "MULTI");
    expect_status(admin, "QUEUED", "EVAL %s 1 watched", "return redis.call('incr', KEYS[1])");
    expect_status(admin, "QUEUED", "EVAL %s 0", "return redis.call('blmpop', 0, 1, 'nolist', 'LEFT')");
    r = command(admin, "EXEC");
    assert_int_equal(r->elements, 2);
    assert_int_equal(r->element[0]->integer, 3);
    assert_int_equal(r->element[1]->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    redisFree(other);
}

static void test_blocked_client_served_after_script(void **state) {
    (void)state;
    freeReplyObject(command(admin, "DEL queue"));
    redisContext *waiter = itest_connect(&server);
    assert_int_equal(redisAppendCommand(waiter, "BLPOP queue 5"), REDIS_OK);
    int done = 0;
    while (!done) assert_int_equal(redisBufferWrite(waiter, &done), REDIS_OK);
    for (int i = 0; i < 200; i++) {
        redisReply *r = command(admin, "INFO clients");
        int blocked = strstr(r->str, "blocked_clients:1\r\n") != NULL;
        freeReplyObject(r);
        if (blocked) break;
        itest_sleep_ms(5);
    }
    /* Inside the script the list is seen full and then emptied again: the waiter gets
     * what is left when the script ends. */
    assert_int_equal(itest_integer(admin, "EVAL %s 1 queue",
                                   "redis.call('rpush', KEYS[1], 'a', 'b') "
                                   "redis.call('lpop', KEYS[1]) return redis.call('llen', KEYS[1])"),
                     1);
    redisReply *r = itest_reply(waiter);
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[1]->str, "b");
    freeReplyObject(r);
    redisFree(waiter);
}

static void test_eval_ro_refuses_writes(void **state) {
    (void)state;
    redisReply *r = command(admin, "EVAL_RO %s 0", "return redis.call('del', 'x')");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(r->str, "ERR Write commands are not allowed from read-only scripts.", 58) == 0);
    freeReplyObject(r);
    expect_error(command(admin, "EVAL_RO %s 0", "#!lua\nreturn 1"),
                 "ERR Can not execute a script with write flag using *_ro command.");
    assert_int_equal(itest_integer(admin, "EVAL_RO %s 0", "#!lua flags=no-writes\nreturn 5"), 5);
}

static void test_redis_log_writes_the_server_log(void **state) {
    (void)state;
    redisReply *r = command(admin, "EVAL %s 0", "redis.log(redis.LOG_WARNING, 'from', 'a script', 42)");
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    char path[128], text[65536];
    snprintf(path, sizeof path, "%s/server.log", server.dir);
    int found = 0;
    for (int i = 0; i < 100 && !found; i++) {
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        size_t n = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[n] = '\0';
        found = strstr(text, "from a script 42") != NULL;
        if (!found) itest_sleep_ms(10);
    }
    assert_true(found);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_sees_keys_and_argv),
        cmocka_unit_test(test_script_writes_are_applied),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_errors_name_the_script_and_line),
        cmocka_unit_test(test_evalsha_and_the_script_cache),
        cmocka_unit_test(test_sandbox_holds),
        cmocka_unit_test(test_busy_script_is_killed),
        cmocka_unit_test(test_script_that_wrote_is_unkillable),
        cmocka_unit_test(test_shutdown_nosave_stops_a_busy_script),
        cmocka_unit_test(test_scripts_in_transactions_and_watch),
        cmocka_unit_test(test_blocked_client_served_after_script),
        cmocka_unit_test(test_eval_ro_refuses_writes),
        cmocka_unit_test(test_redis_log_writes_the_server_log),
    };
    return cmocka_run_group_tests_name("scripting", tests, setup, teardown);
}
