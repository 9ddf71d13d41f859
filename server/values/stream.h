/* The stream value, laid out as Redis 7.0 lays it out so that nodes go to RDB files and DUMP
 * payloads unchanged: entries in listpack nodes, each node keyed by its master ID and opened
 * by a master entry (live count, deleted count, the master fields, 0), each entry
 * [flags][ms delta][seq delta]([n fields][field value...] | [value...])[lp-count]. Instead of
 * Redis's radix tree the nodes sit in one array sorted by master ID (appends at the end, trims
 * at the front), found by binary search. Consumer groups keep their pending entries in
 * ordered ID indexes. Knows nothing of the server: limits and times come as arguments. */
#ifndef RILL_STREAM_H
#define RILL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "listpack.h"
#include "resp.h"
#include "values/id_index.h"

#define STREAM_ITEM_DELETED 1
#define STREAM_ITEM_SAMEFIELDS 2
/* The largest node and the largest entry Redis accepts (listpacks have 32-bit sizes). */
#define STREAM_LISTPACK_MAX_SIZE (1u << 30)
#define STREAM_ENTRIES_READ_INVALID (-1LL)

/* The next and the previous ID; -1 when there is none (the largest ID wraps to 0-0, the
 * smallest to the largest, as in Redis). */
int stream_id_incr(stream_id *id);
int stream_id_decr(stream_id *id);
static inline int stream_id_is_zero(const stream_id *id) { return !id->ms && !id->seq; }
/* An ID as Redis's 16-byte big-endian key (radix tree keys, RDB node keys and PEL entries),
 * and back. */
void stream_id_to_key(const stream_id *id, unsigned char key[16]);
void stream_id_from_key(const unsigned char *key, stream_id *id);

struct stream_node {
    stream_id master;
    unsigned char *lp;
};

struct stream_consumer;

/* A delivered, not yet acknowledged entry: shared by the group's and the consumer's PEL. */
struct stream_nack {
    long long delivery_time;
    uint64_t delivery_count;
    struct stream_consumer *consumer; /* NULL only for XCLAIM FORCE before it is assigned */
};

struct stream_consumer {
    long long seen_time;
    id_index pel; /* of struct stream_nack, shared with the group's */
    size_t namelen;
    char name[];
};

struct stream_group {
    stream_id last_id;
    long long entries_read; /* STREAM_ENTRIES_READ_INVALID when unknown */
    id_index pel;           /* owns its struct stream_nack */
    struct stream_consumer **consumers; /* sorted by name, as Redis's radix tree orders them */
    size_t nconsumers, consumers_cap;
    size_t namelen;
    char name[];
};

typedef struct stream {
    struct stream_node *nodes; /* the live nodes are nodes[head] .. nodes[head + nnodes - 1] */
    size_t head, nnodes, cap;
    uint64_t length;
    uint64_t entries_added;
    stream_id last_id, first_id, max_deleted_id;
    struct stream_group **groups; /* sorted by name */
    size_t ngroups, groups_cap;
} stream;

/* When a node is full: listpack bytes (0: no limit) and entries (0: no limit), the
 * stream-node-max-* settings. */
struct stream_limits {
    size_t node_max_bytes;
    long long node_max_entries;
};

stream *stream_new(void);
void stream_free(stream *s);
stream *stream_dup(const stream *s);
/* Bytes allocated for the stream, its groups and consumers. */
size_t stream_bytes(const stream *s);
static inline struct stream_node *stream_node_at(const stream *s, size_t i) {
    return &s->nodes[s->head + i];
}
/* Adds a node as it is, in master ID order; returns its index. */
size_t stream_push_node(stream *s, const stream_id *master, unsigned char *lp);
/* Checks a node read from outside: a whole listpack laid out as a stream node, its counts
 * right. 0, or -1 with why. */
int stream_check_node(const unsigned char *lp, size_t len, const char **why);
/* Nodes Redis's radix tree would have for these keys (XINFO STREAM radix-tree-nodes). */
long long stream_radix_nodes(const stream *s);

