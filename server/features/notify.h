/* Keyspace notifications: with notify-keyspace-events on, a change to a key is published as
 * `__keyspace@<db>__:<key>` <event> and `__keyevent@<db>__:<event>` <key>, with Redis's
 * classes and event names. Off (the default), a call costs one flag test. */
#ifndef RILL_NOTIFY_H
#define RILL_NOTIFY_H

#include <stddef.h>

#include "core/server.h"
#include "keyspace/db.h"

/* The classes, as Redis numbers them; notify-keyspace-events holds a set of them. */
#define NOTIFY_KEYSPACE (1 << 0) /* K */
#define NOTIFY_KEYEVENT (1 << 1) /* E */
#define NOTIFY_GENERIC (1 << 2)  /* g */
#define NOTIFY_STRING (1 << 3)   /* $ */
#define NOTIFY_LIST (1 << 4)     /* l */
#define NOTIFY_SET (1 << 5)      /* s */
#define NOTIFY_HASH (1 << 6)     /* h */
#define NOTIFY_ZSET (1 << 7)     /* z */
#define NOTIFY_EXPIRED (1 << 8)  /* x */
#define NOTIFY_EVICTED (1 << 9)  /* e */
#define NOTIFY_STREAM (1 << 10)  /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m, left out of A on purpose */
#define NOTIFY_MODULE (1 << 13)  /* d */
#define NOTIFY_NEW (1 << 14)     /* n, left out of A too */
#define NOTIFY_ALL                                                                              \
    (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET |    \
     NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE)

/* The classes a notify-keyspace-events value names, or -1 for a letter outside
 * "Ag$lshzxeKEtmdn". */
int notify_flags_from_string(const char *s, size_t len);
/* The value as CONFIG GET shows it ("A" for every class, then K, E, m). */
void notify_flags_to_string(int flags, buf_t *out);

/* Publishes one event on the channels notify-keyspace-events asks for (K, E). */
void notify_publish(const char *event, int dbid, const char *key, size_t len);

/* Publishes event (of class type) about key in d, when that class is on. */
static inline void notify_key_event(int type, const char *event, const db *d, const char *key,
                                    size_t len) {
    if (server.cfg.notify_keyspace_events & type) notify_publish(event, d->id, key, len);
}

/* The same for a key named by a command argument, in the client's database. */
static inline void notify_key_arg(int type, const char *event, const client *c,
                                  const resp_arg *key) {
    notify_key_event(type, event, c->db, key->ptr, key->len);
}

#endif
