#include "features/blocking.h"

#include <limits.h>
#include <math.h>

#include "core/commands.h"
#include "core/net.h"
#include "core/reply.h"
#include "keyspace/db.h"
#include "mem.h"
#include "numconv.h"

struct wait_queue;

/* One client waiting on one key. */
struct waiter {
    client *c;
    struct wait_queue *q;
    struct waiter *prev, *next;
};

/* The clients waiting on one key of one database, first blocked first. */
struct wait_queue {
    dict_node node;
    struct waiter *head, *tail;
    int ready;            /* already on server.ready_keys */
    size_t stream_waiters; /* XREAD and XREADGROUP waiters run even for a deleted key */
    size_t keylen;
    char key[];
};

struct ready_key {
    int db_index;
    size_t len;
    char *key;
};

/* A blocked client's wait: its queues, its timer, and its own copy of the command. */
struct blocked_state {
    const struct command *cmd;
    int wanted; /* the type whose arrival runs the command again */
    resp_arg *argv;
    size_t argc;
    struct waiter *waiters;
    size_t nwaiters;
    ev_timer timer;
    int has_timer;     /* the timer is running */
    long long deadline_ms;
    int still_waiting; /* set when the command, run again, found nothing */
    const struct ready_key *serving; /* while the command runs again: the key that is ready */
};

static void queue_key(const dict_node *n, const char **key, size_t *len) {
    const struct wait_queue *q = (const struct wait_queue *)n;
    *key = q->key;
    *len = q->keylen;
}

static const dict_type wait_queue_type = {queue_key};

void blocking_init_db(db *d) { dict_init(&d->waiting, &wait_queue_type); }

int blocking_parse_timeout(client *c, const resp_arg *a, long long *deadline_ms) {
    long double seconds;
    if (str_to_ld(a->ptr, a->len, &seconds) != 0) {
        reply_error(c, "timeout is not a float or out of range");
        return -1;
    }
    /* As in Redis 7.0: milliseconds rounded up; a value too big for a long long turns
     * negative there, and a deadline past the end of time waits forever. */
    long double ms = ceill(seconds * 1000.0L);
    if (!(ms < 0x1p63L && ms >= -0x1p63L) || ms < 0) {
        reply_error(c, "timeout is negative");
        return -1;
    }
    long long t = (long long)ms;
    if (t > 0) t = t > LLONG_MAX - server.now_ms ? LLONG_MAX : t + server.now_ms;
    *deadline_ms = t;
    return 0;
}

int blocking_allowed(client *c) {
    (void)c;
    return !server.in_exec;
}

/* ---- Blocking and unblocking ---- */

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents);

static struct wait_queue *queue_for(db *d, const resp_arg *key) {
    struct wait_queue *q = (struct wait_queue *)dict_find(&d->waiting, key->ptr, key->len);
    if (q) return q;
    q = mem_alloc(sizeof *q + key->len);
    q->head = q->tail = NULL;
    q->ready = 0;
    q->stream_waiters = 0;
    q->keylen = key->len;
    memcpy(q->key, key->ptr, key->len);
    dict_add(&d->waiting, &q->node);
    return q;
}

void blocking_block(client *c, size_t first, size_t nkeys, long long deadline_ms, int wanted) {
    blocking_block_as(c, c->argv, first, nkeys, deadline_ms, wanted);
}

void blocking_block_as(client *c, const resp_arg *argv, size_t first, size_t nkeys,
                       long long deadline_ms, int wanted) {
    if (c->blocked) {
        c->blocked->still_waiting = 1;
        return;
    }
    struct blocked_state *b = mem_calloc(1, sizeof *b);
    b->still_waiting = 1;
    b->cmd = c->last_cmd;
    b->wanted = wanted;
    b->deadline_ms = deadline_ms;
    /* The client goes on reading into its query buffer: keep the command apart. */
    b->argv = resp_args_copy(argv, c->argc);
    b->argc = c->argc;
    b->waiters = mem_calloc(nkeys, sizeof *b->waiters);
    for (size_t i = 0; i < nkeys; i++) {
        const resp_arg *key = &c->argv[first + i];
        struct wait_queue *q = queue_for(c->db, key);
        /* The same key named twice waits once. */
        int dup = 0;
        for (size_t k = 0; k < b->nwaiters; k++) dup |= b->waiters[k].q == q;
        if (dup) continue;
        struct waiter *w = &b->waiters[b->nwaiters++];
        w->c = c;
        w->q = q;
        if (wanted == OBJ_STREAM) q->stream_waiters++;
        w->next = NULL;
        w->prev = q->tail;
        if (q->tail) {
            q->tail->next = w;
        } else {
            q->head = w;
        }
        q->tail = w;
    }
    if (deadline_ms > 0) {
        /* The loop's clock may lag behind the command's start: measure from now. */
        ev_now_update(server.loop);
        double after = (double)(deadline_ms - time_ms()) / 1000.0;
        ev_timer_init(&b->timer, on_timeout, after > 0 ? after : 0, 0);
        b->timer.data = c;
        ev_timer_start(server.loop, &b->timer);
        b->has_timer = 1;
        server.nblocked_timed++;
    }
    c->blocked = b;
    server.nblocked++;
}

