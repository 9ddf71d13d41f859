/* SHA-1 (FIPS 180-4). Scripts are named by the SHA-1 of their body, in lowercase hex, as
 * Redis names them; nothing here is used for security. */
#ifndef RILL_SHA1_H
#define RILL_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha1_ctx {
    uint32_t state[5];
    uint64_t total;    /* bytes hashed so far */
    uint8_t block[64]; /* the partial block */
} sha1_ctx;

void sha1_init(sha1_ctx *ctx);
void sha1_update(sha1_ctx *ctx, const void *data, size_t len);
void sha1_final(sha1_ctx *ctx, uint8_t digest[20]);
/* The 40 lowercase hex digits of the SHA-1 of data, NUL-terminated. */
void sha1_hex(const void *data, size_t len, char out[41]);

#endif
