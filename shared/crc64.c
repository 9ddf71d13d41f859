/* Slicing-by-16: sixteen 256-entry tables let each step fold sixteen input bytes at once, with
 * two independent 8-byte words feeding the lookups; the byte-at-a-time loop is several times
 * slower. The tables are built on first use. */
#include "crc64.h"

#include <string.h>

#define POLY 0x95ac9329ac4bc9b5ULL /* 0xad93d23594c935a9 bit-reversed */

static uint64_t table[16][256];
static int table_ready;

static void build_tables(void) {
    for (int n = 0; n < 256; n++) {
        uint64_t crc = (uint64_t)n;
        for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ POLY : crc >> 1;
        table[0][n] = crc;
    }
    /* table[k][n]: the CRC of byte n followed by k zero bytes. */
    for (int n = 0; n < 256; n++)
        for (int k = 1; k < 16; k++)
            table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
    table_ready = 1;
}

/* The eight bytes of w, the first of them k + 7 bytes from the end of the block. */
static inline uint64_t fold(uint64_t w, int k) {
    return table[k + 7][w & 0xff] ^ table[k + 6][(w >> 8) & 0xff] ^
           table[k + 5][(w >> 16) & 0xff] ^ table[k + 4][(w >> 24) & 0xff] ^
           table[k + 3][(w >> 32) & 0xff] ^ table[k + 2][(w >> 40) & 0xff] ^
           table[k + 1][(w >> 48) & 0xff] ^ table[k][w >> 56];
}

uint64_t crc64(uint64_t crc, const void *data, size_t len) {
    if (!table_ready) build_tables();
    const unsigned char *p = data;
    while (len >= 16) {
        uint64_t w0, w1;
        memcpy(&w0, p, 8);
        memcpy(&w1, p + 8, 8);
        crc = fold(w0 ^ crc, 8) ^ fold(w1, 0); /* little-endian: first byte in the low bits */
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        crc = fold(w ^ crc, 0);
        p += 8;
        len -= 8;
    }
    while (len--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}
