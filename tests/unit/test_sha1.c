#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sha1.h"

static void hex_of(const char *s, char out[41]) { sha1_hex(s, strlen(s), out); }

static void test_sha1_matches_the_fips_vectors(void **state) {
    (void)state;
    char out[41];
    hex_of("", out);
    assert_string_equal(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    hex_of("abc", out);
    assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
    hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", out);
    assert_string_equal(out, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

static void test_sha1_names_scripts_like_redis(void **state) {
    (void)state;
    char out[41];
    hex_of("return 1", out); /* SCRIPT LOAD "return 1" on Redis */
    assert_string_equal(out, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

static void test_sha1_is_the_same_whatever_the_pieces(void **state) {
    (void)state;
    char data[1000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (char)(i * 7);
    char whole[41];
    sha1_hex(data, sizeof data, whole);
    /* Every split point, including those around the 55/56/64-byte padding edges. */
    for (size_t split = 0; split <= 130; split++) {
        sha1_ctx ctx;
        uint8_t digest[20];
        sha1_init(&ctx);
        sha1_update(&ctx, data, split);
        sha1_update(&ctx, data + split, sizeof data - split);
        sha1_final(&ctx, digest);
        char hex[41];
        for (int i = 0; i < 20; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
        assert_string_equal(hex, whole);
    }
    /* A million 'a's, fed in uneven pieces. */
    sha1_ctx ctx;
    uint8_t digest[20];
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    sha1_init(&ctx);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        sha1_update(&ctx, chunk, n);
        left -= n;
    }
    sha1_final(&ctx, digest);
    char hex[41];
    for (int i = 0; i < 20; i++) sprintf(hex + 2 * i, "%02x", digest[i]);
    assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_matches_the_fips_vectors),
        cmocka_unit_test(test_sha1_names_scripts_like_redis),
        cmocka_unit_test(test_sha1_is_the_same_whatever_the_pieces),
    };
    return cmocka_run_group_tests_name("sha1", tests, NULL, NULL);
}
