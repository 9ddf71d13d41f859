#include "keyspace/scan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/reply.h"
#include "glob.h"
#include "mem.h"
#include "numconv.h"

int scan_parse_cursor(client *c, const resp_arg *a, unsigned long *cursor) {
    /* Read like strtoul does: "-1" wraps around, spaces and junk do not. */
    char tmp[32];
    if (a->len == 0 || a->len >= sizeof tmp || a->ptr[0] == ' ') {
        reply_error(c, "invalid cursor");
        return -1;
    }
    memcpy(tmp, a->ptr, a->len);
    tmp[a->len] = '\0';
    char *end;
    errno = 0;
    *cursor = strtoul(tmp, &end, 10);
    if (*end != '\0' || errno == ERANGE) {
        reply_error(c, "invalid cursor");
        return -1;
    }
    return 0;
}

int scan_parse_options(client *c, size_t first, int allow_type, struct scan_options *o) {
    o->count = 10;
    o->pattern = o->type = NULL;
    for (size_t i = first; i < c->argc; i += 2) {
        int has_value = i + 1 < c->argc;
        if (arg_is(&c->argv[i], "count") && has_value) {
            if (arg_ll(c, &c->argv[i + 1], &o->count) != 0) return -1;
            if (o->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
        } else if (arg_is(&c->argv[i], "match") && has_value) {
            const resp_arg *p = &c->argv[i + 1];
            o->pattern = p->len == 1 && p->ptr[0] == '*' ? NULL : p;
        } else if (allow_type && arg_is(&c->argv[i], "type") && has_value) {
            o->type = &c->argv[i + 1];
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

int scan_matches(const struct scan_options *o, const char *s, size_t len) {
    return !o->pattern || glob_match(o->pattern->ptr, o->pattern->len, s, len, 0);
}

struct collector {
    dict_node **found;
    size_t n, cap;
};

static void collect(dict_node *node, void *ctx) {
    struct collector *col = ctx;
    if (col->n == col->cap) {
        col->cap = col->cap ? col->cap * 2 : 64;
        col->found = mem_realloc(col->found, col->cap * sizeof *col->found);
    }
    col->found[col->n++] = node;
}

unsigned long scan_dict(dict *d, unsigned long cursor, long long count, dict_node ***found,
                        size_t *nfound) {
    struct collector col = {NULL, 0, 0};
    /* Ten buckets per element asked for, as Redis walks; a count near 2^63 must not overflow. */
    long long max_steps = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
    do {
        cursor = dict_scan(d, cursor, collect, &col);
    } while (cursor && max_steps-- && col.n < (size_t)count);
    *found = col.found;
    *nfound = col.n;
    return cursor;
}

void scan_reply_cursor(client *c, unsigned long cursor) {
    char num[LL_STR_SIZE];
    reply_array(c, 2);
    reply_bulk(c, num, ull_to_str(num, cursor));
}
