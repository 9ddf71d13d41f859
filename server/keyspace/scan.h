/* The cursor and options of SCAN, HSCAN, SSCAN and ZSCAN, and the walk over a hash table
 * that they share. Small values in a compact encoding are returned whole, with cursor 0. */
#ifndef RILL_SCAN_H
#define RILL_SCAN_H

#include "core/server.h"
#include "dict.h"

struct scan_options {
    long long count;
    const resp_arg *pattern; /* NULL: everything matches */
    const resp_arg *type;    /* SCAN only */
};

/* Reads a cursor as Redis does (strtoul rules). Returns -1 after replying "invalid cursor". */
int scan_parse_cursor(client *c, const resp_arg *a, unsigned long *cursor);
/* Reads COUNT, MATCH (and TYPE when allow_type) from argv[first] on. Returns -1 after
 * replying the error. */
int scan_parse_options(client *c, size_t first, int allow_type, struct scan_options *o);
int scan_matches(const struct scan_options *o, const char *s, size_t len);
/* Visits buckets of d from cursor until about count nodes are found; the nodes are stored
 * in *found (free it with mem_free). Returns the next cursor. */
unsigned long scan_dict(dict *d, unsigned long cursor, long long count, dict_node ***found,
                        size_t *nfound);
/* The reply's first part: a two-element array and the cursor. */
void scan_reply_cursor(client *c, unsigned long cursor);

#endif
