/* Integration tests: every list command, option and error through hiredis, each reply
 * rendered as text and compared with what Redis 7.0 answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static struct itest_server server;
static redisContext *conn;

static int setup(void **state) {
    (void)state;
    return itest_open(&server, &conn);
}

static int teardown(void **state) {
    (void)state;
    itest_close(&server, conn);
    return 0;
}

/* :n integer, "s" string, nil, [a,b] array, !text error, +text status. */
static void render(const redisReply *r, char *out, size_t cap) {
    size_t n = strlen(out);
    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        snprintf(out + n, cap - n, ":%lld", r->integer);
        break;
    case REDIS_REPLY_STRING:
        snprintf(out + n, cap - n, "\"%s\"", r->str);
        break;
    case REDIS_REPLY_STATUS:
        snprintf(out + n, cap - n, "+%s", r->str);
        break;
    case REDIS_REPLY_ERROR:
        snprintf(out + n, cap - n, "!%s", r->str);
        break;
    case REDIS_REPLY_NIL:
        snprintf(out + n, cap - n, "nil");
        break;
    case REDIS_REPLY_ARRAY:
        snprintf(out + n, cap - n, "[");
        for (size_t i = 0; i < r->elements; i++) {
            if (i) strncat(out, ",", cap - strlen(out) - 1);
            render(r->element[i], out, cap);
        }
        strncat(out, "]", cap - strlen(out) - 1);
        break;
    default:
        snprintf(out + n, cap - n, "?");
    }
}

struct step {
    const char *command;
    const char *expect;
};

static void run_steps(const struct step *steps, size_t n) {
    for (size_t i = 0; i < n; i++) {
        redisReply *r = redisCommand(conn, steps[i].command);
        assert_non_null(r);
        char got[1024] = "";
        render(r, got, sizeof got);
        freeReplyObject(r);
        if (strcmp(got, steps[i].expect) != 0)
            fail_msg("%s\n  got:  %s\n  want: %s", steps[i].command, got, steps[i].expect);
    }
}

#define RUN(steps) run_steps(steps, sizeof steps / sizeof steps[0])

static const char WRONGTYPE[] = "!WRONGTYPE Operation against a key holding the wrong kind of value";

static void test_push_pop_and_length(void **state) {
    (void)state;
    const struct step steps[] = {
        {"FLUSHALL", "+OK"},
        {"RPUSH l a b c", ":3"},
        {"LPUSH l z y", ":5"},
        {"LPUSHX none a", ":0"},
        {"RPUSHX l d", ":6"},
        {"LRANGE l 0 -1", "[\"y\",\"z\",\"a\",\"b\",\"c\",\"d\"]"},
        {"LLEN l", ":6"},
        {"LLEN none", ":0"},
        {"LPOP l", "\"y\""},
        {"RPOP l", "\"d\""},
        {"LPOP l 2", "[\"z\",\"a\"]"},
        {"RPOP l 10", "[\"c\",\"b\"]"},
        {"EXISTS l", ":0"},
        {"LPOP l", "nil"},
        {"LPOP l 2", "nil"},
        {"RPUSH l x", ":1"},
        {"LPOP l 0", "[]"},
        {"LPOP l -1", "!ERR value is out of range, must be positive"},
        {"LPOP l 1 2", "!ERR wrong number of arguments for 'lpop' command"},
        {"SET s v", "+OK"},
        {"LPUSH s a", WRONGTYPE},
        {"RPOP s", WRONGTYPE},
        {"LLEN s", WRONGTYPE},
    };
    RUN(steps);
}

static void test_ranges_indexes_and_edits(void **state) {
    (void)state;
    const struct step steps[] = {
        {"FLUSHALL", "+OK"},
        {"RPUSH l 1 2 3 4 5 6", ":6"},
        {"LRANGE l -2 100", "[\"5\",\"6\"]"},
        {"LRANGE l 4 2", "[]"},
        {"LRANGE l x 1", "!ERR value is not an integer or out of range"},
        {"LINDEX l -1", "\"6\""},
        {"LINDEX l 6", "nil"},
        {"LINDEX none x", "nil"},
        {"LSET l 1 two", "+OK"},
        {"LSET l 9 x", "!ERR index out of range"},
        {"LSET none 0 x", "!ERR no such key"},
        {"LINSERT l BEFORE 3 2.5", ":7"},
        {"LINSERT l AFTER nothere x", ":-1"},
        {"LINSERT l SIDEWAYS 3 x", "!ERR syntax error"},
        {"LINSERT none BEFORE a b", ":0"},
        {"LRANGE l 0 -1", "[\"1\",\"two\",\"2.5\",\"3\",\"4\",\"5\",\"6\"]"},
        {"LTRIM l 1 -2", "+OK"},
        {"LRANGE l 0 -1", "[\"two\",\"2.5\",\"3\",\"4\",\"5\"]"},
        {"RPUSH r a b a c a", ":5"},
        {"LREM r 2 a", ":2"},
        {"LREM r -1 a", ":1"},
        {"LREM r 0 nothere", ":0"},
        {"LRANGE r 0 -1", "[\"b\",\"c\"]"},
        {"LTRIM r 5 1", "+OK"},
        {"EXISTS r", ":0"},
    };
    RUN(steps);
}

