#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot_format.h"

/* Runs fill on a writer over an in-memory file and returns the bytes written. */
static unsigned char *write_snapshot(void (*fill)(snap_writer *), size_t *len) {
    int fd = memfd_create("snap", 0);
    assert_true(fd >= 0);
    snap_writer w;
    snap_writer_init(&w, fd, 1234567);
    fill(&w);
    assert_int_equal(snap_writer_finish(&w), 0);
    off_t size = lseek(fd, 0, SEEK_END);
    unsigned char *data = malloc((size_t)size);
    assert_int_equal(pread(fd, data, (size_t)size, 0), size);
    close(fd);
    *len = (size_t)size;
    return data;
}

static char big[3u << 20]; /* larger than the writer's buffer */

static void fill_every_type(snap_writer *w) {
    snap_put_db(w, 0, 3);
    snap_put_key(w, SNAP_STRING, -1, "s", 1);
    snap_put_string(w, "hello\0world", 11);
    snap_put_key(w, SNAP_INT, 1700000000000LL, "i", 1);
    snap_put_int(w, LLONG_MIN);
    snap_put_key(w, SNAP_STRING, -1, "big", 3);
    snap_put_string(w, big, sizeof big);
    snap_put_db(w, 15, 4);
    snap_put_key(w, SNAP_LIST, -1, "l", 1);
    snap_put_count(w, 2);
    snap_put_string(w, "", 0);
    snap_put_string(w, "b", 1);
    snap_put_key(w, SNAP_SET, -1, "set", 3);
    snap_put_count(w, 1);
    snap_put_string(w, "m", 1);
    snap_put_key(w, SNAP_ZSET, 0, "z", 1);
    snap_put_count(w, 2);
    snap_put_string(w, "a", 1);
    snap_put_double(w, -INFINITY);
    snap_put_string(w, "b", 1);
    snap_put_double(w, 2.5);
    snap_put_key(w, SNAP_HASH, -1, "", 0);
    snap_put_count(w, 1);
    snap_put_string(w, "f", 1);
    snap_put_string(w, "v", 1);
}

static void fill_small(snap_writer *w) {
    snap_put_db(w, 0, 2);
    snap_put_key(w, SNAP_STRING, 99, "key", 3);
    snap_put_string(w, "value", 5);
    snap_put_key(w, SNAP_ZSET, -1, "z", 1);
    snap_put_count(w, 1);
    snap_put_string(w, "m", 1);
    snap_put_double(w, 1.5);
    snap_put_db(w, 3, 1);
    snap_put_key(w, SNAP_HASH, -1, "h", 1);
    snap_put_count(w, 1);
    snap_put_string(w, "f", 1);
    snap_put_string(w, "v", 1);
}

static void fill_nothing(snap_writer *w) { (void)w; }

