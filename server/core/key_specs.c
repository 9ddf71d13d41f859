/* Redis 7.0's key specs, read from the COMMAND INFO text command_docs.c keeps for each
 * command: where a command's keys are and what it does to each (COMMAND GETKEYSANDFLAGS).
 * The search follows Redis's getKeysUsingKeySpecs. */
#include "core/key_specs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "numconv.h"

/* A cursor over the trusted RESP2 text of command_docs.c. */
struct reader {
    const char *p, *end;
};

static long long read_number(struct reader *r) {
    const char *eol = memchr(r->p, '\r', (size_t)(r->end - r->p));
    long long n = 0;
    if (!eol || str_to_ll(r->p + 1, (size_t)(eol - r->p - 1), &n) != 0) n = 0;
    r->p = eol ? eol + 2 : r->end;
    return n;
}

/* A string element (bulk or status) into out; returns its length, or -1 for another type. */
static int read_string(struct reader *r, char *out, size_t cap) {
    if (r->p >= r->end) return -1;
    char type = *r->p;
    const char *s;
    size_t len;
    if (type == '$') {
        len = (size_t)read_number(r);
        s = r->p;
        r->p += len + 2;
    } else if (type == '+') {
        const char *eol = memchr(r->p, '\r', (size_t)(r->end - r->p));
        s = r->p + 1;
        len = (size_t)(eol - s);
        r->p = eol + 2;
    } else {
        return -1;
    }
    if (len >= cap) len = cap - 1;
    memcpy(out, s, len);
    out[len] = '\0';
    return (int)len;
}

static void skip(struct reader *r) {
    if (r->p >= r->end) return;
    char type = *r->p;
    if (type == '*') {
        long long n = read_number(r);
        while (n-- > 0) skip(r);
    } else if (type == '$') {
        long long len = read_number(r);
        r->p += len + 2;
    } else {
        const char *eol = memchr(r->p, '\r', (size_t)(r->end - r->p));
        r->p = eol ? eol + 2 : r->end;
    }
}

/* A {name value ...} array into the fields of one spec part (begin_search, find_keys). */
static void read_part(struct reader *r, struct key_spec *ks, int find_keys) {
    long long n = read_number(r) / 2;
    char name[32], type[16] = "";
    while (n-- > 0) {
        read_string(r, name, sizeof name);
        if (!strcmp(name, "type")) {
            read_string(r, type, sizeof type);
            if (find_keys) ks->find = !strcmp(type, "range")    ? KS_RANGE
                                      : !strcmp(type, "keynum") ? KS_KEYNUM
                                                                : KS_FIND_UNKNOWN;
            else ks->begin = !strcmp(type, "index")     ? KS_INDEX
                             : !strcmp(type, "keyword") ? KS_KEYWORD
                                                        : KS_BEGIN_UNKNOWN;
        } else if (!strcmp(name, "spec")) {
            long long m = read_number(r) / 2;
            while (m-- > 0) {
                char field[16];
                read_string(r, field, sizeof field);
                if (!strcmp(field, "keyword")) {
                    read_string(r, ks->keyword, sizeof ks->keyword);
                    continue;
                }
                long long v = read_number(r);
                if (!strcmp(field, "index")) ks->index = v;
                else if (!strcmp(field, "startfrom")) ks->startfrom = v;
                else if (!strcmp(field, "lastkey")) ks->lastkey = v;
                else if (!strcmp(field, "keystep")) ks->keystep = v;
                else if (!strcmp(field, "limit")) ks->limit = v;
                else if (!strcmp(field, "keynumidx")) ks->keynumidx = v;
                else if (!strcmp(field, "firstkey")) ks->firstkey = v;
            }
        } else {
            skip(r);
        }
    }
}

size_t key_specs_read(const char *info, size_t len, struct key_spec *out, size_t cap) {
    struct reader r = {info, info + len};
    skip(&r); /* the tips */
    long long n = read_number(&r);
    size_t got = 0;
    for (long long i = 0; i < n; i++) {
        struct key_spec ks = {0};
        long long fields = read_number(&r) / 2;
        while (fields-- > 0) {
            char name[32];
            read_string(&r, name, sizeof name);
            if (!strcmp(name, "flags")) {
                long long nf = read_number(&r);
                for (long long f = 0; f < nf; f++) {
                    char flag[24];
                    read_string(&r, flag, sizeof flag);
                    size_t at = strlen(ks.flags);
                    if (at + strlen(flag) + 2 < sizeof ks.flags)
                        snprintf(ks.flags + at, sizeof ks.flags - at, "%s%s", at ? " " : "", flag);
                    if (!strcmp(flag, "incomplete") || !strcmp(flag, "variable_flags"))
                        ks.unreliable = 1;
                }
            } else if (!strcmp(name, "begin_search")) {
                read_part(&r, &ks, 0);
            } else if (!strcmp(name, "find_keys")) {
                read_part(&r, &ks, 1);
            } else {
                skip(&r);
            }
        }
        if (got < cap) out[got++] = ks;
    }
    return got;
}

long long key_specs_find(const struct key_spec *spec, const resp_arg *argv, size_t argc,
                         long long *first, long long *last, long long *step) {
    long long n = (long long)argc, f = 0, l;
    if (spec->begin == KS_INDEX) {
        f = spec->index;
    } else if (spec->begin == KS_KEYWORD) {
        long long start = spec->startfrom > 0 ? spec->startfrom : n + spec->startfrom;
        long long end = spec->startfrom > 0 ? n - 1 : 0;
        for (long long i = start; i != end; i = start <= end ? i + 1 : i - 1) {
            if (i >= n || i < 1) break;
            if (argv[i].len == strlen(spec->keyword) &&
                strncasecmp(argv[i].ptr, spec->keyword, argv[i].len) == 0) {
                f = i + 1;
                break;
            }
        }
        if (!f) return 0; /* keyword absent: no keys from this spec */
    } else {
        return -1;
    }
    if (spec->find == KS_RANGE) {
        *step = spec->keystep;
        if (spec->lastkey >= 0)
            l = f + spec->lastkey;
        else if (!spec->limit)
            l = n + spec->lastkey;
        else
            l = f + ((n - f) / spec->limit + spec->lastkey);
    } else if (spec->find == KS_KEYNUM) {
        *step = spec->keystep;
        long long numkeys;
        if (spec->keynumidx >= n - f) return -1;
        const resp_arg *k = &argv[f + spec->keynumidx];
        if (str_to_ll(k->ptr, k->len, &numkeys) != 0 || numkeys < 0) return -1;
        f += spec->firstkey;
        l = f + numkeys - 1;
    } else {
        return -1;
    }
    if (l >= n || l < f || f >= n) return l < f && spec->find == KS_KEYNUM ? 0 : -1;
    if (*step < 1) *step = 1;
    *first = f;
    *last = l;
    return (l - f) / *step + 1;
}
