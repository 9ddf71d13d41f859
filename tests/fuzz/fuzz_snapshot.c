/* The snapshot reader: any file must be refused with an offset inside it, or verified. Half
 * the inputs get a correct checksum written into their trailer, so that the structural checks
 * behind the checksum (what the loader relies on for a file that was not damaged by chance)
 * are reached too. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc64.h"
#include "snapshot_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    uint8_t *copy = malloc(len ? len : 1); /* exact size: ASan sees any overread */
    memcpy(copy, data, len);
    if (len > SNAP_TRAILER_LEN && (copy[len - 1] & 1)) {
        uint64_t crc = crc64(0, copy, len - SNAP_TRAILER_LEN);
        memcpy(copy + len - SNAP_TRAILER_LEN, &crc, 8);
    }
    snap_reader r;
    struct snap_summary sum;
    if (snap_verify(&r, copy, len, &sum) != 0) {
        assert(r.err[0] != '\0');
        assert(r.err_offset <= len);
    }
    snap_summary_free(&sum);
    free(copy);
    return 0;
}
