#include "features/pubsub.h"

#include <stdio.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "dict.h"
#include "glob.h"
#include "mem.h"

/* A channel or a pattern and the clients subscribed to it, in subscription order. */
struct topic {
    dict_node node;
    client **subs;
    size_t n, cap;
    size_t len;
    char name[];
};

/* One subscription of a client, in the client's own table (keyed by the topic's name). */
struct subscription {
    dict_node node;
    struct topic *topic;
};

/* A client's subscriptions; allocated on its first SUBSCRIBE or PSUBSCRIBE. */
struct pubsub_state {
    dict channels, patterns;
};

static void topic_key(const dict_node *n, const char **key, size_t *len) {
    const struct topic *t = (const struct topic *)n;
    *key = t->name;
    *len = t->len;
}

static void subscription_key(const dict_node *n, const char **key, size_t *len) {
    const struct subscription *s = (const struct subscription *)n;
    *key = s->topic->name;
    *len = s->topic->len;
}

static const dict_type topic_type = {topic_key};
static const dict_type subscription_type = {subscription_key};

void pubsub_init(void) {
    dict_init(&server.pubsub_channels, &topic_type);
    dict_init(&server.pubsub_patterns, &topic_type);
}

size_t pubsub_channel_count(const client *c) {
    return c->pubsub ? dict_size(&c->pubsub->channels) : 0;
}

size_t pubsub_pattern_count(const client *c) {
    return c->pubsub ? dict_size(&c->pubsub->patterns) : 0;
}

size_t pubsub_count(const client *c) {
    return pubsub_channel_count(c) + pubsub_pattern_count(c);
}

size_t pubsub_memory(const client *c) {
    if (!c->pubsub) return 0;
    return sizeof *c->pubsub + dict_bytes(&c->pubsub->channels) +
           dict_bytes(&c->pubsub->patterns) + pubsub_count(c) * sizeof(struct subscription);
}

int pubsub_is_subscription(const struct command *cmd) {
    return cmd->proc == cmd_subscribe || cmd->proc == cmd_psubscribe ||
           cmd->proc == cmd_unsubscribe || cmd->proc == cmd_punsubscribe;
}

int pubsub_allowed_in_context(const struct command *cmd) {
    return cmd->proc == cmd_subscribe || cmd->proc == cmd_unsubscribe ||
           cmd->proc == cmd_psubscribe || cmd->proc == cmd_punsubscribe || cmd->proc == cmd_ping ||
           cmd->proc == cmd_quit || cmd->proc == cmd_reset;
}

/* ---- Subscribing ---- */

/* Subscribes c to name in the given tables; returns 0 when it already was. */
static int subscribe(client *c, dict *all, int pattern, const resp_arg *name) {
    if (!c->pubsub) {
        c->pubsub = mem_alloc(sizeof *c->pubsub);
        dict_init(&c->pubsub->channels, &subscription_type);
        dict_init(&c->pubsub->patterns, &subscription_type);
    }
    dict *mine = pattern ? &c->pubsub->patterns : &c->pubsub->channels;
    if (dict_find(mine, name->ptr, name->len)) return 0;
    struct topic *t = (struct topic *)dict_find(all, name->ptr, name->len);
    if (!t) {
        t = mem_calloc(1, sizeof *t + name->len);
        t->len = name->len;
        memcpy(t->name, name->ptr, name->len);
        dict_add(all, &t->node);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 4;
        t->subs = mem_realloc(t->subs, t->cap * sizeof *t->subs);
    }
    t->subs[t->n++] = c;
    struct subscription *s = mem_alloc(sizeof *s);
    s->topic = t;
    dict_add(mine, &s->node);
    return 1;
}

/* Removes c from its subscription s (found in its table mine); frees an empty topic. */
static void unsubscribe(client *c, dict *all, dict *mine, struct subscription *s) {
    struct topic *t = s->topic;
    /* Keep the others in subscription order: delivery follows it. */
    for (size_t i = 0; i < t->n; i++) {
        if (t->subs[i] == c) {
            memmove(t->subs + i, t->subs + i + 1, (t->n - i - 1) * sizeof *t->subs);
            t->n--;
            break;
        }
    }
    dict_remove(mine, t->name, t->len);
    dict_maybe_shrink(mine);
    mem_free(s);
    if (t->n == 0) {
        dict_remove(all, t->name, t->len);
        dict_maybe_shrink(all);
        mem_free(t->subs);
        mem_free(t);
    }
}

