#include "features/notify.h"

#include <string.h>

#include "features/pubsub.h"
#include "numconv.h"

/* Letters and classes in the order Redis writes them back. */
static const struct {
    char letter;
    int flag;
} classes[] = {
    {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING},  {'l', NOTIFY_LIST},    {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},    {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},  {'d', NOTIFY_MODULE},  {'n', NOTIFY_NEW},     {'K', NOTIFY_KEYSPACE},
    {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS},
};
#define CLASS_COUNT_ALL (sizeof classes / sizeof classes[0])
#define FIRST_OUTSIDE_ALL 10 /* classes[10..]: n, K, E, m, written after "A" */

int notify_flags_from_string(const char *s, size_t len) {
    int flags = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        size_t j = 0;
        while (j < CLASS_COUNT_ALL && classes[j].letter != s[i]) j++;
        if (j == CLASS_COUNT_ALL) return -1;
        flags |= classes[j].flag;
    }
    return flags;
}

void notify_flags_to_string(int flags, buf_t *out) {
    /* As Redis 7.0 does: "A" stands for its classes, and hides n when they are all on. */
    size_t first = 0;
    if ((flags & NOTIFY_ALL) == NOTIFY_ALL) {
        buf_append(out, "A", 1);
        first = FIRST_OUTSIDE_ALL + 1;
    }
    for (size_t j = first; j < CLASS_COUNT_ALL; j++)
        if (flags & classes[j].flag) buf_append(out, &classes[j].letter, 1);
}

/* "__keyspace@<db>__:" + name, or "__keyevent@<db>__:" + name. */
static void channel_name(buf_t *out, const char *prefix, int dbid, const char *name, size_t len) {
    char digits[LL_STR_SIZE];
    out->len = 0;
    buf_append_str(out, prefix);
    buf_append(out, digits, ll_to_str(digits, dbid));
    buf_append(out, "__:", 3);
    buf_append(out, name, len);
}

void notify_publish(const char *event, int dbid, const char *key, size_t len) {
    int flags = server.cfg.notify_keyspace_events;
    size_t event_len = strlen(event);
    buf_t channel;
    buf_init(&channel);
    if (flags & NOTIFY_KEYSPACE) {
        channel_name(&channel, "__keyspace@", dbid, key, len);
        pubsub_publish(channel.data, channel.len, event, event_len);
    }
    if (flags & NOTIFY_KEYEVENT) {
        channel_name(&channel, "__keyevent@", dbid, event, event_len);
        pubsub_publish(channel.data, channel.len, key, len);
    }
    buf_free(&channel);
}
