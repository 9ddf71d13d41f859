#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "aof_format.h"
#include "mem.h"

static const char *parse_error(const char *text, int *line) {
    struct aof_manifest m;
    const char *err = NULL;
    if (aof_manifest_parse(&m, text, strlen(text), &err, line) == 0) {
        aof_manifest_free(&m);
        return NULL;
    }
    return err;
}

static void test_manifest_round_trips_in_redis_order(void **state) {
    (void)state;
    const char *text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "file appendonly.aof.3.incr.aof seq 3 type i\n"
                       "file appendonly.aof.4.incr.aof seq 4 type i\n";
    struct aof_manifest m;
    const char *err;
    int line;
    assert_int_equal(aof_manifest_parse(&m, text, strlen(text), &err, &line), 0);
    assert_string_equal(m.base->name, "appendonly.aof.2.base.rdb");
    assert_int_equal(m.nhistory, 1);
    assert_int_equal(m.nincr, 2);
    assert_int_equal(m.incr_seq, 4);
    buf_t out;
    buf_init(&out);
    aof_manifest_format(&m, &out);
    assert_int_equal(out.len, strlen(text));
    assert_memory_equal(out.data, text, out.len);
    buf_free(&out);
    aof_manifest_free(&m);
}

static void test_manifest_accepts_quotes_comments_and_extra_keys(void **state) {
    (void)state;
    const char *text = "# a comment\n"
                       "file \"with space.rdb\" seq 1 type b future value\r\n";
    struct aof_manifest m;
    const char *err;
    int line;
    assert_int_equal(aof_manifest_parse(&m, text, strlen(text), &err, &line), 0);
    assert_string_equal(m.base->name, "with space.rdb");
    buf_t out;
    buf_init(&out);
    aof_manifest_format(&m, &out);
    assert_memory_equal(out.data, "file \"with space.rdb\" seq 1 type b\n", out.len);
    buf_free(&out);
    aof_manifest_free(&m);
}

static void test_manifest_errors_are_redis_words(void **state) {
    (void)state;
    int line;
    assert_string_equal(parse_error("", &line), "Found an empty AOF manifest");
    assert_string_equal(parse_error("file a seq 1\n", &line), "Invalid AOF manifest file format");
    assert_string_equal(parse_error("file a/b seq 1 type b\n", &line),
                        "File can't be a path, just a filename");
    assert_string_equal(parse_error("file a seq 1 type b\nfile b seq 2 type b\n", &line),
                        "Found duplicate base file information");
    assert_int_equal(line, 2);
    assert_string_equal(parse_error("file a seq 2 type i\nfile b seq 2 type i\n", &line),
                        "Found a non-monotonic sequence number");
    assert_string_equal(parse_error("file a seq 1 type x\n", &line), "Unknown AOF file type");
    assert_string_equal(parse_error("file a seq 1 type b", &line),
                        "The AOF manifest file contains too long line");
    assert_string_equal(parse_error("\n", &line), "Invalid AOF manifest file format");
    assert_string_equal(parse_error("file \"a seq 1 type b\n", &line), "Invalid AOF manifest file format");
}

static void test_manifest_rewrite_steps(void **state) {
    (void)state;
    struct aof_manifest m;
    aof_manifest_init(&m);
    assert_string_equal(aof_manifest_new_base(&m, "appendonly.aof", 1), "appendonly.aof.1.base.rdb");
    assert_string_equal(aof_manifest_add_incr(&m, "appendonly.aof"), "appendonly.aof.1.incr.aof");
    assert_string_equal(aof_manifest_add_incr(&m, "appendonly.aof"), "appendonly.aof.2.incr.aof");
    struct aof_manifest next;
    aof_manifest_copy(&next, &m);
    aof_manifest_free(&m);
    assert_string_equal(aof_manifest_new_base(&next, "appendonly.aof", 0), "appendonly.aof.2.base.aof");
    aof_manifest_retire_incr(&next, 1);
    buf_t out;
    buf_init(&out);
    aof_manifest_format(&next, &out);
    const char *want = "file appendonly.aof.2.base.aof seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "file appendonly.aof.1.base.rdb seq 1 type h\n"
                       "file appendonly.aof.2.incr.aof seq 2 type i\n";
    assert_int_equal(out.len, strlen(want));
    assert_memory_equal(out.data, want, out.len);
    aof_manifest_clear_history(&next);
    assert_int_equal(next.nhistory, 0);
    buf_free(&out);
    aof_manifest_free(&next);
}

