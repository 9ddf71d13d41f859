#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

static const char pipeline[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
                               "PING\r\n"
                               "*2\r\n$3\r\nGET\r\n$0\r\n\r\n"
                               "  echo \"a b\\x41\\n\" 'c\\'d'  \n";

/* Parses everything in buf (a prefix of the pipeline), returning the number of commands
 * completed and leaving *used at the start of the unfinished one. */
static int parse_all(resp_parser *p, char *buf, size_t len, size_t *used, char out[][64]) {
    int n = 0;
    *used = 0;
    for (;;) {
        size_t consumed;
        enum resp_status st = resp_parse(p, buf + *used, len - *used, &consumed);
        if (st != RESP_DONE) {
            assert_int_equal(st, RESP_NEED_MORE);
            return n;
        }
        out[n][0] = '\0';
        for (size_t i = 0; i < p->argc; i++) {
            strncat(out[n], p->argv[i].ptr, p->argv[i].len);
            strcat(out[n], "|");
        }
        n++;
        *used += consumed;
    }
}

static void test_parse_splits_at_every_byte(void **state) {
    (void)state;
    size_t total = sizeof pipeline - 1;
    for (size_t split = 0; split <= total; split++) {
        resp_parser p;
        resp_parser_init(&p, 512 * 1024 * 1024LL);
        char buf[256];
        char got[8][64];
        memcpy(buf, pipeline, total);
        size_t used;
        int n = parse_all(&p, buf, split, &used, got);
        /* Continue with the rest, as a client's next read would arrive. */
        memmove(buf, buf + used, total - used);
        size_t used2;
        int m = parse_all(&p, buf, total - used, &used2, got + n);
        assert_int_equal(n + m, 4);
        assert_int_equal(used2, total - used);
        assert_string_equal(got[0], "SET|key|value|");
        assert_string_equal(got[1], "PING|");
        assert_string_equal(got[2], "GET||");
        assert_string_equal(got[3], "echo|a bA\n|c'd|");
        resp_parser_free(&p);
    }
}

static void expect_error(const char *input, const char *error) {
    resp_parser p;
    resp_parser_init(&p, 512 * 1024 * 1024LL);
    char buf[128];
    size_t len = strlen(input), consumed;
    memcpy(buf, input, len);
    assert_int_equal(resp_parse(&p, buf, len, &consumed), RESP_ERROR);
    assert_string_equal(p.error, error);
    resp_parser_free(&p);
}

/* A command of 5,000 arguments grows the argument arrays; the next command gives them back
 * (a client that sent one SADD of 100,000 members kept 3 MB of them forever). */
static void test_parse_gives_back_big_argument_arrays(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, 512 * 1024 * 1024LL);
    enum { N = 5000 };
    char *big = malloc(N * 8 + 32);
    size_t len = (size_t)sprintf(big, "*%d\r\n", N);
    for (int i = 0; i < N; i++) len += (size_t)sprintf(big + len, "$1\r\na\r\n");
    size_t consumed;
    assert_int_equal(resp_parse(&p, big, len, &consumed), RESP_DONE);
    assert_int_equal(p.argc, N);
    assert_true(p.argcap >= N);
    char small[] = "*1\r\n$4\r\nPING\r\n";
    assert_int_equal(resp_parse(&p, small, sizeof small - 1, &consumed), RESP_DONE);
    assert_int_equal(p.argc, 1);
    assert_true(p.argcap <= 1024);
    resp_parser_free(&p);
    free(big);
}

static void test_parse_rejects_malformed_input(void **state) {
    (void)state;
    expect_error("*x\r\n", "Protocol error: invalid multibulk length");
    expect_error("*3000000000\r\n", "Protocol error: invalid multibulk length");
    expect_error("*1\r\n+foo\r\n", "Protocol error: expected '$', got '+'");
    expect_error("*1\r\n$-1\r\n", "Protocol error: invalid bulk length");
    expect_error("*1\r\n$abc\r\n", "Protocol error: invalid bulk length");
    expect_error("set \"abc\n", "Protocol error: unbalanced quotes in request");
    expect_error("set \"abc\"x\n", "Protocol error: unbalanced quotes in request");
    expect_error("set 'abc\n", "Protocol error: unbalanced quotes in request");
}

static void test_parse_enforces_bulk_limit(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, 100);
    char buf[] = "*1\r\n$101\r\n";
    size_t consumed;
    assert_int_equal(resp_parse(&p, buf, strlen(buf), &consumed), RESP_ERROR);
    assert_string_equal(p.error, "Protocol error: invalid bulk length");
    resp_parser_free(&p);
}

static void test_parse_refuses_endless_line(void **state) {
    (void)state;
    size_t len = RESP_MAX_LINE + 10;
    char *buf = malloc(len);
    memset(buf, 'a', len);
    resp_parser p;
    resp_parser_init(&p, 1000);
    size_t consumed;
    assert_int_equal(resp_parse(&p, buf, len, &consumed), RESP_ERROR);
    assert_string_equal(p.error, "Protocol error: too big inline request");
    buf[0] = '*';
    assert_int_equal(resp_parse(&p, buf, len, &consumed), RESP_ERROR);
    assert_string_equal(p.error, "Protocol error: too big mbulk count string");
    resp_parser_free(&p);
    free(buf);
}

static void test_parse_empty_requests(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, 1000);
    char buf[] = "*0\r\n\r\n   \n*-1\r\n";
    size_t off = 0, consumed;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(resp_parse(&p, buf + off, strlen(buf) - off, &consumed), RESP_DONE);
        assert_int_equal(p.argc, 0);
        off += consumed;
    }
    assert_int_equal(resp_parse(&p, buf + off, strlen(buf) - off, &consumed), RESP_DONE);
    assert_int_equal(p.argc, 0);
    resp_parser_free(&p);
}

static void test_parse_reports_big_argument_size(void **state) {
    (void)state;
    resp_parser p;
    resp_parser_init(&p, 1 << 30);
    char buf[] = "*2\r\n$3\r\nset\r\n$100000\r\nabc";
    size_t consumed;
    assert_int_equal(resp_parse(&p, buf, strlen(buf), &consumed), RESP_NEED_MORE);
    assert_int_equal(p.need, 4 + 4 + 5 + 9 + 100000 + 2);
    resp_parser_free(&p);
}

static void test_encode_replies(void **state) {
    (void)state;
    buf_t b;
    buf_init(&b);
    resp_add_status(&b, "OK", 2);
    resp_add_error(&b, "bad\r\nthing", 10);
    resp_add_error(&b, "-WRONGTYPE x", 12);
    resp_add_int(&b, -42);
    resp_add_bulk(&b, "hi", 2);
    resp_add_nil(&b);
    resp_add_array(&b, 3);
    buf_append(&b, "", 1);
    assert_string_equal(b.data, "+OK\r\n-ERR bad  thing\r\n-WRONGTYPE x\r\n:-42\r\n$2\r\nhi\r\n"
                                "$-1\r\n*3\r\n");
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_splits_at_every_byte),
        cmocka_unit_test(test_parse_rejects_malformed_input),
        cmocka_unit_test(test_parse_enforces_bulk_limit),
        cmocka_unit_test(test_parse_refuses_endless_line),
        cmocka_unit_test(test_parse_empty_requests),
        cmocka_unit_test(test_parse_gives_back_big_argument_arrays),
        cmocka_unit_test(test_parse_reports_big_argument_size),
        cmocka_unit_test(test_encode_replies),
    };
    return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
