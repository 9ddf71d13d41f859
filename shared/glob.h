/* Redis-style glob matching for KEYS, SCAN MATCH, CONFIG GET and channel patterns:
 * `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and `\x`. Runs in O(pattern x string) time whatever
 * the pattern, so a hostile pattern cannot stall the server. */
#ifndef RILL_GLOB_H
#define RILL_GLOB_H

#include <stddef.h>

/* 1 when str matches pattern, else 0. nocase folds ASCII letters. */
int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase);

#endif
