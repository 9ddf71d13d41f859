#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crc64.h"
#include "mem.h"
#include "rdb_format.h"

/* A memory writer's bytes (the DUMP footer is left off). */
static unsigned char *written(rdb_writer *w, size_t *len) {
    unsigned char *out = rdb_writer_take_dump(w, len);
    *len -= RDB_DUMP_FOOTER_LEN;
    return out;
}

static void reader_over(rdb_reader *r, const void *data, size_t len) {
    memset(r, 0, sizeof *r);
    r->base = r->p = data;
    r->end = r->base + len;
    r->len = len;
}

static void test_lengths_take_redis_sizes_and_read_back(void **state) {
    (void)state;
    static const struct {
        uint64_t n;
        size_t bytes;
    } cases[] = {
        {0, 1}, {63, 1}, {64, 2}, {16383, 2}, {16384, 5}, {UINT32_MAX, 5}, {1ULL + UINT32_MAX, 9},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rdb_writer w;
        rdb_writer_init(&w, -1, 0);
        rdb_put_len(&w, cases[i].n);
        size_t len;
        unsigned char *b = written(&w, &len);
        assert_int_equal(len, cases[i].bytes);
        rdb_reader r;
        reader_over(&r, b, len);
        uint64_t n;
        assert_int_equal(rdb_read_len(&r, &n), 0);
        assert_true(n == cases[i].n);
        mem_free(b);
    }
}