static void expect_bytes(snap_reader *r, const char *want, size_t want_len) {
    const char *s;
    size_t len;
    assert_int_equal(snap_read_string(r, &s, &len), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(s, want, len);
}

static void expect_record(snap_reader *r, enum snap_type type, long long expire, const char *key) {
    snap_record rec;
    assert_int_equal(snap_next(r, &rec), SNAP_REC_KEY);
    assert_int_equal(rec.type, type);
    assert_true(rec.expire_ms == expire);
    assert_int_equal(rec.keylen, strlen(key));
    assert_memory_equal(rec.key, key, rec.keylen);
}

static void test_snapshot_round_trips_every_type(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof big; i++) big[i] = (char)(i * 31);
    size_t len;
    unsigned char *data = write_snapshot(fill_every_type, &len);
    snap_reader r;
    assert_int_equal(snap_open(&r, data, len), 0);
    assert_true(r.created_ms == 1234567);
    assert_true(snap_checksum_ok(&r));
    snap_record rec;
    assert_int_equal(snap_next(&r, &rec), SNAP_REC_DB);
    assert_int_equal(rec.db, 0);
    assert_int_equal(rec.nkeys, 3);
    expect_record(&r, SNAP_STRING, -1, "s");
    expect_bytes(&r, "hello\0world", 11);
    expect_record(&r, SNAP_INT, 1700000000000LL, "i");
    long long v;
    assert_int_equal(snap_read_int(&r, &v), 0);
    assert_true(v == LLONG_MIN);
    expect_record(&r, SNAP_STRING, -1, "big");
    expect_bytes(&r, big, sizeof big);
    assert_int_equal(snap_next(&r, &rec), SNAP_REC_DB);
    assert_int_equal(rec.db, 15);
    expect_record(&r, SNAP_LIST, -1, "l");
    uint64_t n;
    assert_int_equal(snap_read_count(&r, &n), 0);
    assert_int_equal(n, 2);
    expect_bytes(&r, "", 0);
    expect_bytes(&r, "b", 1);
    expect_record(&r, SNAP_SET, -1, "set");
    assert_int_equal(snap_skip_value(&r, SNAP_SET), 0);
    expect_record(&r, SNAP_ZSET, 0, "z");
    assert_int_equal(snap_read_count(&r, &n), 0);
    double d;
    expect_bytes(&r, "a", 1);
    assert_int_equal(snap_read_double(&r, &d), 0);
    assert_true(isinf(d) && d < 0);
    expect_bytes(&r, "b", 1);
    assert_int_equal(snap_read_double(&r, &d), 0);
    assert_true(d == 2.5);
    expect_record(&r, SNAP_HASH, -1, "");
    assert_int_equal(snap_skip_value(&r, SNAP_HASH), 0);
    assert_int_equal(snap_next(&r, &rec), SNAP_REC_END);
    assert_string_equal(r.err, "");

    struct snap_summary sum;
    assert_int_equal(snap_verify(&r, data, len, &sum), 0);
    assert_int_equal(sum.ndbs, 2);
    assert_int_equal(sum.dbs[0].keys[SNAP_STRING], 2);
    assert_int_equal(sum.dbs[0].keys[SNAP_INT], 1);
    assert_int_equal(sum.dbs[0].expires, 1);
    assert_int_equal(sum.dbs[1].db, 15);
    assert_int_equal(sum.dbs[1].keys[SNAP_ZSET], 1);
    assert_int_equal(sum.dbs[1].expires, 1);
    snap_summary_free(&sum);
    free(data);
}

static void test_snapshot_integers_survive_at_the_extremes(void **state) {
    (void)state;
    long long values[] = {0, 1, -1, 63, -64, 64, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        unsigned char buf[16];
        int fd = memfd_create("int", 0);
        snap_writer w;
        snap_writer_init(&w, fd, 0);
        snap_put_int(&w, values[i]);
        assert_int_equal(snap_writer_finish(&w), 0);
        ssize_t n = pread(fd, buf, sizeof buf, SNAP_HEADER_LEN);
        close(fd);
        assert_true(n > 0);
        snap_reader r = {.base = buf, .p = buf, .end = buf + n};
        long long v;
        assert_int_equal(snap_read_int(&r, &v), 0);
        assert_true(v == values[i]);
    }
}

static void test_snapshot_detects_every_flipped_byte(void **state) {
    (void)state;
    size_t len;
    unsigned char *data = write_snapshot(fill_small, &len);
    for (size_t off = 0; off < len; off++) {
        for (int bit = 0; bit < 8; bit++) {
            data[off] ^= (unsigned char)(1u << bit);
            snap_reader r;
            assert_int_equal(snap_verify(&r, data, len, NULL), -1);
            assert_true(r.err[0] != '\0');
            assert_true(r.err_offset <= len);
            data[off] ^= (unsigned char)(1u << bit);
        }
    }
    snap_reader r;
    assert_int_equal(snap_verify(&r, data, len, NULL), 0);
    free(data);
}

static void test_snapshot_detects_every_truncation(void **state) {
    (void)state;
    size_t len;
    unsigned char *data = write_snapshot(fill_small, &len);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut + 1); /* exact size: ASan sees any overread */
        memcpy(copy, data, cut);
        snap_reader r;
        assert_int_equal(snap_verify(&r, copy, cut, NULL), -1);
        assert_true(r.err[0] != '\0');
        free(copy);
    }
    free(data);
}

