#include "features/pubsub.h"

#include <stdio.h>

#include "core/client_memory.h"
#include "core/commands.h"
#include "core/net.h"
#include "core/effects.h"
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

/* What a client can subscribe to: channels (SUBSCRIBE), patterns (PSUBSCRIBE) and shard
 * channels (SSUBSCRIBE: with one shard, channels of their own that only SPUBLISH reaches). */
enum kind { CHANNEL, PATTERN, SHARD, KINDS };

static const struct {
    const char *subscribe, *unsubscribe;
} kind_names[KINDS] = {
    {"subscribe", "unsubscribe"}, {"psubscribe", "punsubscribe"}, {"ssubscribe", "sunsubscribe"}};

/* A client's subscriptions by kind; allocated on its first subscription. */
struct pubsub_state {
    dict mine[KINDS];
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

static dict *all_topics(enum kind k) {
    return k == CHANNEL ? &server.pubsub_channels
           : k == PATTERN ? &server.pubsub_patterns
                          : &server.pubsub_shard_channels;
}

static dict *client_topics(const client *c, enum kind k) {
    return c->pubsub ? &c->pubsub->mine[k] : NULL;
}

static size_t count_of(const client *c, enum kind k) {
    return c->pubsub ? dict_size(&c->pubsub->mine[k]) : 0;
}

void pubsub_init(void) {
    for (int k = 0; k < KINDS; k++) dict_init(all_topics((enum kind)k), &topic_type);
}

size_t pubsub_channel_count(const client *c) { return count_of(c, CHANNEL); }

size_t pubsub_pattern_count(const client *c) { return count_of(c, PATTERN); }

size_t pubsub_shard_count(const client *c) { return count_of(c, SHARD); }

size_t pubsub_count(const client *c) {
    return count_of(c, CHANNEL) + count_of(c, PATTERN) + count_of(c, SHARD);
}

size_t pubsub_memory(const client *c) {
    if (!c->pubsub) return 0;
    size_t bytes = sizeof *c->pubsub + pubsub_count(c) * sizeof(struct subscription);
    for (int k = 0; k < KINDS; k++) bytes += dict_bytes(&c->pubsub->mine[k]);
    return bytes;
}

int pubsub_is_subscription(const struct command *cmd) {
    return cmd->proc == cmd_subscribe || cmd->proc == cmd_psubscribe ||
           cmd->proc == cmd_unsubscribe || cmd->proc == cmd_punsubscribe ||
           cmd->proc == cmd_ssubscribe || cmd->proc == cmd_sunsubscribe;
}

int pubsub_allowed_in_context(const struct command *cmd) {
    return pubsub_is_subscription(cmd) || cmd->proc == cmd_ping || cmd->proc == cmd_quit ||
           cmd->proc == cmd_reset;
}

/* ---- Subscribing ---- */

/* Subscribes c to name; returns 0 when it already was. */
static int subscribe(client *c, enum kind k, const resp_arg *name) {
    if (!c->pubsub) {
        c->pubsub = mem_alloc(sizeof *c->pubsub);
        for (int i = 0; i < KINDS; i++) dict_init(&c->pubsub->mine[i], &subscription_type);
    }
    dict *mine = &c->pubsub->mine[k], *all = all_topics(k);
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

/* Removes c from its subscription s; frees an empty topic. */
static void unsubscribe(client *c, enum kind k, struct subscription *s) {
    struct topic *t = s->topic;
    dict *mine = &c->pubsub->mine[k], *all = all_topics(k);
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

/* [kind, name, count]: the count is of channels and patterns together, or of shard channels
 * alone, as Redis 7.0 counts them. */
static void reply_confirmation(client *c, enum kind k, const char *what, const char *name, size_t len) {
    reply_array(c, 3);
    reply_bulk_cstr(c, what);
    if (name) {
        reply_bulk(c, name, len);
    } else {
        reply_nil(c);
    }
    reply_int(c, (long long)(k == SHARD ? count_of(c, SHARD) : count_of(c, CHANNEL) + count_of(c, PATTERN)));
}

static void subscribe_command(client *c, enum kind k) {
    for (size_t i = 1; i < c->argc; i++) {
        subscribe(c, k, &c->argv[i]);
        reply_confirmation(c, k, kind_names[k].subscribe, c->argv[i].ptr, c->argv[i].len);
    }
}

void cmd_subscribe(client *c) { subscribe_command(c, CHANNEL); }

void cmd_psubscribe(client *c) { subscribe_command(c, PATTERN); }

/* Unlike SUBSCRIBE, refused in a transaction, as Redis does. */
void cmd_ssubscribe(client *c) {
    if (server.in_exec) {
        reply_error(c, "SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
        return;
    }
    subscribe_command(c, SHARD);
}

/* Unsubscribes from every topic of a kind; with notify, one confirmation each. */
static void unsubscribe_all(client *c, enum kind k, int notify) {
    const char *what = kind_names[k].unsubscribe;
    dict *mine = client_topics(c, k);
    if (!mine || dict_size(mine) == 0) {
        if (notify) reply_confirmation(c, k, what, NULL, 0);
        return;
    }
    while (dict_size(mine) > 0) {
        struct subscription *s = (struct subscription *)dict_random(mine);
        /* The name outlives the topic only until unsubscribe(): reply first. */
        char small[256];
        size_t len = s->topic->len;
        char *name = len <= sizeof small ? small : mem_alloc(len);
        memcpy(name, s->topic->name, len);
        unsubscribe(c, k, s);
        if (notify) reply_confirmation(c, k, what, name, len);
        if (name != small) mem_free(name);
    }
}

static void unsubscribe_command(client *c, enum kind k) {
    if (c->argc == 1) {
        unsubscribe_all(c, k, 1);
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        const resp_arg *name = &c->argv[i];
        dict *mine = client_topics(c, k);
        struct subscription *s =
            mine ? (struct subscription *)dict_find(mine, name->ptr, name->len) : NULL;
        if (s) unsubscribe(c, k, s);
        reply_confirmation(c, k, kind_names[k].unsubscribe, name->ptr, name->len);
    }
}

void cmd_unsubscribe(client *c) { unsubscribe_command(c, CHANNEL); }

void cmd_punsubscribe(client *c) { unsubscribe_command(c, PATTERN); }

void cmd_sunsubscribe(client *c) { unsubscribe_command(c, SHARD); }

void pubsub_reset(client *c) {
    if (!c->pubsub) return;
    for (int k = 0; k < KINDS; k++) {
        unsubscribe_all(c, (enum kind)k, 0);
        dict_release(&c->pubsub->mine[k], NULL, NULL);
    }
    mem_free(c->pubsub);
    c->pubsub = NULL;
}

size_t pubsub_total_channels(void) { return dict_size(&server.pubsub_channels); }

size_t pubsub_total_patterns(void) { return dict_size(&server.pubsub_patterns); }

size_t pubsub_total_shard_channels(void) { return dict_size(&server.pubsub_shard_channels); }

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
    effects_force(EFFECTS_REPLICAS); /* replicas' subscribers hear it too; the AOF does not */
    reply_int(c, pubsub_publish(c->argv[1].ptr, c->argv[1].len, c->argv[2].ptr, c->argv[2].len));
}

/* SPUBLISH: to the shard channel's subscribers only, as "smessage". */
void cmd_spublish(client *c) {
    const resp_arg *channel = &c->argv[1], *message = &c->argv[2];
    effects_force(EFFECTS_REPLICAS);
    struct topic *t = (struct topic *)dict_find(&server.pubsub_shard_channels, channel->ptr, channel->len);
    if (!t) {
        reply_int(c, 0);
        return;
    }
    long long receivers = (long long)t->n;
    buf_t encoded;
    buf_init(&encoded);
    resp_add_array(&encoded, 3);
    resp_add_bulk(&encoded, "smessage", 8);
    resp_add_bulk(&encoded, channel->ptr, channel->len);
    resp_add_bulk(&encoded, message->ptr, message->len);
    deliver(t, &encoded);
    buf_free(&encoded);
    reply_int(c, receivers);
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

static void list_channels(client *c, const dict *topics) {
    if (c->argc > 3) {
        subcommand_syntax_error(c);
        return;
    }
    struct channel_list l = {c->argc == 3 ? &c->argv[2] : NULL, NULL, 0, 0};
    dict_foreach((dict *)topics, collect_channel, &l);
    reply_array(c, (long long)l.n);
    for (size_t i = 0; i < l.n; i++)
        reply_bulk(c, l.found[i]->name, l.found[i]->len);
    mem_free(l.found);
}

static void count_subscribers(client *c, dict *topics) {
    reply_array(c, ((long long)c->argc - 2) * 2);
    for (size_t i = 2; i < c->argc; i++) {
        const struct topic *t = (const struct topic *)dict_find(topics, c->argv[i].ptr, c->argv[i].len);
        reply_bulk(c, c->argv[i].ptr, c->argv[i].len);
        reply_int(c, t ? (long long)t->n : 0);
    }
}

void cmd_pubsub_channels(client *c) { list_channels(c, &server.pubsub_channels); }

void cmd_pubsub_numsub(client *c) { count_subscribers(c, &server.pubsub_channels); }

void cmd_pubsub_numpat(client *c) {
    reply_int(c, (long long)dict_size(&server.pubsub_patterns));
}

void cmd_pubsub_shardchannels(client *c) { list_channels(c, &server.pubsub_shard_channels); }

void cmd_pubsub_shardnumsub(client *c) { count_subscribers(c, &server.pubsub_shard_channels); }

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
