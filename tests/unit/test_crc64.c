#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "crc64.h"

/* The textbook bit-at-a-time definition, to check the sliced tables against. */
static uint64_t crc64_bitwise(uint64_t crc, const unsigned char *p, size_t len) {
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ 0x95ac9329ac4bc9b5ULL : crc >> 1;
    }
    return crc;
}

static void test_crc64_matches_the_jones_check_value(void **state) {
    (void)state;
    /* The check value Redis's crc64.c tests against. */
    assert_true(crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9caULL);
    assert_true(crc64(0, "", 0) == 0);
}

static void test_crc64_matches_the_bitwise_definition_at_every_length(void **state) {
    (void)state;
    unsigned char data[300];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof data; len++)
        for (size_t start = 0; start < 8; start++)
            if (start + len <= sizeof data)
                assert_true(crc64(0, data + start, len) == crc64_bitwise(0, data + start, len));
}

static void test_crc64_is_the_same_whatever_the_pieces(void **state) {
    (void)state;
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 7);
    uint64_t whole = crc64(0, data, sizeof data);
    for (size_t split = 0; split <= sizeof data; split += 13)
        assert_true(crc64(crc64(0, data, split), data + split, sizeof data - split) == whole);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc64_matches_the_jones_check_value),
        cmocka_unit_test(test_crc64_matches_the_bitwise_definition_at_every_length),
        cmocka_unit_test(test_crc64_is_the_same_whatever_the_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