/* Appends an entry of nfields field/value pairs (fv[0], fv[1], ...). use_id NULL generates
 * one from now_ms; with seq_given 0 only use_id->ms is given. Returns 0 with *added, -1 when
 * the ID is not above the last one (or the sequence is exhausted), -2 when the entry is too
 * large. */
int stream_append(stream *s, const resp_arg *fv, size_t nfields, const stream_id *use_id,
                  int seq_given, long long now_ms, const struct stream_limits *lim,
                  stream_id *added);

enum stream_trim_strategy { STREAM_TRIM_NONE, STREAM_TRIM_MAXLEN, STREAM_TRIM_MINID };
struct stream_trim {
    enum stream_trim_strategy strategy;
    int approx;      /* only whole nodes go */
    long long limit; /* at most this many entries go (0: no limit) */
    long long maxlen;
    stream_id minid;
};
/* Trims from the oldest end; returns how many entries went. */
long long stream_trim(stream *s, const struct stream_trim *t);

/* Marks the entry deleted; 1 when it existed. Does not touch max_deleted_id or first_id. */
int stream_delete(stream *s, const stream_id *id);
int stream_entry_exists(stream *s, const stream_id *id);
/* The first or last entry's ID; with skip_tombstones 0, deleted entries count too. Without
 * one: the largest ID (first) or 0-0 (last). */
void stream_edge_id(stream *s, int first, int skip_tombstones, stream_id *id);

/* Walks entries between start and end (NULL: the ends), forwards or backwards. */
typedef struct stream_iter {
    stream *s;
    stream_id start, end;
    int rev;
    int skip_tombstones;
    size_t node;       /* node index, counting from the first node */
    int in_node;       /* node and p are set */
    unsigned char *lp; /* the current node */
    unsigned char *p;  /* forward: the current entry's lp-count; backward: its flags */
    stream_id master;
    int64_t master_fields;
    unsigned char *master_fields_start;
    /* the entry returned last */
    unsigned char *entry_flags_at;
    int entry_flags;
    unsigned char *field_at, *master_field_at;
    char fbuf[LP_INT_BUF], vbuf[LP_INT_BUF];
} stream_iter;

void stream_iter_start(stream_iter *it, stream *s, const stream_id *start, const stream_id *end,
                       int rev);
/* 1 with the next entry's ID and field count, 0 when done. */
int stream_iter_next(stream_iter *it, stream_id *id, int64_t *nfields);
/* The entry's next field and value (valid until the next iterator call). */
void stream_iter_field(stream_iter *it, const char **f, size_t *flen, const char **v,
                       size_t *vlen);

/* Consumer groups. */
struct stream_group *stream_group_find(const stream *s, const char *name, size_t len);
/* NULL when the name is taken. */
struct stream_group *stream_group_create(stream *s, const char *name, size_t len,
                                         const stream_id *last_id, long long entries_read);
/* Removes and frees the group; 1 when it existed. */
int stream_group_destroy(stream *s, const char *name, size_t len);
struct stream_consumer *stream_consumer_find(const struct stream_group *g, const char *name,
                                             size_t len);
/* NULL when the name is taken. */
struct stream_consumer *stream_consumer_create(struct stream_group *g, const char *name,
                                               size_t len, long long now_ms);
/* Removes the consumer and its pending entries from the group; returns how many it had. */
size_t stream_consumer_delete(struct stream_group *g, struct stream_consumer *c);
struct stream_nack *stream_nack_new(struct stream_consumer *c, long long now_ms);

/* Redis's lag bookkeeping (streamRangeHasTombstones, streamEstimateDistanceFromFirstEverEntry). */
int stream_range_has_tombstones(const stream *s, const stream_id *start, const stream_id *end);
long long stream_estimate_distance(const stream *s, const stream_id *id);
/* 1 with the group's lag (negative when ENTRIESREAD said more than was added), or 0 when it
 * cannot be known (XINFO's null). */
int stream_group_lag(const stream *s, const struct stream_group *g, long long *lag);
/* A delivery of id to the group moved its last ID forward: entries_read follows. */
void stream_group_advance(const stream *s, struct stream_group *g, const stream_id *id);

#endif
