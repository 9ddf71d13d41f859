/* Glob matching (KEYS, SCAN MATCH, PSUBSCRIBE): pattern and string are the input split at its
 * first NUL byte. Besides never crashing, a string matches itself once escaped, and patterns
 * with many stars must not take exponential time (libFuzzer's -timeout catches that). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
    const uint8_t *nul = memchr(data, 0, len);
    size_t plen = nul ? (size_t)(nul - data) : len;
    const char *pattern = (const char *)data;
    const char *str = nul ? (const char *)nul + 1 : "";
    size_t slen = nul ? len - plen - 1 : 0;
    glob_match(pattern, plen, str, slen, 0);
    glob_match(pattern, plen, str, slen, 1);

    char *escaped = malloc(2 * slen + 1);
    size_t n = 0;
    for (size_t i = 0; i < slen; i++) {
        if (strchr("*?[]\\", str[i]) && str[i]) escaped[n++] = '\\';
        escaped[n++] = str[i];
    }
    assert(glob_match(escaped, n, str, slen, 0));
    free(escaped);
    return 0;
}