static void reply_confirmation(client *c, const char *kind, const char *name, size_t len) {
    reply_array(c, 3);
    reply_bulk_cstr(c, kind);
    if (name) {
        reply_bulk(c, name, len);
    } else {
        reply_nil(c);
    }
    reply_int(c, (long long)pubsub_count(c));
}

static void subscribe_command(client *c, int pattern) {
    for (size_t i = 1; i < c->argc; i++) {
        subscribe(c, pattern ? &server.pubsub_patterns : &server.pubsub_channels, pattern,
                  &c->argv[i]);
        reply_confirmation(c, pattern ? "psubscribe" : "subscribe", c->argv[i].ptr, c->argv[i].len);
    }
}

void cmd_subscribe(client *c) {
    subscribe_command(c, 0);
}

void cmd_psubscribe(client *c) {
    subscribe_command(c, 1);
}

/* Unsubscribes from every channel or pattern; with notify, one confirmation each. */
static void unsubscribe_all(client *c, int pattern, int notify) {
    const char *kind = pattern ? "punsubscribe" : "unsubscribe";
    dict *all = pattern ? &server.pubsub_patterns : &server.pubsub_channels;
    dict *mine = c->pubsub ? (pattern ? &c->pubsub->patterns : &c->pubsub->channels) : NULL;
    if (!mine || dict_size(mine) == 0) {
        if (notify) reply_confirmation(c, kind, NULL, 0);
        return;
    }
    while (dict_size(mine) > 0) {
        struct subscription *s = (struct subscription *)dict_random(mine);
        /* The name outlives the topic only until unsubscribe(): reply first. */
        char small[256];
        size_t len = s->topic->len;
        char *name = len <= sizeof small ? small : mem_alloc(len);
        memcpy(name, s->topic->name, len);
        unsubscribe(c, all, mine, s);
        if (notify) reply_confirmation(c, kind, name, len);
        if (name != small) mem_free(name);
    }
}

static void unsubscribe_command(client *c, int pattern) {
    if (c->argc == 1) {
        unsubscribe_all(c, pattern, 1);
        return;
    }
    dict *all = pattern ? &server.pubsub_patterns : &server.pubsub_channels;
    for (size_t i = 1; i < c->argc; i++) {
        const resp_arg *name = &c->argv[i];
        dict *mine = c->pubsub ? (pattern ? &c->pubsub->patterns : &c->pubsub->channels) : NULL;
        struct subscription *s =
            mine ? (struct subscription *)dict_find(mine, name->ptr, name->len) : NULL;
        if (s) unsubscribe(c, all, mine, s);
        reply_confirmation(c, pattern ? "punsubscribe" : "unsubscribe", name->ptr, name->len);
    }
}

void cmd_unsubscribe(client *c) {
    unsubscribe_command(c, 0);
}

void cmd_punsubscribe(client *c) {
    unsubscribe_command(c, 1);
}

void pubsub_reset(client *c) {
    if (!c->pubsub) return;
    unsubscribe_all(c, 0, 0);
    unsubscribe_all(c, 1, 0);
    dict_release(&c->pubsub->channels, NULL, NULL);
    dict_release(&c->pubsub->patterns, NULL, NULL);
    mem_free(c->pubsub);
    c->pubsub = NULL;
}

size_t pubsub_total_channels(void) {
    return dict_size(&server.pubsub_channels);
}

size_t pubsub_total_patterns(void) {
    return dict_size(&server.pubsub_patterns);
}

/* ---- Publishing ---- */

/* Appends one encoded message to every subscriber of t. A subscriber cut off for its
 * output limit stays subscribed until it is freed (it still counts, as in Redis). */
static void deliver(struct topic *t, const buf_t *message) {
    for (size_t i = 0; i < t->n; i++) {
        client *s = t->subs[i];
        if (s->flags & CLIENT_CLOSE_ASAP) continue;
        buf_append(&s->reply, message->data, message->len);
        client_queue_reply(s);
        client_check_output_limit(s);
        client_memory_update(s); /* a burst of messages can pass maxmemory-clients */
    }
}