/* Leaves every queue, drops queues nobody waits on, frees the wait. */
static void end_wait(client *c) {
    struct blocked_state *b = c->blocked;
    for (size_t i = 0; i < b->nwaiters; i++) {
        struct waiter *w = &b->waiters[i];
        struct wait_queue *q = w->q;
        if (b->wanted == OBJ_STREAM) q->stream_waiters--;
        if (w->prev) {
            w->prev->next = w->next;
        } else {
            q->head = w->next;
        }
        if (w->next) {
            w->next->prev = w->prev;
        } else {
            q->tail = w->prev;
        }
        if (!q->head) {
            dict_remove(&c->db->waiting, q->key, q->keylen);
            mem_free(q);
        }
    }
    if (b->has_timer) ev_timer_stop(server.loop, &b->timer);
    if (b->deadline_ms > 0) server.nblocked_timed--;
    mem_free(b->waiters);
    mem_free(b->argv);
    mem_free(b);
    c->blocked = NULL;
    server.nblocked--;
}

void blocking_forget(client *c) {
    if (c->blocked) end_wait(c);
}

/* The wait is over and replied to: the client's pipeline goes on. */
static void finish(client *c) {
    end_wait(c);
    client_resume(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    client *c = w->data;
    c->blocked->has_timer = 0;
    reply_nil_array(c);
    finish(c);
}

void blocking_unblock(client *c, int with_error) {
    if (with_error) {
        reply_error(c, "-UNBLOCKED client unblocked via CLIENT UNBLOCK");
    } else {
        reply_nil_array(c);
    }
    finish(c);
}

/* ---- Ready keys ---- */

void blocking_signal_key(db *d, const char *key, size_t len) {
    if (dict_size(&d->waiting) == 0) return;
    struct wait_queue *q = (struct wait_queue *)dict_find(&d->waiting, key, len);
    if (!q || q->ready) return;
    q->ready = 1;
    if (server.nready_keys == server.ready_keys_cap) {
        server.ready_keys_cap = server.ready_keys_cap ? server.ready_keys_cap * 2 : 16;
        server.ready_keys =
            mem_realloc(server.ready_keys, server.ready_keys_cap * sizeof(struct ready_key));
    }
    struct ready_key *r = &server.ready_keys[server.nready_keys++];
    r->db_index = d->id;
    r->len = len;
    r->key = mem_alloc(len ? len : 1);
    memcpy(r->key, key, len);
}

static void signal_queue(dict_node *n, void *ctx) {
    db *d = ctx;
    struct wait_queue *q = (struct wait_queue *)n;
    entry *e = db_lookup_write(d, q->key, q->keylen);
    if (e && (e->type == OBJ_LIST || e->type == OBJ_ZSET || e->type == OBJ_STREAM))
        blocking_signal_key(d, q->key, q->keylen);
}

static void signal_stream_queue(dict_node *n, void *ctx) {
    db *d = ctx;
    struct wait_queue *q = (struct wait_queue *)n;
    entry *e = q->stream_waiters ? db_lookup(d, q->key, q->keylen) : NULL;
    if (e && e->type == OBJ_STREAM) blocking_signal_key(d, q->key, q->keylen);
}

void blocking_signal_streams(db *d) {
    if (dict_size(&d->waiting)) dict_foreach(&d->waiting, signal_stream_queue, d);
}

int blocking_is_rerun(const client *c) { return c->blocked && c->blocked->serving; }

int blocking_serving_key(const client *c, resp_arg *key) {
    if (!c->blocked || !c->blocked->serving) return 0;
    key->ptr = c->blocked->serving->key;
    key->len = c->blocked->serving->len;
    return 1;
}

void blocking_signal_db(db *d) { dict_foreach(&d->waiting, signal_queue, d); }

int blocking_is_waiting(const client *c) { return c->blocked && c->blocked->still_waiting; }

/* Runs the blocked client's command again; returns 1 when it replied (the wait is over). */
static int run_again(client *c, const struct ready_key *r) {
    struct blocked_state *b = c->blocked;
    b->still_waiting = 0;
    b->serving = r;
    c->argv = b->argv;
    c->argc = b->argc;
    command_call(c, b->cmd);
    c->argv = NULL;
    c->argc = 0;
    b->serving = NULL;
    if (b->still_waiting) return 0;
    finish(c);
    return 1;
}

/* Serves the key's waiters in order while it holds a value; a waiter for another type keeps
 * its place. Stream readers run whatever the key holds: the command decides (new entries,
 * or XREADGROUP's error for a key that is gone). */
static void serve_key(db *d, const struct ready_key *r) {
    struct wait_queue *q = (struct wait_queue *)dict_find(&d->waiting, r->key, r->len);
    if (!q) return;
    q->ready = 0;
    /* One walk in blocking order: each waiter's command runs again and either replies
     * (leaving the queue) or keeps its place; it stops when the list is gone. */
    struct waiter *w = q->head;
    while (w) {
        entry *e = db_lookup_write(d, r->key, r->len);
        if (!e && !q->stream_waiters) return;
        struct waiter *next = w->next;
        int last = next == NULL;
        client *c = w->c;
        int wanted = c->blocked->wanted;
        if ((wanted == OBJ_STREAM || (e && e->type == wanted)) && run_again(c, r)) {
            /* The queue may be gone now. */
            q = (struct wait_queue *)dict_find(&d->waiting, r->key, r->len);
            if (!q) return;
        }
        if (last) return;
        w = next;
    }
}

void blocking_serve_ready_keys(void) {
    /* Serving can make more keys ready (BLMOVE into a waited-on list): loop until none. */
    while (server.nready_keys > 0) {
        struct ready_key *batch = server.ready_keys;
        size_t n = server.nready_keys;
        server.ready_keys = NULL;
        server.nready_keys = server.ready_keys_cap = 0;
        for (size_t i = 0; i < n; i++) {
            serve_key(&server.dbs[batch[i].db_index], &batch[i]);
            mem_free(batch[i].key);
        }
        mem_free(batch);
    }
}
