/* The inline parser (telnet-style requests with quotes and escapes): the input is kept from
 * starting any line with '*', so every command in it is parsed inline. */
#include "resp_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, data, len);
    for (size_t i = 1; i < len; i++)
        if (copy[i] == '*' && (i == 1 || copy[i - 1] == '\n')) copy[i] = '"';
    check_stream(copy, len);
    free(copy);
    return 0;
}
