/* RESP request parser, multibulk and inline as the bytes decide: any input, whole or fed in
 * two pieces, gives the same commands and never crashes or overreads. */
#include "resp_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    check_stream(data, len);
    return 0;
}