static enum aof_read_status read_all(const char *data, size_t len, size_t *commands, size_t *whole) {
    aof_reader r;
    aof_reader_init(&r, data, len);
    enum aof_read_status st;
    *commands = 0;
    *whole = 0;
    while ((st = aof_read_command(&r)) == AOF_READ_COMMAND || st == AOF_READ_ANNOTATION) {
        if (st == AOF_READ_COMMAND) {
            (*commands)++;
            *whole = (size_t)(r.p - r.base);
        }
    }
    aof_reader_free(&r);
    return st;
}

static void test_reader_reads_commands_and_annotations(void **state) {
    (void)state;
    const char data[] = "#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$0\r\n\r\n";
    aof_reader r;
    aof_reader_init(&r, data, sizeof data - 1);
    assert_int_equal(aof_read_command(&r), AOF_READ_ANNOTATION);
    assert_int_equal(r.annotation_len, 14);
    assert_memory_equal(r.annotation, "#TS:1700000000", 14);
    assert_int_equal(aof_read_command(&r), AOF_READ_COMMAND);
    assert_int_equal(r.argc, 2);
    assert_memory_equal(r.argv[0].ptr, "SELECT", 6);
    assert_int_equal(aof_read_command(&r), AOF_READ_COMMAND);
    assert_int_equal(r.argc, 3);
    assert_int_equal(r.argv[2].len, 0);
    assert_int_equal(aof_read_command(&r), AOF_READ_EOF);
    aof_reader_free(&r);
}

/* Cut anywhere inside the last command, the file reads as truncated after the first one. */
static void test_reader_finds_a_torn_tail_at_every_offset(void **state) {
    (void)state;
    const char data[] = "*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    size_t first = 14, total = sizeof data - 1;
    for (size_t cut = first + 1; cut < total; cut++) {
        size_t commands, whole;
        assert_int_equal(read_all(data, cut, &commands, &whole), AOF_READ_TRUNCATED);
        assert_int_equal(commands, 1);
        assert_int_equal(whole, first);
    }
    size_t commands, whole;
    assert_int_equal(read_all(data, total, &commands, &whole), AOF_READ_EOF);
    assert_int_equal(commands, 2);
}

static void test_reader_refuses_what_is_not_an_aof(void **state) {
    (void)state;
    size_t commands, whole;
    const char *bad[] = {"SET k v\r\n", "*0\r\n", "*-1\r\n", "*1\r\n+OK\r\n", "*1\r\n$-5\r\n",
                         "*\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(read_all(bad[i], strlen(bad[i]), &commands, &whole), AOF_READ_BAD_FORMAT);
    /* A count no file of this size could hold is a torn file, not an allocation. */
    const char *huge = "*9223372036854775807\r\n$1\r\n";
    assert_int_equal(read_all(huge, strlen(huge), &commands, &whole), AOF_READ_TRUNCATED);
    const char *longbulk = "*1\r\n$99999999999\r\nabc";
    assert_int_equal(read_all(longbulk, strlen(longbulk), &commands, &whole), AOF_READ_TRUNCATED);
    assert_true(aof_is_rdb("REDIS0010", 9));
    assert_false(aof_is_rdb("*1\r\n", 4));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_round_trips_in_redis_order),
        cmocka_unit_test(test_manifest_accepts_quotes_comments_and_extra_keys),
        cmocka_unit_test(test_manifest_errors_are_redis_words),
        cmocka_unit_test(test_manifest_rewrite_steps),
        cmocka_unit_test(test_reader_reads_commands_and_annotations),
        cmocka_unit_test(test_reader_finds_a_torn_tail_at_every_offset),
        cmocka_unit_test(test_reader_refuses_what_is_not_an_aof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
