#include "glob.h"

#include <ctype.h>

static int fold(int c, int nocase) { return nocase ? tolower(c) : c; }

/* Matches one character class starting after '[' at p. Stores in *next the position after
 * the closing ']' (or the pattern end when unterminated, as Redis does). */
static int match_class(const unsigned char *p, const unsigned char *pend, int c, int nocase,
                       const unsigned char **next) {
    int negate = 0, matched = 0;
    if (p < pend && *p == '^') {
        negate = 1;
        p++;
    }
    while (p < pend && *p != ']') {
        if (*p == '\\' && p + 1 < pend) {
            p++;
            if (fold(*p, nocase) == c) matched = 1;
            p++;
        } else if (p + 2 < pend && p[1] == '-') {
            int lo = fold(p[0], nocase), hi = fold(p[2], nocase);
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (c >= lo && c <= hi) matched = 1;
            p += 3;
        } else {
            if (fold(*p, nocase) == c) matched = 1;
            p++;
        }
    }
    /* Redis treats an unterminated class as ending at the last pattern byte. */
    *next = p < pend ? p + 1 : pend;
    return negate ? !matched : matched;
}

/* Classic single-backtrack wildcard matching: on a mismatch, retry from the most recent
 * '*' with one more byte consumed. Correct for globs because '*' matches any run. */
int glob_match(const char *pattern, size_t plen, const char *str, size_t slen, int nocase) {
    const unsigned char *p = (const unsigned char *)pattern, *pend = p + plen;
    const unsigned char *s = (const unsigned char *)str, *send = s + slen;
    const unsigned char *star_p = NULL, *star_s = NULL;

    /* Redis's stringmatchlen never matches an empty string against a non-empty pattern,
     * not even "*" (KEYS and SCAN special-case a lone "*" before matching). */
    if (slen == 0) return plen == 0;
    while (s < send) {
        if (p < pend) {
            const unsigned char *next = p + 1;
            int ok;
            switch (*p) {
            case '*':
                while (p < pend && *p == '*') p++;
                if (p == pend) return 1;
                star_p = p;
                star_s = s;
                continue;
            case '?':
                ok = 1;
                break;
            case '[':
                ok = match_class(p + 1, pend, fold(*s, nocase), nocase, &next);
                break;
            case '\\':
                if (p + 1 < pend) {
                    ok = fold(p[1], nocase) == fold(*s, nocase);
                    next = p + 2;
                    break;
                }
                /* A trailing backslash matches itself. */
                /* fallthrough */
            default:
                ok = fold(*p, nocase) == fold(*s, nocase);
                break;
            }
            if (ok) {
                p = next;
                s++;
                continue;
            }
        }
        if (!star_p) return 0;
        p = star_p;
        s = ++star_s;
    }
    while (p < pend && *p == '*') p++;
    return p == pend;
}