struct pattern_publish {
    const char *channel, *message;
    size_t channel_len, message_len;
    buf_t *encoded;
    long long receivers;
};

static void publish_to_pattern(dict_node *n, void *ctx) {
    struct pattern_publish *p = ctx;
    struct topic *t = (struct topic *)n;
    if (!glob_match(t->name, t->len, p->channel, p->channel_len, 0)) return;
    buf_t *out = p->encoded;
    out->len = 0;
    resp_add_array(out, 4);
    resp_add_bulk(out, "pmessage", 8);
    resp_add_bulk(out, t->name, t->len);
    resp_add_bulk(out, p->channel, p->channel_len);
    resp_add_bulk(out, p->message, p->message_len);
    p->receivers += (long long)t->n;
    deliver(t, out);
}

long long pubsub_publish(const char *channel, size_t channel_len, const char *message,
                         size_t message_len) {
    long long receivers = 0;
    buf_t encoded;
    buf_init(&encoded);
    struct topic *t = (struct topic *)dict_find(&server.pubsub_channels, channel, channel_len);
    if (t) {
        resp_add_array(&encoded, 3);
        resp_add_bulk(&encoded, "message", 7);
        resp_add_bulk(&encoded, channel, channel_len);
        resp_add_bulk(&encoded, message, message_len);
        receivers += (long long)t->n;
        deliver(t, &encoded);
    }
    if (dict_size(&server.pubsub_patterns) > 0) {
        struct pattern_publish p = {channel, message, channel_len, message_len, &encoded, 0};
        dict_foreach(&server.pubsub_patterns, publish_to_pattern, &p);
        receivers += p.receivers;
    }
    buf_free(&encoded);
    return receivers;
}

void cmd_publish(client *c) {
    reply_int(c, pubsub_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len));
}

/* ---- PUBSUB ---- */

struct channel_list {
    const resp_arg *pattern;
    const struct topic **found;
    size_t n, cap;
};

static void collect_channel(dict_node *n, void *ctx) {
    struct channel_list *l = ctx;
    const struct topic *t = (const struct topic *)n;
    if (l->pattern && !glob_match(l->pattern->ptr, l->pattern->len, t->name, t->len, 0)) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->found = mem_realloc(l->found, l->cap * sizeof *l->found);
    }
    l->found[l->n++] = t;
}

static int subcommand_syntax_error(client *c) {
    reply_subcommand_syntax_error(c, "PUBSUB");
    return 1;
}

void cmd_pubsub_channels(client *c) {
    if (c->argc > 3) {
        subcommand_syntax_error(c);
        return;
    }
    struct channel_list l = {c->argc == 3 ? &c->argv[2] : NULL, NULL, 0, 0};
    dict_foreach(&server.pubsub_channels, collect_channel, &l);
    reply_array(c, (long long)l.n);
    for (size_t i = 0; i < l.n; i++)
        reply_bulk(c, l.found[i]->name, l.found[i]->len);
    mem_free(l.found);
}

void cmd_pubsub_numsub(client *c) {
    reply_array(c, ((long long)c->argc - 2) * 2);
    for (size_t i = 2; i < c->argc; i++) {
        const struct topic *t = (const struct topic *)dict_find(&server.pubsub_channels,
                                                                c->argv[i].ptr, c->argv[i].len);
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_int(c, t ? (long long)t->n : 0);
    }
}

void cmd_pubsub_numpat(client *c) {
    reply_int(c, (long long)dict_size(&server.pubsub_patterns));
}

/* rill has no shard channels (SSUBSCRIBE is not supported), so there are none to list. */
void cmd_pubsub_shardchannels(client *c) {
    if (c->argc > 3) {
        subcommand_syntax_error(c);
        return;
    }
    reply_array(c, 0);
}

void cmd_pubsub_shardnumsub(client *c) {
    reply_array(c, ((long long)c->argc - 2) * 2);
    for (size_t i = 2; i < c->argc; i++) {
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_int(c, 0);
    }
}

void cmd_pubsub_help(client *c) {
    static const char *const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        ("    Return the currently active shard level channels matching a <pattern> (default: "
         "'*')."),
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    };
    size_t n = sizeof lines / sizeof lines[0];
    reply_array(c, (long long)n);
    for (size_t i = 0; i < n; i++)
        reply_status(c, lines[i]);
}
