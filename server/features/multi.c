#include "features/multi.h"

#include "core/commands.h"
#include "core/reply.h"
#include "keyspace/db.h"
#include "mem.h"
#include "scripting/scripting.h"

struct queued_command {
    const struct command *cmd;
    resp_arg *argv;
    size_t argc;
};

/* The clients watching one key of one database. */
struct watchers {
    dict_node node;
    client **clients;
    size_t n, cap;
    size_t keylen;
    char key[];
};

struct watched {
    db *d;
    struct watchers *w;
};

/* A client's transaction: queued commands (in MULTI) and watched keys. */
struct transaction {
    struct queued_command *queue;
    size_t nqueued, queue_cap;
    size_t queued_bytes; /* what the queued commands' arguments hold */
    struct watched *watched;
    size_t nwatched, watched_cap;
};

static void watchers_key(const dict_node *n, const char **key, size_t *len) {
    const struct watchers *w = (const struct watchers *)n;
    *key = w->key;
    *len = w->keylen;
}

static const dict_type watchers_type = {watchers_key};

void multi_init_db(db *d) { dict_init(&d->watched, &watchers_type); }

static struct transaction *tx_of(client *c) {
    if (!c->tx) c->tx = mem_calloc(1, sizeof *c->tx);
    return c->tx;
}

/* Frees the transaction record once it holds nothing. */
static void tx_release_if_empty(client *c) {
    struct transaction *t = c->tx;
    if (!t || t->nqueued || t->nwatched) return;
    mem_free(t->queue);
    mem_free(t->watched);
    mem_free(t);
    c->tx = NULL;
}

/* ---- Queue ---- */

int multi_runs_immediately(const struct command *cmd) {
    return cmd->proc == cmd_exec || cmd->proc == cmd_discard || cmd->proc == cmd_multi ||
           cmd->proc == cmd_watch || cmd->proc == cmd_quit || cmd->proc == cmd_reset;
}

void multi_queue(client *c, const struct command *cmd) {
    struct transaction *t = tx_of(c);
    if (t->nqueued == t->queue_cap) {
        t->queue_cap = t->queue_cap ? t->queue_cap * 2 : 8;
        t->queue = mem_realloc(t->queue, t->queue_cap * sizeof *t->queue);
    }
    struct queued_command *q = &t->queue[t->nqueued++];
    q->cmd = cmd;
    q->argv = resp_args_copy(c->argv, c->argc);
    q->argc = c->argc;
    t->queued_bytes += mem_usable(q->argv);
    reply_raw(c, "+QUEUED\r\n", 9);
}

int multi_queued_flag(const client *c, unsigned flag) {
    for (size_t i = 0; c->tx && i < c->tx->nqueued; i++)
        if (scripting_command_flags(c->tx->queue[i].cmd, c->tx->queue[i].argv, c->tx->queue[i].argc) & flag)
            return 1;
    return 0;
}

long long multi_queued(const client *c) {
    if (!(c->flags & CLIENT_MULTI)) return -1;
    return c->tx ? (long long)c->tx->nqueued : 0;
}

size_t multi_memory(const client *c) {
    const struct transaction *t = c->tx;
    if (!t) return 0;
    size_t n = t->queued_bytes + t->queue_cap * sizeof *t->queue;
    return n + t->nwatched * (sizeof *t->watched + sizeof(struct watchers));
}

void multi_flag_error(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

void multi_reject(client *c, const struct command *cmd, const char *msg) {
    if ((c->flags & CLIENT_MULTI) && cmd && cmd->proc == cmd_exec) {
        multi_reset_client(c);
        reply_errorf(c, "-EXECABORT Transaction discarded because of: %s",
                     msg[0] == '-' ? msg + 1 : msg);
        return;
    }
    reply_error(c, msg);
    multi_flag_error(c);
}

static void discard_queue(client *c) {
    struct transaction *t = c->tx;
    if (t) {
        for (size_t i = 0; i < t->nqueued; i++) mem_free(t->queue[i].argv);
        t->nqueued = 0;
        t->queued_bytes = 0;
    }
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_EXEC | CLIENT_DIRTY_CAS);
}

/* ---- Watch ---- */

static void watch_key(client *c, const resp_arg *key) {
    struct transaction *t = tx_of(c);
    for (size_t i = 0; i < t->nwatched; i++) {
        struct watchers *w = t->watched[i].w;
        if (t->watched[i].d == c->db && w->keylen == key->len &&
            memcmp(w->key, key->ptr, key->len) == 0)
            return;
    }
    struct watchers *w = (struct watchers *)dict_find(&c->db->watched, key->ptr, key->len);
    if (!w) {
        w = mem_calloc(1, sizeof *w + key->len);
        w->keylen = key->len;
        memcpy(w->key, key->ptr, key->len);
        dict_add(&c->db->watched, &w->node);
        server.nwatched_keys++;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4;
        w->clients = mem_realloc(w->clients, w->cap * sizeof *w->clients);
    }
    w->clients[w->n++] = c;
    if (t->nwatched == t->watched_cap) {
        t->watched_cap = t->watched_cap ? t->watched_cap * 2 : 8;
        t->watched = mem_realloc(t->watched, t->watched_cap * sizeof *t->watched);
    }
    t->watched[t->nwatched++] = (struct watched){c->db, w};
}

