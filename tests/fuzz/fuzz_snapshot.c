/* The RDB reader (rdb_verify: every record and value, packed encodings included): any file
 * must be refused with an offset inside it, or verified. Half the inputs get a correct
 * checksum written into their trailer, so that the structural checks behind the checksum are
 * reached too. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "rdb_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
    memcpy(copy, data, len);
    if (len > RDB_TRAILER_LEN && (copy[len - 1] & 1)) {
        uint64_t crc = crc64(0, copy, len - RDB_TRAILER_LEN);
        memcpy(copy + len - RDB_TRAILER_LEN, &crc, 8);
    }
    rdb_reader r;
    struct rdb_summary sum = {0};
    int rc = rdb_open(&r, copy, len);
    if (rc == 0) rc = rdb_verify(&r, &sum);
    if (rc != 0) {
        assert(r.err[0] != '\0');
        assert(r.err_offset <= len);
    }
    rdb_summary_free(&sum);
    free(copy);
    return 0;
}