static void test_lpos_options(void **state) {
    (void)state;
    const struct step steps[] = {
        {"FLUSHALL", "+OK"},
        {"RPUSH l a b c b a b", ":6"},
        {"LPOS l b", ":1"},
        {"LPOS l b RANK 2", ":3"},
        {"LPOS l b RANK -1", ":5"},
        {"LPOS l b COUNT 0", "[:1,:3,:5]"},
        {"LPOS l b COUNT 2 RANK -1", "[:5,:3]"},
        {"LPOS l b COUNT 0 MAXLEN 4", "[:1,:3]"},
        {"LPOS l z", "nil"},
        {"LPOS l z COUNT 0", "[]"},
        {"LPOS none a COUNT 1", "[]"},
        {"LPOS l b RANK 0", "!ERR RANK can't be zero: use 1 to start from the first match, 2 from "
                            "the second ... or use negative to start from the end of the list"},
        {"LPOS l b COUNT -1", "!ERR COUNT can't be negative"},
        {"LPOS l b MAXLEN -1", "!ERR MAXLEN can't be negative"},
        {"LPOS l b FOO 1", "!ERR syntax error"},
    };
    RUN(steps);
}

static void test_moves_and_multi_key_pops(void **state) {
    (void)state;
    const struct step steps[] = {
        {"FLUSHALL", "+OK"},
        {"RPUSH src a b c", ":3"},
        {"RPOPLPUSH src dst", "\"c\""},
        {"LMOVE src dst LEFT RIGHT", "\"a\""},
        {"LRANGE dst 0 -1", "[\"c\",\"a\"]"},
        {"LMOVE dst dst LEFT RIGHT", "\"c\""},
        {"LRANGE dst 0 -1", "[\"a\",\"c\"]"},
        {"LMOVE src dst UP LEFT", "!ERR syntax error"},
        {"LMOVE none dst LEFT LEFT", "nil"},
        {"SET s v", "+OK"},
        {"LMOVE src s LEFT LEFT", WRONGTYPE},
        {"LMPOP 2 none dst RIGHT COUNT 5", "[\"dst\",[\"c\",\"a\"]]"},
        {"LMPOP 1 dst LEFT", "nil"},
        {"LMPOP 0 a LEFT", "!ERR numkeys should be greater than 0"},
        {"LMPOP 1 a LEFT COUNT 0", "!ERR count should be greater than 0"},
        {"LMPOP 2 a LEFT", "!ERR syntax error"},
        {"LMPOP 1 s LEFT", WRONGTYPE},
        {"BLPOP src s 0", "[\"src\",\"b\"]"},
        {"BLPOP none 0.01", "nil"},
        {"BLPOP none -1", "!ERR timeout is negative"},
        {"BLPOP none x", "!ERR timeout is not a float or out of range"},
        {"BLMPOP 0.01 1 none LEFT", "nil"},
        {"BRPOPLPUSH none dst 0.01", "nil"},
    };
    RUN(steps);
}

static void test_big_lists_keep_order(void **state) {
    (void)state;
    freeReplyObject(redisCommand(conn, "FLUSHALL"));
    /* Enough to span many chunks, with integers, short and long strings mixed. */
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (int i = 0; i < 20000; i++) {
        if (i % 100 == 0) {
            redisAppendCommand(conn, "RPUSH big %s", big);
        } else {
            redisAppendCommand(conn, "RPUSH big %d", i);
        }
    }
    for (int i = 0; i < 20000; i++) {
        redisReply *r;
        assert_int_equal(redisGetReply(conn, (void **)&r), REDIS_OK);
        assert_int_equal(r->integer, i + 1);
        freeReplyObject(r);
    }
    redisReply *r = redisCommand(conn, "LRANGE big 9999 10001");
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[0]->str, "9999");
    assert_string_equal(r->element[1]->str, big);
    assert_string_equal(r->element[2]->str, "10001");
    freeReplyObject(r);
    assert_int_equal(itest_integer(conn, "LREM big 0 %s", big), 200);
    assert_int_equal(itest_integer(conn, "LLEN big"), 19800);
    r = redisCommand(conn, "LINDEX big -1");
    assert_string_equal(r->str, "19999");
    freeReplyObject(r);
    assert_int_equal(itest_integer(conn, "LPOS big 12345"), 12345 - 123 - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_pop_and_length),
        cmocka_unit_test(test_ranges_indexes_and_edits),
        cmocka_unit_test(test_lpos_options),
        cmocka_unit_test(test_moves_and_multi_key_pops),
        cmocka_unit_test(test_big_lists_keep_order),
    };
    return cmocka_run_group_tests_name("lists", tests, setup, teardown);
}