static void unwatch_all(client *c) {
    struct transaction *t = c->tx;
    if (!t) return;
    for (size_t i = 0; i < t->nwatched; i++) {
        struct watchers *w = t->watched[i].w;
        for (size_t k = 0; k < w->n; k++) {
            if (w->clients[k] == c) {
                w->clients[k] = w->clients[--w->n];
                break;
            }
        }
        if (w->n == 0) {
            dict_remove(&t->watched[i].d->watched, w->key, w->keylen);
            mem_free(w->clients);
            mem_free(w);
            server.nwatched_keys--;
        }
    }
    t->nwatched = 0;
}

static void touch_watchers(struct watchers *w) {
    for (size_t i = 0; i < w->n; i++) w->clients[i]->flags |= CLIENT_DIRTY_CAS;
}

void multi_touch_key(db *d, const char *key, size_t len) {
    if (dict_size(&d->watched) == 0) return;
    struct watchers *w = (struct watchers *)dict_find(&d->watched, key, len);
    if (w) touch_watchers(w);
}

struct touch_ctx {
    db *d, *other;
};

static void touch_if_present(dict_node *n, void *ctx) {
    struct touch_ctx *t = ctx;
    struct watchers *w = (struct watchers *)n;
    if (dict_find(&t->d->keys, w->key, w->keylen) ||
        (t->other && dict_find(&t->other->keys, w->key, w->keylen)))
        touch_watchers(w);
}

void multi_touch_db(db *d, db *other) {
    if (dict_size(&d->watched) == 0) return;
    struct touch_ctx t = {d, other};
    dict_foreach(&d->watched, touch_if_present, &t);
}

/* A watched key whose TTL passed counts as changed even before expiry deletes it. */
static int watched_key_expired(client *c) {
    struct transaction *t = c->tx;
    for (size_t i = 0; t && i < t->nwatched; i++) {
        struct watchers *w = t->watched[i].w;
        entry *e = (entry *)dict_find(&t->watched[i].d->keys, w->key, w->keylen);
        if (e && db_is_expired(e)) return 1;
    }
    return 0;
}

void multi_reset_client(client *c) {
    discard_queue(c);
    unwatch_all(c);
    tx_release_if_empty(c);
}

/* ---- Commands ---- */

void cmd_multi(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "MULTI calls can not be nested");
        return;
    }
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

void cmd_discard(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "DISCARD without MULTI");
        return;
    }
    multi_reset_client(c);
    reply_ok(c);
}

void cmd_watch(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "WATCH inside MULTI is not allowed");
        return;
    }
    for (size_t i = 1; i < c->argc; i++) {
        /* A key already past its TTL goes now, so only later changes count. */
        db_lookup_write(c->db, c->argv[i].ptr, c->argv[i].len);
        watch_key(c, &c->argv[i]);
    }
    reply_ok(c);
}

void cmd_unwatch(client *c) {
    unwatch_all(c);
    /* A change already seen is forgotten with the keys, as in Redis. */
    c->flags &= ~CLIENT_DIRTY_CAS;
    tx_release_if_empty(c);
    reply_ok(c);
}

void cmd_exec(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "EXEC without MULTI");
        return;
    }
    if (watched_key_expired(c)) c->flags |= CLIENT_DIRTY_CAS;
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
        if (c->flags & CLIENT_DIRTY_EXEC) {
            reply_error(c, "-EXECABORT Transaction discarded because of previous errors.");
        } else {
            reply_nil_array(c);
        }
        multi_reset_client(c);
        return;
    }
    unwatch_all(c);
    struct transaction *t = c->tx;
    size_t n = t ? t->nqueued : 0;
    reply_array(c, (long long)n);
    resp_arg *exec_argv = c->argv;
    size_t exec_argc = c->argc;
    const struct command *exec_cmd = c->last_cmd;
    /* Nothing blocks inside EXEC; waiters are served once it is complete. */
    server.in_exec++;
    for (size_t i = 0; i < n; i++) {
        struct queued_command *q = &t->queue[i];
        c->argv = q->argv;
        c->argc = q->argc;
        c->last_cmd = q->cmd;
        command_call(c, q->cmd);
    }
    server.in_exec--;
    c->argv = exec_argv;
    c->argc = exec_argc;
    c->last_cmd = exec_cmd;
    multi_reset_client(c);
}
