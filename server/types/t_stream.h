/* What the stream commands share (t_stream.c: entries and reads; t_stream_groups.c: consumer
 * groups): looking streams up, parsing IDs as Redis does, and replying with entries. */
#ifndef RILL_T_STREAM_H
#define RILL_T_STREAM_H

#include <limits.h>

#include "core/server.h"
#include "keyspace/db.h"
#include "values/stream.h"

static inline stream *stream_of(entry *e) { return entry_obj(e); }

/* Replies WRONGTYPE when e exists and is not a stream; returns 1 then. */
int stream_not_a_stream(client *c, entry *e);

/* Redis's streamGenericParseIDOrReply: "<ms>[-<seq>]" (a missing sequence is missing_seq),
 * "-" and "+" unless strict, "<ms>-*" when seq_given is not NULL (then *seq_given is 0).
 * Returns -1 after replying the error (c NULL: no reply). */
int stream_parse_id(client *c, const resp_arg *a, stream_id *id, uint64_t missing_seq,
                    int strict, int *seq_given);
static inline int stream_parse_strict_id(client *c, const resp_arg *a, stream_id *id) {
    return stream_parse_id(c, a, id, 0, 1, NULL);
}
/* IDs from commands: up to STREAM_IDS_LOCAL in the struct, more on the heap (as Redis's
 * static_ids), so the common XACK or XDEL of a few IDs allocates nothing. */
#define STREAM_IDS_LOCAL 8
struct stream_ids {
    stream_id *ids;
    stream_id local[STREAM_IDS_LOCAL];
};
/* Room for n IDs in l->ids. */
void stream_ids_init(struct stream_ids *l, size_t n);
void stream_ids_free(struct stream_ids *l);
/* Parses the n strict IDs from a[0] on into l (initialised here); -1 after replying the
 * error (l is then freed). */
int stream_parse_ids(client *c, const resp_arg *a, size_t n, struct stream_ids *l);

/* A range bound: "(" before an ID excludes it (the ID is then moved past it, with Redis's
 * error when there is no such ID). start 1 for a lower bound. */
int stream_parse_range_bound(client *c, const resp_arg *a, stream_id *id, int start);

/* "<ms>-<seq>" written into out (STREAM_ID_TEXT bytes); returns its length. */
#define STREAM_ID_TEXT 48
size_t stream_format_id(char *out, const stream_id *id);
void reply_stream_id(client *c, const stream_id *id);

/* How reply_stream_range works. */
#define RANGE_NOACK 1   /* deliveries to a group leave no pending entries */
#define RANGE_RAW 2     /* the entries only, without the array header */
#define RANGE_HISTORY 4 /* a consumer's own pending entries, from its PEL */
/* Replies with up to count (0: all) entries from start to end (backwards with rev). With a
 * delivery (may be NULL), the entries are delivered to its group and consumer: the group's
 * last ID moves and they become pending for the consumer, with their effects. Returns how many
 * entries were replied. */
struct stream_delivery {
    struct stream_group *g;
    struct stream_consumer *consumer;
    const resp_arg *key, *group; /* the command's, for the effects */
};
size_t reply_stream_range(client *c, stream *s, const stream_id *start, const stream_id *end,
                          size_t count, int rev, const struct stream_delivery *to, int flags);
/* The entry id alone, as [id, [field, value, ...]]; 0 when it does not exist. */
int reply_stream_entry(client *c, stream *s, const stream_id *id);

/* now - then, saturated: times come from clients (XCLAIM TIME, IDLE) and from files. */
static inline long long stream_elapsed(long long now, long long then) {
    long long d;
    return __builtin_sub_overflow(now, then, &d) ? (then < 0 ? LLONG_MAX : LLONG_MIN) : d;
}

/* Effects of group deliveries and claims, as Redis propagates them. The XCLAIM that makes the
 * pending entry id (its text) what nack says, idempotently: XCLAIM key group consumer 0 id
 * TIME t RETRYCOUNT n FORCE JUSTID LASTID <group's last ID>. */
void stream_effect_xclaim(client *c, const resp_arg *key, const struct stream_group *g,
                          const resp_arg *group, const resp_arg *id, const struct stream_nack *nack);
/* XGROUP SETID key group <last ID> ENTRIESREAD <n>. */
void stream_effect_group_id(client *c, const resp_arg *key, const struct stream_group *g,
                            const resp_arg *group);

/* The consumer of that name in g, created (with its notification) when absent. */
struct stream_consumer *stream_consumer_get(client *c, const resp_arg *key,
                                            struct stream_group *g, const resp_arg *name);

#endif