static void test_canonical_integers_are_integer_encoded(void **state) {
    (void)state;
    static const struct {
        const char *s;
        size_t bytes;
    } cases[] = {
        {"0", 2},      {"-128", 2},       {"127", 2},          {"128", 3},
        {"-32768", 3}, {"2147483647", 5}, {"2147483648", 11},  {"007", 4},
        {"-0", 3},     {"+1", 3},         {"12345678901", 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rdb_writer w;
        rdb_writer_init(&w, -1, 1);
        rdb_put_string(&w, cases[i].s, strlen(cases[i].s));
        size_t len;
        unsigned char *b = written(&w, &len);
        assert_int_equal(len, cases[i].bytes);
        rdb_reader r;
        reader_over(&r, b, len);
        rdb_str s;
        assert_int_equal(rdb_read_string(&r, &s), 0);
        assert_int_equal(s.len, strlen(cases[i].s));
        assert_memory_equal(s.ptr, cases[i].s, s.len);
        rdb_str_free(&s);
        mem_free(b);
    }
}

static void test_long_repetitive_strings_are_compressed_and_come_back(void **state) {
    (void)state;
    char text[3000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "abc"[i % 3];
    for (int compress = 0; compress <= 1; compress++) {
        rdb_writer w;
        rdb_writer_init(&w, -1, compress);
        rdb_put_string(&w, text, sizeof text);
        size_t len;
        unsigned char *b = written(&w, &len);
        if (compress) {
            assert_true(len < 200);
            assert_int_equal(b[0], 0xc3);
        } else {
            assert_int_equal(len, sizeof text + 2);
        }
        rdb_reader r;
        reader_over(&r, b, len);
        rdb_str s;
        assert_int_equal(rdb_read_string(&r, &s), 0);
        assert_int_equal(s.len, sizeof text);
        assert_memory_equal(s.ptr, text, sizeof text);
        rdb_str_free(&s);
        mem_free(b);
    }
}

static void test_a_compressed_length_beyond_reason_is_refused_before_allocating(void **state) {
    (void)state;
    /* LZF, 3 compressed bytes claiming 1 GB. */
    static const unsigned char b[] = {0xc3, 0x03, 0x80, 0x40, 0x00, 0x00, 0x00, 0x00, 'a', 'b'};
    rdb_reader r;
    reader_over(&r, b, sizeof b);
    rdb_str s;
    assert_int_equal(rdb_read_string(&r, &s), -1);
    assert_non_null(strstr(r.err, "compressed"));
}

static void test_reads_past_the_end_fail_with_the_offset(void **state) {
    (void)state;
    static const unsigned char b[] = {0x05, 'a', 'b'}; /* a 5-byte string with 2 bytes */
    rdb_reader r;
    reader_over(&r, b, sizeof b);
    rdb_str s;
    assert_int_equal(rdb_read_string(&r, &s), -1);
    assert_int_equal(r.err_offset, 1);
    assert_non_null(strstr(r.err, "past the end"));
    static const unsigned char count[] = {0x3f, 0x01}; /* 63 items in 1 byte */
    reader_over(&r, count, sizeof count);
    uint64_t n;
    assert_int_equal(rdb_read_count(&r, &n, 1), -1);
}

static void test_old_string_doubles_read_infinities_and_numbers(void **state) {
    (void)state;
    static const unsigned char b[] = {255, 254, 3, '1', '.', '5', 2, 'x', 'y'};
    rdb_reader r;
    reader_over(&r, b, sizeof b);
    double d;
    assert_int_equal(rdb_read_old_double(&r, &d), 0);
    assert_true(d < 0 && d * 0 != 0);
    assert_int_equal(rdb_read_old_double(&r, &d), 0);
    assert_true(d > 0 && d * 0 != 0);
    assert_int_equal(rdb_read_old_double(&r, &d), 0);
    assert_true(d == 1.5);
    assert_int_equal(rdb_read_old_double(&r, &d), -1);
}

/* A whole file: header, an AUX field, a database, a key with a TTL, EOF, checksum. */
static unsigned char *small_file(size_t *len, int checksum) {
    rdb_writer w;
    rdb_writer_init(&w, -1, 0);
    rdb_put_header(&w);
    rdb_put_aux(&w, "redis-ver", "7.0.15");
    rdb_put_byte(&w, RDB_OP_SELECTDB);
    rdb_put_len(&w, 2);
    rdb_put_byte(&w, RDB_OP_EXPIRETIME_MS);
    rdb_put_ms(&w, 1234567890123LL);
    rdb_put_byte(&w, RDB_TYPE_STRING);
    rdb_put_string(&w, "key", 3);
    rdb_put_string(&w, "value", 5);
    rdb_put_byte(&w, RDB_OP_EOF);
    unsigned char *b = w.buf;
    uint64_t crc = checksum ? crc64(0, b, w.len) : 0;
    b = mem_realloc(b, w.len + 8);
    memcpy(b + w.len, &crc, 8);
    *len = w.len + 8;
    return b;
}

static void test_a_file_walks_record_by_record(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = small_file(&len, 1);
    rdb_reader r;
    assert_int_equal(rdb_open(&r, b, len), 0);
    assert_int_equal(r.version, RDB_VERSION);
    assert_true(rdb_checksum_ok(&r));
    rdb_record rec;
    rdb_record_init(&rec);
    assert_int_equal(rdb_next(&r, &rec), RDB_REC_AUX);
    assert_memory_equal(rec.str.ptr, "7.0.15", 6);
    assert_int_equal(rdb_next(&r, &rec), RDB_REC_SELECTDB);
    assert_int_equal(rec.db, 2);
    assert_int_equal(rdb_next(&r, &rec), RDB_REC_KEY);
    assert_int_equal(rec.type, RDB_TYPE_STRING);
    assert_true(rec.expire_ms == 1234567890123LL);
    assert_memory_equal(rec.key.ptr, "key", 3);
    assert_int_equal(rdb_skip_value(&r, rec.type), 0);
    assert_int_equal(rdb_next(&r, &rec), RDB_REC_EOF);
    assert_ptr_equal(r.p, r.end);
    rdb_record_free(&rec);

    struct rdb_summary sum;
    assert_int_equal(rdb_open(&r, b, len), 0);
    assert_int_equal(rdb_verify(&r, &sum), 0);
    assert_int_equal(sum.ndbs, 1);
    assert_int_equal(sum.dbs[0].db, 2);
    assert_int_equal(sum.dbs[0].keys[RDB_TYPE_STRING], 1);
    assert_int_equal(sum.dbs[0].expires, 1);
    assert_string_equal(sum.redis_ver, "7.0.15");
    rdb_summary_free(&sum);
    mem_free(b);
}

static void test_checksums_are_checked_unless_zero(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = small_file(&len, 1);
    rdb_reader r;
    b[20] ^= 1;
    assert_int_equal(rdb_open(&r, b, len), 0);
    assert_false(rdb_checksum_ok(&r));
    assert_int_equal(rdb_verify(&r, NULL), -1);
    mem_free(b);
    b = small_file(&len, 0);
    assert_int_equal(rdb_open(&r, b, len), 0);
    assert_true(rdb_checksum_ok(&r)); /* rdbchecksum no: 0 means not checked */
    mem_free(b);
}

static void test_headers_name_what_is_wrong(void **state) {
    (void)state;
    rdb_reader r;
    assert_int_equal(rdb_open(&r, "RILLSNAP\2\0\0\0", 12), -1);
    assert_non_null(strstr(r.err, "not an RDB file"));
    assert_int_equal(rdb_open(&r, "REDIS0011\xff\0\0\0\0\0\0\0\0", 18), -1);
    assert_string_equal(r.err, "can't handle RDB format version 11");
    /* Version 4 has no checksum: EOF is the last byte. */
    assert_int_equal(rdb_open(&r, "REDIS0004\xff", 10), 0);
    assert_int_equal(rdb_verify(&r, NULL), 0);
}

static void test_modules_are_named_in_the_refusal(void **state) {
    (void)state;
    char name[10];
    /* "ReJSON-RL" with encoding version 3, as RedisJSON registers it. */
    const char *charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *want = "ReJSON-RL";
    uint64_t id = 0;
    for (int i = 0; i < 9; i++)
        id = id << 6 | (uint64_t)(strchr(charset, want[i]) - charset);
    id = id << 10 | 3;
    rdb_module_name(id, name);
    assert_string_equal(name, want);
}

static void test_dump_payloads_check_version_and_checksum(void **state) {
    (void)state;
    rdb_writer w;
    rdb_writer_init(&w, -1, 0);
    rdb_put_byte(&w, RDB_TYPE_STRING);
    rdb_put_string(&w, "hello", 5);
    size_t len;
    unsigned char *b = rdb_writer_take_dump(&w, &len);
    rdb_reader r;
    assert_int_equal(rdb_open_dump(&r, b, len, 1), 0);
    uint8_t type;
    assert_int_equal(rdb_read_byte(&r, &type), 0);
    assert_int_equal(rdb_skip_value(&r, type), 0);
    assert_ptr_equal(r.p, r.end);
    b[len - 1] ^= 1;
    assert_int_equal(rdb_open_dump(&r, b, len, 1), -1);
    assert_int_equal(rdb_open_dump(&r, b, len, 0), 0); /* DEBUG SET-SKIP-CHECKSUM-VALIDATION */
    b[len - 1] ^= 1;
    b[len - 10] = RDB_VERSION + 1; /* a newer version than we read */
    assert_int_equal(rdb_open_dump(&r, b, len, 1), -1);
    assert_int_equal(rdb_open_dump(&r, b, 5, 1), -1);
    mem_free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lengths_take_redis_sizes_and_read_back),
        cmocka_unit_test(test_canonical_integers_are_integer_encoded),
        cmocka_unit_test(test_long_repetitive_strings_are_compressed_and_come_back),
        cmocka_unit_test(test_a_compressed_length_beyond_reason_is_refused_before_allocating),
        cmocka_unit_test(test_reads_past_the_end_fail_with_the_offset),
        cmocka_unit_test(test_old_string_doubles_read_infinities_and_numbers),
        cmocka_unit_test(test_a_file_walks_record_by_record),
        cmocka_unit_test(test_checksums_are_checked_unless_zero),
        cmocka_unit_test(test_headers_name_what_is_wrong),
        cmocka_unit_test(test_modules_are_named_in_the_refusal),
        cmocka_unit_test(test_dump_payloads_check_version_and_checksum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