static void test_snapshot_names_the_problem_and_its_offset(void **state) {
    (void)state;
    size_t len;
    unsigned char *data = write_snapshot(fill_small, &len);
    snap_reader r;

    unsigned char *cut = malloc(len - 20);
    memcpy(cut, data, len - 20);
    assert_int_equal(snap_verify(&r, cut, len - 20, NULL), -1);
    assert_non_null(strstr(r.err, "end of file"));
    free(cut);

    data[8] = 9; /* version */
    assert_int_equal(snap_verify(&r, data, len, NULL), -1);
    assert_string_equal(r.err, "unsupported snapshot version 9 (this build reads 1 to 2)");
    assert_int_equal(r.err_offset, 8);
    data[8] = SNAP_VERSION;

    data[SNAP_HEADER_LEN + 3] = 0x42; /* the first key's type byte */
    assert_int_equal(snap_verify(&r, data, len, NULL), -1);
    assert_string_equal(r.err, "unknown record type 0x42");
    assert_int_equal(r.err_offset, SNAP_HEADER_LEN + 3);
    data[SNAP_HEADER_LEN + 3] = SNAP_STRING | SNAP_HAS_EXPIRE;

    data[len - 10] ^= 1; /* inside the last value: only the checksum can tell */
    assert_int_equal(snap_verify(&r, data, len, NULL), -1);
    assert_non_null(strstr(r.err, "checksum mismatch"));
    assert_int_equal(r.err_offset, len - 8);
    data[len - 10] ^= 1;

    memcpy(data, "REDIS0010", 9);
    assert_int_equal(snap_verify(&r, data, len, NULL), -1);
    assert_string_equal(r.err, "this is a Redis RDB file, not a rill snapshot");
    free(data);
}

static void fill_flagged(snap_writer *w) {
    snap_put_db(w, 0, 2);
    snap_put_key(w, SNAP_FLAGGED_STRING, 5000, "mc", 2);
    snap_put_client_flags(w, UINT32_MAX);
    snap_put_string(w, "v\r\n", 3);
    snap_put_key(w, SNAP_FLAGGED_STRING, -1, "bad", 3);
    snap_put_count(w, 1ULL << 32); /* flags past 32 bits: only a damaged file has these */
    snap_put_string(w, "", 0);
}

static void test_snapshot_flagged_strings_keep_32_bit_flags(void **state) {
    (void)state;
    size_t len;
    unsigned char *data = write_snapshot(fill_flagged, &len);
    snap_reader r;
    assert_int_equal(snap_open(&r, data, len), 0);
    assert_int_equal(r.version, SNAP_VERSION);
    snap_record rec;
    assert_int_equal(snap_next(&r, &rec), SNAP_REC_DB);
    expect_record(&r, SNAP_FLAGGED_STRING, 5000, "mc");
    uint32_t flags;
    assert_int_equal(snap_read_client_flags(&r, &flags), 0);
    assert_int_equal(flags, UINT32_MAX);
    expect_bytes(&r, "v\r\n", 3);
    expect_record(&r, SNAP_FLAGGED_STRING, -1, "bad");
    assert_int_equal(snap_read_client_flags(&r, &flags), -1);
    assert_string_equal(r.err, "client flags above 32 bits");
    /* Files from before flagged strings (version 1) still load. */
    data[8] = 1;
    assert_int_equal(snap_open(&r, data, len), 0);
    free(data);
}

static void test_snapshot_of_nothing_is_valid(void **state) {
    (void)state;
    size_t len;
    unsigned char *data = write_snapshot(fill_nothing, &len);
    assert_int_equal(len, SNAP_HEADER_LEN + 1 + SNAP_TRAILER_LEN);
    struct snap_summary sum;
    snap_reader r;
    assert_int_equal(snap_verify(&r, data, len, &sum), 0);
    assert_int_equal(sum.ndbs, 0);
    snap_summary_free(&sum);
    free(data);
}

static void test_snapshot_writer_reports_a_failed_write(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]); /* writes now fail with EPIPE */
    signal(SIGPIPE, SIG_IGN);
    snap_writer w;
    snap_writer_init(&w, fds[1], 0);
    snap_put_db(&w, 0, 0);
    assert_int_equal(snap_writer_finish(&w), -1);
    close(fds[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_round_trips_every_type),
        cmocka_unit_test(test_snapshot_integers_survive_at_the_extremes),
        cmocka_unit_test(test_snapshot_detects_every_flipped_byte),
        cmocka_unit_test(test_snapshot_detects_every_truncation),
        cmocka_unit_test(test_snapshot_names_the_problem_and_its_offset),
        cmocka_unit_test(test_snapshot_flagged_strings_keep_32_bit_flags),
        cmocka_unit_test(test_snapshot_of_nothing_is_valid),
        cmocka_unit_test(test_snapshot_writer_reports_a_failed_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
